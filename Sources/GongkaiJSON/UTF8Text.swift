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

    /// Whether `bytes` are UTF-8; ASCII is checked without making a string.
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 < 0x80 } || string(validating: bytes) != nil
    }
}
