import CLMDB
import GongkaiMerkle

/// The records of one group commit, written inside its write transaction. Lookups see the
/// batch's own earlier appends, so a repeated id within one batch is caught like any other.
public struct LedgerBatch {
    let store: LedgerStore
    let txn: OpaquePointer
    private(set) var frontier: MerkleFrontier
    private(set) var lastRecordedMillis: Int64?
    /// Set when an append failed half-way: the transaction must not be committed.
    private(set) var poisoned = false

    init(store: LedgerStore, txn: OpaquePointer, frontier: MerkleFrontier, head: LedgerHead) {
        self.store = store
        self.txn = txn
        self.frontier = frontier
        self.lastRecordedMillis = head.recordedMillis
    }

    /// Records in the log including this batch's appends so far.
    public var size: UInt64 { frontier.size }

    /// The `recorded` time of the newest record, so the writer never stamps an earlier one.
    public var latestRecordedMillis: Int64? { lastRecordedMillis }

    public func lookup(id: String) throws -> IdEntry? {
        try LMDBValues.get(txn, store.ids, key: LedgerLayout.idKey(id)).flatMap { IdEntry(bytes: $0) }
    }

    /// The leaf hash and the root at size `seq` of an existing record (for duplicate answers).
    public func answer(forExisting seq: UInt64) throws -> AppendedRecord {
        let source = TreeNodeSource(txn: txn, tree: store.tree)
        let leaf = try source.subtreeHash(SubtreeAddress(level: 0, index: seq - 1))
        let root = try MerkleTreeReader(source: source).root(size: seq)
        return AppendedRecord(seq: seq, leaf: leaf, root: root)
    }

    /// Appends one record as seq `size + 1`.
    public mutating func append(id: String, eventDigest: [UInt8], record: [UInt8], recordedMillis: Int64) throws -> AppendedRecord {
        let seq = frontier.size + 1
        // Recorded time never decreases (DESIGN.md section 2).
        precondition(recordedMillis >= (lastRecordedMillis ?? 0), "recorded time went backwards")
        precondition(!poisoned, "no append after a failed one in the same transaction")
        poisoned = true
        // The id first: a taken id fails before anything of the record is written.
        try LMDBValues.put(txn, store.ids, key: LedgerLayout.idKey(id),
                           value: IdEntry(seq: seq, eventDigest: eventDigest).bytes, flags: MDB_NOOVERWRITE)
        try LMDBValues.put(txn, store.log, key: LedgerLayout.seqKey(seq), value: record, flags: MDB_APPEND)
        let leaf = record.withUnsafeBytes { RFC6962.leafHash($0) }
        for (address, hash) in frontier.append(leaf: leaf) {
            try LMDBValues.put(txn, store.tree, key: LedgerLayout.treeKey(address), value: hash.bytes, flags: MDB_APPEND)
        }
        poisoned = false
        precondition(frontier.size == seq, "seq has no gaps")
        lastRecordedMillis = recordedMillis
        return AppendedRecord(seq: seq, leaf: leaf, root: frontier.root)
    }
}
