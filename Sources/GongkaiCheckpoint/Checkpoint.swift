import Foundation
import GongkaiMerkle

/// A C2SP tlog-checkpoint: the log's origin, its size and its RFC 6962 root. `body` is the
/// exact text that gets signed — `<origin>\n<size>\n<base64 root>\n` — and parsing accepts
/// only that text, so a body has one spelling and a signature covers one meaning.
public struct Checkpoint: Equatable, Sendable {
    public let origin: String
    public let size: UInt64
    public let root: MerkleHash

    public init(origin: String, size: UInt64, root: MerkleHash) throws {
        try Self.checkOrigin(origin)
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// Parses a checkpoint body: exactly three newline-terminated lines (no extension lines,
    /// no blank line, nothing after), a decimal size without leading zeros, and the root as
    /// canonical padded base64 of 32 bytes.
    public init(body: String) throws {
        // Scalars, not Characters: "\r\n" is one Character and would hide a line break.
        let scalars = body.unicodeScalars
        guard scalars.last == "\n" else { throw CheckpointError.malformedCheckpoint("the body must end with a newline") }
        guard !scalars.contains(where: { $0 != "\n" && SignedNote.isControl($0) }) else {
            throw CheckpointError.malformedCheckpoint("it contains a control character other than newline")
        }
        let lines = scalars.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map { String(Substring($0)) }
        guard lines.count == 3 else {
            throw CheckpointError.malformedCheckpoint("expected 3 lines (origin, size, root), found \(lines.count)")
        }
        let origin = lines[0]
        try Self.checkOrigin(origin)
        guard let size = Self.parseSize(lines[1]) else {
            throw CheckpointError.malformedCheckpoint("size \"\(lines[1].prefix(40))\" is not a decimal number without leading zeros")
        }
        guard let rootBytes = StrictBase64.decode(lines[2]), rootBytes.count == MerkleHash.byteCount else {
            throw CheckpointError.malformedCheckpoint("root \"\(lines[2].prefix(60))\" is not base64 of 32 bytes")
        }
        self.origin = origin
        self.size = size
        self.root = MerkleHash(bytes: rootBytes)
    }

    /// The signed text: `<origin>\n<size>\n<base64 root>\n`.
    public var body: String { "\(origin)\n\(size)\n\(root.base64)\n" }

    private static func checkOrigin(_ origin: String) throws {
        guard !origin.isEmpty else { throw CheckpointError.malformedCheckpoint("the origin is empty") }
        // A control character (a newline above all) would change the body's line structure.
        guard !origin.unicodeScalars.contains(where: SignedNote.isControl) else {
            throw CheckpointError.malformedCheckpoint("the origin contains a newline or control character")
        }
    }

    /// "0" or a non-zero digit followed by digits, fitting in 64 bits.
    private static func parseSize(_ text: String) -> UInt64? {
        let digits = text.utf8
        guard let first = digits.first, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        guard first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
        return UInt64(text)
    }
}

/// Standard padded base64 that has exactly one spelling: decoding must re-encode to the same
/// text, which rejects stray padding bits (Foundation's decoder ignores them) so that no
/// byte of a note can change without changing what it means.
enum StrictBase64 {
    static func decode(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, let data = Data(base64Encoded: text), data.base64EncodedString() == text else { return nil }
        return [UInt8](data)
    }

    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
