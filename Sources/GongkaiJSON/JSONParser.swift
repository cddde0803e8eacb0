/// A strict RFC 8259 parser that also enforces what canonical form needs: valid UTF-8,
/// no duplicate object keys, no lone surrogates, finite numbers, and a nesting limit so
/// hostile input cannot exhaust the stack.
public struct JSONParser {
    /// Deepest nesting of arrays and objects accepted.
    public static let maxNestingDepth = 64

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parse($0) }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse($0) }
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        try parseNotingCanonical(buffer).value
    }

    /// Parses `bytes` and says whether they already are the value's RFC 8785 form, so that
    /// an append can store the bytes it was sent instead of encoding them again.
    /// `isCanonical` is true only when `CanonicalJSON.encode(value)` would return exactly
    /// `bytes`. It is conservative: text with an escape or a non-ASCII key is reported as not
    /// canonical even when it is, and the caller encodes it (the fuzzers check both).
    public static func parseNotingCanonical(_ bytes: [UInt8]) throws -> (value: JSONValue, isCanonical: Bool) {
        try bytes.withUnsafeBufferPointer { try parseNotingCanonical($0) }
    }

    public static func parseNotingCanonical(_ buffer: UnsafeBufferPointer<UInt8>) throws -> (value: JSONValue, isCanonical: Bool) {
        var parser = JSONParser(buffer: buffer)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == buffer.count else {
            throw JSONParseError("unexpected text after the JSON value", at: parser.position)
        }
        return (value, parser.canonical)
    }

    private let buffer: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Nothing read so far differs from RFC 8785's form: no whitespace, no escape, keys in
    /// ascending ASCII order, numbers as ECMAScript prints them.
    private var canonical = true

    private init(buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    private var current: UInt8? { position < buffer.count ? buffer[position] : nil }

    private mutating func skipWhitespace() {
        let start = position
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
        if position != start { canonical = false }
    }

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard let byte = current else { throw JSONParseError("unexpected end of input", at: position) }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw JSONParseError("unexpected character", at: position)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard position + count <= buffer.count else { throw JSONParseError("invalid literal", at: position) }
        for offset in 0..<count where buffer[position + offset] != literal.utf8Start[offset] {
            throw JSONParseError("invalid literal", at: position)
        }
        position += count
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= Self.maxNestingDepth else { throw JSONParseError("nesting deeper than \(Self.maxNestingDepth)", at: position) }
        position += 1
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object([:]) }
        // Room for a typical event's members up front: growing 1 → 2 → 4 → 8 rehashed them.
        var members = [String: JSONValue](minimumCapacity: 8)
        var previousKey: Range<Int>? = nil
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw JSONParseError("expected a string key", at: position) }
            let keyOffset = position
            let key = try parseString()
            if canonical {
                // No escape was met, so the key's bytes are its text.
                let keyBytes = keyOffset + 1..<position - 1
                noteCanonicalOrder(of: keyBytes, after: previousKey)
                previousKey = keyBytes
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw JSONParseError("expected ':'", at: position) }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            // One hash per member; a key already there keeps its first spelling (updateValue
            // replaces only the value), which names it in the refusal.
            if members.updateValue(value, forKey: key) != nil {
                // Swift compares strings by canonical equivalence, so "é" and "e\u0301" collide
                // here: such keys are refused rather than silently merged.
                let stored = members[members.index(forKey: key)!].key
                if Array(stored.utf8) == Array(key.utf8) {
                    throw JSONParseError("duplicate key \"\(key)\"", at: keyOffset)
                }
                throw JSONParseError("keys \"\(stored)\" and \"\(key)\" differ only in Unicode normalisation; refused", at: keyOffset)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            default: throw JSONParseError("expected ',' or '}'", at: position)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= Self.maxNestingDepth else { throw JSONParseError("nesting deeper than \(Self.maxNestingDepth)", at: position) }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(items)
            default: throw JSONParseError("expected ',' or ']'", at: position)
            }
        }
    }

    private mutating func parseString() throws -> String {
        let start = position
        position += 1
        var runStart = position
        var scalars: [UInt8] = []
        var sawEscape = false
        while true {
            guard let byte = current else { throw JSONParseError("unterminated string", at: start) }
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: buffer[runStart..<position])
                position += 1
                if !sawEscape { return try validatedString(run, at: runStart) }
                scalars.append(contentsOf: run)
                return try scalars.withUnsafeBufferPointer { try validatedString($0, at: runStart) }
            }
            if byte < 0x20 { throw JSONParseError("control character in string", at: position) }
            if byte == UInt8(ascii: "\\") {
                sawEscape = true
                canonical = false
                scalars.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<position]))
                try parseEscape(into: &scalars)
                runStart = position
            } else {
                position += 1
            }
        }
    }

    private func validatedString(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) throws -> String {
        guard let text = UTF8Text.string(validating: bytes) else {
            throw JSONParseError("string is not valid UTF-8", at: offset)
        }
        return text
    }

    private mutating func parseEscape(into output: inout [UInt8]) throws {
        let escapeOffset = position
        position += 1
        guard let byte = current else { throw JSONParseError("unterminated escape", at: escapeOffset) }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): output.append(0x22)
        case UInt8(ascii: "\\"): output.append(0x5C)
        case UInt8(ascii: "/"): output.append(0x2F)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard current == UInt8(ascii: "\\"), position + 1 < buffer.count,
                      buffer[position + 1] == UInt8(ascii: "u") else {
                    throw JSONParseError("lone surrogate in string", at: escapeOffset)
                }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw JSONParseError("lone surrogate in string", at: escapeOffset) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw JSONParseError("lone surrogate in string", at: escapeOffset)
            }
            output.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw JSONParseError("invalid escape", at: escapeOffset)
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard position + 4 <= buffer.count else { throw JSONParseError("short \\u escape", at: position) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONParseError("invalid hex digit in \\u escape", at: position)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    private mutating func parseNumber() throws -> Double {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw JSONParseError("invalid number", at: start) }
        position += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            position += 1
            guard let digit = current, isDigit(digit) else { throw JSONParseError("invalid number", at: start) }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let digit = current, isDigit(digit) else { throw JSONParseError("invalid number", at: start) }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            throw JSONParseError("number out of range", at: start)
        }
        if canonical && !isPlainInteger(start..<position) && ECMAScriptNumber.format(number) != text {
            canonical = false
        }
        return number
    }

    /// Digits only, not "-0", at most 15 of them: exact in a double and printed by ECMAScript
    /// as the same digits, so the text is canonical without formatting the number.
    private func isPlainInteger(_ range: Range<Int>) -> Bool {
        let digits = buffer[range.lowerBound] == UInt8(ascii: "-") ? range.lowerBound + 1..<range.upperBound : range
        guard digits.count <= 15, buffer[digits].allSatisfy(isDigit) else { return false }
        return !(digits.count == 1 && buffer[digits.lowerBound] == UInt8(ascii: "0") && digits != range)
    }

    /// RFC 8785 sorts keys by UTF-16 code units; for ASCII keys that is byte order. A
    /// non-ASCII key is left to the encoder rather than compared in UTF-16 here.
    private mutating func noteCanonicalOrder(of key: Range<Int>, after previous: Range<Int>?) {
        guard buffer[key].allSatisfy({ $0 < 0x80 }) else { canonical = false; return }
        if let previous, !buffer[previous].lexicographicallyPrecedes(buffer[key]) { canonical = false }
    }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
