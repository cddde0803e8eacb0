/// Appending text to byte buffers on the hot paths (every append's record and answer).
/// `append(contentsOf: "…".utf8)` walks a String's UTF-8 view element by element; these copy
/// a literal in one piece and write numbers and hex digits in place, without making strings.
extension Array where Element == UInt8 {
    /// A literal's bytes, copied in one piece.
    @inlinable
    public mutating func append(literal: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// A string's UTF-8 bytes, copied in one piece.
    @inlinable
    public mutating func append(utf8 text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// `value` in decimal, as `String(value)` spells it.
    public mutating func append(decimal value: UInt64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
        let count = Swift.withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var rest = value
            var start = buffer.count
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
            return buffer.count - start
        }
        assert(count <= 20)
    }

    /// Each byte as two lowercase hex digits. (Reserving room is the caller's: reserving here
    /// at every call would copy a buffer that many calls fill again and again.)
    public mutating func append(lowercaseHexOf bytes: UnsafeRawBufferPointer) {
        let digits: StaticString = "0123456789abcdef"
        for byte in bytes {
            append(digits.utf8Start[Int(byte &>> 4)])
            append(digits.utf8Start[Int(byte & 0x0F)])
        }
    }
}
