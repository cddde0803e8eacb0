/// Reads the members of a JSON object in this project's canonical form (no whitespace)
/// straight from its bytes, without building JSONValues: start-up reads a million stored
/// records and needs a few fields of each. It reads exactly only what it can read cheaply:
/// strings without escapes, whole numbers (up to UInt64.max) without sign, fraction or
/// exponent, and booleans.
/// Everything else comes back as `.other`, so that a caller can fall back to JSONParser.
/// It never traps on any input: bytes it cannot follow make `members` return false.
public enum CanonicalObjectScanner {
    public enum Value: Equatable {
        /// The bytes between the quotes of a string with no escape in it.
        case string(Range<Int>)
        case integer(UInt64)
        case bool(Bool)
        /// A nested object, from `{` through `}`.
        case object(Range<Int>)
        /// Anything else: an escaped string, another number, null, an array.
        case other
    }

    /// Nesting a skipped value may have; deeper input is refused, not followed.
    public static let maxDepth = 64

    /// Calls `body` with each member of the object spanning exactly `range` of `bytes`: the
    /// key's bytes (between its quotes) and the value. `body` returns false to stop early.
    /// Returns false if the bytes are not such an object or a key has an escape.
    @discardableResult
    public static func members(of bytes: UnsafeBufferPointer<UInt8>, in range: Range<Int>,
                               _ body: (Range<Int>, Value) -> Bool) -> Bool {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, range.count >= 2,
              bytes[range.lowerBound] == UInt8(ascii: "{"), bytes[range.upperBound - 1] == UInt8(ascii: "}") else { return false }
        var index = range.lowerBound + 1
        let end = range.upperBound - 1
        if index == end { return true }
        while true {
            guard let key = plainString(bytes, at: &index, end: end), index < end, bytes[index] == UInt8(ascii: ":") else { return false }
            index += 1
            guard let value = value(bytes, at: &index, end: end) else { return false }
            if !body(key, value) { return true }
            if index == end { return true }
            guard bytes[index] == UInt8(ascii: ",") else { return false }
            index += 1
        }
    }

    /// Whether the bytes in `range` are exactly `text`.
    public static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let literal = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != literal[offset] { return false }
        return true
    }

    /// A string with no escape, returning its content's range; nil for anything else.
    private static func plainString(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, end: Int) -> Range<Int>? {
        guard index < end, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var cursor = start
        while cursor < end {
            switch bytes[cursor] {
            case UInt8(ascii: "\""):
                index = cursor + 1
                return start..<cursor
            case UInt8(ascii: "\\"), 0..<0x20:
                return nil
            default:
                cursor += 1
            }
        }
        return nil
    }

    private static func value(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, end: Int) -> Value? {
        guard index < end else { return nil }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            if let content = plainString(bytes, at: &index, end: end) { return .string(content) }
            index = start
            return skip(bytes, at: &index, end: end, depth: 0) ? .other : nil
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            var number: UInt64 = 0
            var digits = 0
            var overflow = false
            while index < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (times, overflowTimes) = number.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                overflow = overflow || overflowTimes || overflowSum
                number = sum
                digits += 1
                index += 1
            }
            // A leading zero, a fraction, an exponent or more than UInt64 holds: not read.
            let continues = index < end && (bytes[index] == UInt8(ascii: ".") || bytes[index] | 0x20 == UInt8(ascii: "e"))
            if (bytes[start] == UInt8(ascii: "0") && digits > 1) || continues || overflow {
                index = start
                return skip(bytes, at: &index, end: end, depth: 0) ? .other : nil
            }
            return .integer(number)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            guard skip(bytes, at: &index, end: end, depth: 0) else { return nil }
            if matches(bytes, start..<index, "true") { return .bool(true) }
            if matches(bytes, start..<index, "false") { return .bool(false) }
            return nil
        case UInt8(ascii: "{"):
            guard skip(bytes, at: &index, end: end, depth: 0) else { return nil }
            return .object(start..<index)
        default:
            return skip(bytes, at: &index, end: end, depth: 0) ? .other : nil
        }
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ":")
    }

    /// Moves past one value of any kind, checking only what is needed to find its end.
    private static func skip(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, end: Int, depth: Int) -> Bool {
        guard index < end, depth < maxDepth else { return false }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            index += 1
            while index < end {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                case UInt8(ascii: "\\"):
                    index += 2
                default:
                    index += 1
                }
            }
            return false
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            index += 1
            if index < end, bytes[index] == close {
                index += 1
                return true
            }
            while true {
                if isObject {
                    guard index < end, bytes[index] == UInt8(ascii: "\""), skip(bytes, at: &index, end: end, depth: depth + 1),
                          index < end, bytes[index] == UInt8(ascii: ":") else { return false }
                    index += 1
                }
                guard skip(bytes, at: &index, end: end, depth: depth + 1), index < end else { return false }
                if bytes[index] == close {
                    index += 1
                    return true
                }
                guard bytes[index] == UInt8(ascii: ",") else { return false }
                index += 1
            }
        default:
            // A number or a literal: runs to the next delimiter.
            let start = index
            while index < end, !isDelimiter(bytes[index]) { index += 1 }
            return index > start
        }
    }
}
