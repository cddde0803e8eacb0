import Glibc

/// UTF-8 checked on the hot paths (every request line, every JSON string). The standard
/// library's `String(validating:as:)` runs an unspecialised generic path that looks up
/// runtime metadata on each call: 6% of the daemon's CPU at 32×64 went there. Decoding is
/// specialised and fast, and it repairs invalid UTF-8 (each ill-formed part becomes
/// U+FFFD, whose bytes are themselves well-formed), so the bytes are UTF-8 exactly when
/// decoding left them unchanged.
public enum UTF8Text {
    /// The text of `bytes`, or nil if they are not UTF-8.
    public static func string(validating bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var text = String(decoding: bytes, as: UTF8.self)
        // Native strings are contiguous; compared with memcmp (`elementsEqual` went byte by byte).
        let unchanged = text.withUTF8 { decoded in
            decoded.count == bytes.count && (bytes.isEmpty || memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        return unchanged ? text : nil
    }

    /// Whether two strings are the same bytes. String's `==` also equates canonically
    /// equivalent spellings; `utf8.elementsEqual` compares a byte at a time (about half a per
    /// cent of the writer's work, once per append).
    public static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == y.count && (x.isEmpty || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0) }
        }
    }

    /// Whether `bytes` are UTF-8 (Unicode's table 3-7 of well-formed byte sequences: no
    /// overlong forms, no surrogates, nothing past U+10FFFF), without making a string: every
    /// request line is checked, and most APPEND lines carry Chinese text.
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // ASCII eight bytes at a time.
            while index + 8 <= count,
                  UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                index += 8
            }
            guard index < count else { return true }
            let lead = base[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // The continuation bytes a lead byte needs, and the range its first one must lie in.
            let continuations: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: continuations = 1
            case 0xE0: continuations = 2; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: continuations = 2
            case 0xED: continuations = 2; high = 0x9F
            case 0xF0: continuations = 3; low = 0x90
            case 0xF1...0xF3: continuations = 3
            case 0xF4: continuations = 3; high = 0x8F
            default: return false
            }
            guard index + continuations < count, (low...high).contains(base[index + 1]) else { return false }
            for offset in stride(from: 2, through: continuations, by: 1) where base[index + offset] & 0xC0 != 0x80 {
                return false
            }
            index += 1 + continuations
        }
        return true
    }
}
