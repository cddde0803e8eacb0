import Foundation

/// A SHA-256 hash in the tree (32 bytes).
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    /// Length of every hash in the tree.
    public static let byteCount = 32

    /// The digest; always exactly `byteCount` bytes.
    public var bytes: [UInt8] {
        didSet { precondition(bytes.count == Self.byteCount, "a MerkleHash is 32 bytes, got \(bytes.count)") }
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a MerkleHash is 32 bytes, got \(bytes.count)")
        self.bytes = bytes
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?(hex: String) {
        let digits = Array(hex.utf8)
        guard digits.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[i]), let low = Self.nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    /// Lowercase hex, 64 characters.
    public var hex: String {
        var text: [UInt8] = []
        text.reserveCapacity(2 * Self.byteCount)
        for byte in bytes {
            text.append(Self.hexDigits[Int(byte >> 4)])
            text.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses standard padded base64 of exactly 32 bytes; nil for anything else.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64), data.count == Self.byteCount else { return nil }
        self.init(bytes: Array(data))
    }

    /// Standard padded base64, as the reference vectors and the wire protocol use.
    public var base64: String { Data(bytes).base64EncodedString() }

    public var description: String { hex }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
