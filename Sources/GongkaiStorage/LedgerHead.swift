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

/// What an append wrote: its seq and leaf hash.
public struct AppendedRecord: Equatable, Sendable {
    public let seq: UInt64
    public let leaf: MerkleHash
}

/// Proof of durability handed to the writer of a record: its seq and leaf, and the head of the
/// commit that made it durable (`size` ≥ seq). The same record always gets the same receipt.
public struct RecordReceipt: Equatable, Sendable {
    public let seq: UInt64
    public let leaf: MerkleHash
    public let size: UInt64
    public let root: MerkleHash

    public init(seq: UInt64, leaf: MerkleHash, size: UInt64, root: MerkleHash) {
        precondition(seq >= 1 && seq <= size, "a receipt names a head that contains the record")
        self.seq = seq
        self.leaf = leaf
        self.size = size
        self.root = root
    }
}
