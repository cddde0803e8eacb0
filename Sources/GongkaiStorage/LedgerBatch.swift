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
    /// The batch's frame for the append log; nil while records are taken in from the log.
    private(set) var frame: AppendLogFrame.Builder?
    /// The ids of this batch's records, added to the store's id index once it commits.
    private(set) var newIds = IdSlots()

    /// Records durable before this batch began.
    public let committedSize: UInt64

    init(store: LedgerStore, txn: OpaquePointer, frontier: MerkleFrontier, head: LedgerHead, logging: Bool) {
        self.store = store
        self.frame = logging ? AppendLogFrame.Builder(firstSeq: head.size + 1) : nil
        self.txn = txn
        self.frontier = frontier
        self.lastRecordedMillis = head.recordedMillis
        self.committedSize = head.size
    }

    /// Room in the batch's frame for `records` more records of about `recordBytes` bytes in all.
    public mutating func reserveFrame(records: Int, recordBytes: Int) {
        frame?.reserve(records: records, recordBytes: recordBytes)
    }

    /// The frame of the batch's records, finished for the log; nil while records are taken in
    /// from the log. Asked once, at the end of the batch.
    mutating func finishFrame(commitMillis: Int64) -> [UInt8]? {
        frame?.finish(commitMillis: commitMillis)
    }

    /// Records in the log including this batch's appends so far.
    public var size: UInt64 { frontier.size }

    /// The `recorded` time of the newest record, so the writer never stamps an earlier one.
    public var latestRecordedMillis: Int64? { lastRecordedMillis }

    public func lookup(id: String) throws -> IdEntry? {
        try lookup(idKey: LedgerLayout.idKey(id))
    }

    /// Lookup by a key from `IdEntry.key(forId:)`, computed off the writer's thread.
    public func lookup(idKey: [UInt8]) throws -> IdEntry? {
        try lookup(idKey: idKey, slotKey: IdSlots.slotKey(ofIdKey: idKey))
    }

    /// An id key found free by `find`, in the batch as it stood then. Only `find` makes one,
    /// and `append(_:…)` takes it only while the batch has not grown since: nothing else
    /// files ids meanwhile (the writer is the one thread that appends), so it is still free,
    /// and the append need not look it up a second time.
    public struct FreeId {
        fileprivate let idKey: [UInt8]
        fileprivate let slotKey: UInt64
        fileprivate let size: UInt64
    }

    /// What an id key names in this batch: a record already there, or nothing yet.
    public enum IdLookup {
        case taken(IdEntry)
        case free(FreeId)
    }

    /// Lookup by a key from `IdEntry.key(forId:)`; a free id can then be appended without a
    /// second lookup (`append(_:eventDigest:record:leaf:recordedMillis:)`).
    public func find(idKey: [UInt8]) throws -> IdLookup {
        let slotKey = IdSlots.slotKey(ofIdKey: idKey)
        if let taken = try lookup(idKey: idKey, slotKey: slotKey) { return .taken(taken) }
        return .free(FreeId(idKey: idKey, slotKey: slotKey, size: size))
    }

    /// This batch's records first, then the committed ones.
    private func lookup(idKey: [UInt8], slotKey: UInt64) throws -> IdEntry? {
        try LedgerStore.idEntry(idKey: idKey, among: newIds.candidates(slotKey: slotKey) + store.idIndex.candidates(slotKey: slotKey),
                                txn: txn, digests: store.digests)
    }

    /// The leaf of an existing record (this batch's included).
    public func leaf(of seq: UInt64) throws -> MerkleHash {
        try TreeNodeSource(txn: txn, tree: store.tree).subtreeHash(SubtreeAddress(level: 0, index: seq - 1))
    }

    /// The event bytes of an existing record (this batch's included), as stored: canonical,
    /// with any unit name already turned into its id. Nil if the record does not have the
    /// pinned layout.
    public func storedEvent(of seq: UInt64) throws -> [UInt8]? {
        guard let record = try LMDBValues.get(txn, store.log, key: LedgerLayout.seqKey(seq)) else {
            throw StorageError("records", message: "record \(seq) is missing from the index")
        }
        let bytes = record.bindMemory(to: UInt8.self)
        return RecordFormat.scan(bytes).map { Array(bytes[$0.event]) }
    }

    /// The receipt a record got when its commit made it durable; nil for a record of this
    /// batch, whose receipt is the head this batch commits.
    public func receipt(forExisting seq: UInt64) throws -> RecordReceipt? {
        guard seq <= committedSize else { return nil }
        guard let size = try LedgerStore.commit(endingFrom: seq, txn: txn, commits: store.commits)?.lastSeq, size <= committedSize else {
            throw StorageError("commits", message: "no commit covers record \(seq)")
        }
        let source = TreeNodeSource(txn: txn, tree: store.tree)
        return RecordReceipt(seq: seq, leaf: try leaf(of: seq), size: size, root: try MerkleTreeReader(source: source).root(size: size))
    }

    /// Appends one record as seq `size + 1`.
    public mutating func append(id: String, eventDigest: [UInt8], record: [UInt8], recordedMillis: Int64) throws -> AppendedRecord {
        try append(idKey: LedgerLayout.idKey(id), eventDigest: eventDigest, record: record, recordedMillis: recordedMillis)
    }

    /// `leaf`, when given, is the record's leaf hash computed already (`RecordFormat.Prefix`).
    public mutating func append(idKey: [UInt8], eventDigest: [UInt8], record: [UInt8], leaf given: MerkleHash? = nil,
                                recordedMillis: Int64) throws -> AppendedRecord {
        precondition(idKey.count == 32, "id keys are SHA-256 digests")
        // The id first: a taken id fails before anything of the record is written.
        switch try find(idKey: idKey) {
        case .taken(let taken): throw StorageError("append", message: "the event id is already taken by record \(taken.seq)")
        case .free(let free): return try append(free, eventDigest: eventDigest, record: record, leaf: given, recordedMillis: recordedMillis)
        }
    }

    /// Appends one record as seq `size + 1` under an id `find` has just found free.
    public mutating func append(_ free: FreeId, eventDigest: [UInt8], record: [UInt8], leaf given: MerkleHash? = nil,
                                recordedMillis: Int64) throws -> AppendedRecord {
        let (idKey, slotKey) = (free.idKey, free.slotKey)
        precondition(free.size == frontier.size, "an id found free is appended before the batch grows")
        precondition(eventDigest.count == 32, "event digests are SHA-256 digests")
        assert(given == nil || given == record.withUnsafeBytes { RFC6962.leafHash($0) }, "a given leaf hash is the record's")
        let seq = frontier.size + 1
        // Recorded time never decreases (DESIGN.md section 2).
        precondition(recordedMillis >= (lastRecordedMillis ?? 0), "recorded time went backwards")
        precondition(!poisoned, "no append after a failed one in the same transaction")
        poisoned = true
        // Keys and hashes go to LMDB from the stack: this runs once per record on the writer.
        let (txn, digestsTable, logTable, tree) = (txn, store.digests, store.log, store.tree)
        try LedgerLayout.withSeqKey(seq) { key in
            try LedgerLayout.withDigestsValue(idKey: idKey, eventDigest: eventDigest) {
                try LMDBValues.put(txn, digestsTable, key: key, value: $0, flags: MDB_APPEND)
            }
            try record.withUnsafeBytes { try LMDBValues.put(txn, logTable, key: key, value: $0, flags: MDB_APPEND) }
        }
        let leaf = given ?? record.withUnsafeBytes { RFC6962.leafHash($0) }
        try frontier.append(leaf: leaf) { address, hash in
            try LedgerLayout.withTreeKey(address) { key in
                try hash.withUnsafeBytes { try LMDBValues.put(txn, tree, key: key, value: $0, flags: MDB_APPEND) }
            }
        }
        frame?.add(idKey: idKey, eventDigest: eventDigest, record: record)
        newIds.insert(slotKey: slotKey, seq: seq)
        store.env.notePut()
        poisoned = false
        precondition(frontier.size == seq, "seq has no gaps")
        lastRecordedMillis = recordedMillis
        return AppendedRecord(seq: seq, leaf: leaf)
    }
}
