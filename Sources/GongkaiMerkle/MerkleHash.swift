import Foundation

/// A SHA-256 hash in the tree (32 bytes), stored inline: no heap allocation to create, copy,
/// compare or hash one.
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    /// Length of every hash in the tree.
    public static let byteCount = 32

    /// The 32 bytes in memory order (each word is a raw load, so its numeric value depends on the
    /// platform's byte order; only the memory image means anything).
    @usableFromInline
    internal var words: (UInt64, UInt64, UInt64, UInt64)

    @inlinable
    internal init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a MerkleHash is 32 bytes, got \(bytes.count)")
        self = bytes.withUnsafeBytes { MerkleHash(unchecked: $0) }
    }

    /// Copies exactly `byteCount` bytes, e.g. straight out of a database value or a digest.
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == Self.byteCount, "a MerkleHash is 32 bytes, got \(bytes.count)")
        self.init(unchecked: bytes)
    }

    /// Loads the first 32 bytes of `raw` (the caller has checked there are 32).
    @inlinable
    internal init(unchecked raw: UnsafeRawBufferPointer) {
        let base = raw.baseAddress.unsafelyUnwrapped
        words = (
            base.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            base.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            base.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            base.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
        )
    }

    /// The digest as a new array of exactly `byteCount` bytes. Allocates on every read; hot paths
    /// should use `withUnsafeBytes(_:)`. Assigning it (or mutating it in place) replaces the hash.
    public var bytes: [UInt8] {
        get {
            [UInt8](unsafeUninitializedCapacity: Self.byteCount) { buffer, initialized in
                withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
                initialized = Self.byteCount
            }
        }
        set {
            precondition(newValue.count == Self.byteCount, "a MerkleHash is 32 bytes, got \(newValue.count)")
            self = newValue.withUnsafeBytes { MerkleHash(unchecked: $0) }
        }
    }

    /// Calls `body` with the 32 bytes, without copying them to the heap.
    @inlinable
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    @inlinable
    public static func == (lhs: MerkleHash, rhs: MerkleHash) -> Bool {
        // Non-short-circuiting: four compares and no branches.
        (lhs.words.0 ^ rhs.words.0) | (lhs.words.1 ^ rhs.words.1)
            | (lhs.words.2 ^ rhs.words.2) | (lhs.words.3 ^ rhs.words.3) == 0
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// Parses 64 hex digits (either case); nil for anything else.
    public init?(hex: String) {
        var hex = hex
        guard let hash = hex.withUTF8({ Self.parseHex($0) }) else { return nil }
        self = hash
    }

    /// Lowercase hex, 64 characters (one allocation: the string's).
    public var hex: String {
        String(unsafeUninitializedCapacity: 2 * Self.byteCount) { text in
            Self.hexDigits.withUTF8Buffer { digits in
                withUnsafeBytes { bytes in
                    for i in 0..<Self.byteCount {
                        let byte = bytes[i]
                        text[2 &* i] = digits[Int(byte &>> 4)]
                        text[2 &* i &+ 1] = digits[Int(byte & 0x0f)]
                    }
                }
            }
            return 2 * Self.byteCount
        }
    }

    /// Parses standard padded base64 of exactly 32 bytes; nil for anything else.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64), data.count == Self.byteCount else { return nil }
        self = data.withUnsafeBytes { MerkleHash(unchecked: $0) }
    }

    /// Standard padded base64, as the reference vectors and the wire protocol use.
    public var base64: String { withUnsafeBytes { Data($0) }.base64EncodedString() }

    public var description: String { hex }

    private static let hexDigits: StaticString = "0123456789abcdef"

    private static func parseHex(_ digits: UnsafeBufferPointer<UInt8>) -> MerkleHash? {
        guard digits.count == 2 * byteCount else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let valid = Swift.withUnsafeMutableBytes(of: &words) { bytes in
            for i in 0..<byteCount {
                guard let high = nibble(digits[2 &* i]), let low = nibble(digits[2 &* i &+ 1]) else { return false }
                bytes[i] = high &<< 4 | low
            }
            return true
        }
        return valid ? MerkleHash(words: words) : nil
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}
