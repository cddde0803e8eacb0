import GongkaiMerkle

/// The durable end of the log: how many records, the RFC 6962 root over them, and the
/// `recorded` time of the last one (nil for an empty log).
public struct LedgerHead: Equatable, Sendable {
    public let size: UInt64
    public let root: MerkleHash
    public let recordedMillis: Int64?

    public init(size: UInt64, root: MerkleHash, recordedMillis: Int64?) {
        self.size = size
        self.root = root
        self.recordedMillis = recordedMillis
    }
}

/// What an append wrote: its seq, leaf hash, and the tree root at size == seq.
public struct AppendedRecord: Equatable, Sendable {
    public let seq: UInt64
    public let leaf: MerkleHash
    public let root: MerkleHash
}
