import CLMDB
import Glibc
import GongkaiMerkle

/// The append-only ledger on LMDB: records by seq, the id index and the Merkle nodes, all
/// changed together in one transaction per batch. Reads may come from any thread; appends
/// only from the single writer thread, which owns the in-memory frontier.
public final class LedgerStore: @unchecked Sendable {
    /// Default initial map; it grows by itself when full.
    public static let defaultInitialMapBytes = 1 << 30

    let env: LMDBEnvironment
    let meta: MDB_dbi
    let log: MDB_dbi
    let ids: MDB_dbi
    let tree: MDB_dbi
    let commits: MDB_dbi

    /// Reader slots of dead processes cleared at open.
    public let staleReadersCleared: Int
    /// The head as of the last commit; read and written only by the writer after open.
    public private(set) var head: LedgerHead
    private var frontier: MerkleFrontier

    /// Opens or creates the ledger in `directory` (which must exist).
    public init(directory: String, initialMapBytes: Int = LedgerStore.defaultInitialMapBytes) throws {
        env = try LMDBEnvironment(path: directory, initialMapBytes: initialMapBytes)
        staleReadersCleared = try env.clearStaleReaders()
        let environment = env
        (meta, log, ids, tree, commits) = try env.write { txn in
            let meta = try environment.openDatabase(LedgerLayout.metaDatabase, txn: txn)
            let log = try environment.openDatabase(LedgerLayout.logDatabase, txn: txn)
            let ids = try environment.openDatabase(LedgerLayout.idsDatabase, txn: txn)
            let tree = try environment.openDatabase(LedgerLayout.treeDatabase, txn: txn)
            let commits = try environment.openDatabase(LedgerLayout.commitsDatabase, txn: txn)
            try Self.checkFormat(txn: txn, meta: meta, log: log, directory: directory)
            return (meta, log, ids, tree, commits)
        }
        let (log, tree) = (log, tree)
        (frontier, head) = try env.read { txn in
            guard let lastKey = try LMDBValues.lastKey(txn, log) else {
                return (MerkleFrontier(), LedgerHead(size: 0, root: RFC6962.emptyRoot, recordedMillis: nil))
            }
            let size = lastKey.withUnsafeBytes { LedgerLayout.seq(fromKey: $0) }
            let frontier = try MerkleFrontier(size: size, source: TreeNodeSource(txn: txn, tree: tree))
            guard let bytes = try LMDBValues.get(txn, log, key: lastKey) else {
                throw StorageError("open", message: "last record \(size) vanished")
            }
            let last = try RecordFormat.decode(Array(bytes))
            guard last.seq == size else {
                throw StorageError("open", message: "record stored under seq \(size) says seq \(last.seq)")
            }
            return (frontier, LedgerHead(size: size, root: frontier.root, recordedMillis: last.recordedMillis))
        }
        precondition(frontier.size == head.size, "the tree covers exactly the log")
    }

    /// A ledger of a format this code does not know is refused, never guessed at.
    private static func checkFormat(txn: OpaquePointer, meta: MDB_dbi, log: MDB_dbi, directory: String) throws {
        if let stored = try LMDBValues.get(txn, meta, key: LedgerLayout.formatKey) {
            let format = String(decoding: stored, as: UTF8.self)
            guard format == LedgerLayout.formatVersion else {
                throw StorageError("open \(directory)", message:
                    "the ledger has storage format \"\(format)\"; this gongkaid reads only \"\(LedgerLayout.formatVersion)\"; " +
                    "run a gongkaid that knows that format, or restore a backup")
            }
            return
        }
        guard try LMDBValues.lastKey(txn, log) == nil else {
            throw StorageError("open \(directory)", message: "the ledger holds records but no storage format version; refusing to guess")
        }
        try LMDBValues.put(txn, meta, key: LedgerLayout.formatKey, value: Array(LedgerLayout.formatVersion.utf8))
    }

    // MARK: Reads (any thread)

    /// The stored bytes of record `seq`, or nil past the end.
    public func record(_ seq: UInt64) throws -> [UInt8]? {
        try env.read { txn in
            try LMDBValues.get(txn, log, key: LedgerLayout.seqKey(seq)).map { Array($0) }
        }
    }

    /// Calls `body` with up to `limit` records from `from` on, in seq order, inside one read
    /// transaction, stopping early after a record for which `body` returns false; returns the
    /// seq after the last one given. The bytes are valid only during the call.
    @discardableResult
    public func forEachRecord(from: UInt64, limit: Int, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws -> UInt64 {
        precondition(from >= 1 && limit >= 0)
        var next = from
        guard limit > 0 else { return next }
        try env.read { txn in
            try LMDBValues.scan(txn, log, from: LedgerLayout.seqKey(from)) { key, value in
                let seq = LedgerLayout.seq(fromKey: key)
                // Seq has no gaps: the cursor must land on exactly the next seq.
                precondition(seq == next, "log gap: expected seq \(next), found \(seq)")
                let wantsMore = try body(seq, value)
                next += 1
                return wantsMore && next - from < UInt64(limit)
            }
        }
        return next
    }

    /// The id index entry for `id`, if an event with that id was committed.
    public func lookup(id: String) throws -> IdEntry? {
        try env.read { txn in
            try LMDBValues.get(txn, ids, key: LedgerLayout.idKey(id)).flatMap { IdEntry(bytes: $0) }
        }
    }

    /// Bytes of the data file and of the current map.
    public var storageBytes: (file: Int, map: Int) {
        (LMDBEnvironment.fileSize(pathOfData), env.mapSizeBytes)
    }

    private var pathOfData: String {
        var path: UnsafePointer<CChar>?
        mdb_env_get_path(env.handle, &path)
        return String(cString: path!) + "/data.mdb"
    }

    /// Drops the ledger's pages from this process's resident memory after a pass over all of
    /// it; they stay in the page cache (see `LMDBEnvironment.releaseResidentPages`).
    public func releaseResidentPages() { env.releaseResidentPages() }

    // MARK: Appends (the writer thread only)

    /// Runs `body` with a batch over one write transaction, commits it with one fsync, and
    /// returns the new head. On any error nothing of the batch is kept. After a full map the
    /// batch runs again from the start on a grown map, so `body` must keep its results
    /// inside what it returns.
    public func appendBatch<T>(_ body: (inout LedgerBatch) throws -> T) throws -> (T, LedgerHead) {
        let (result, batch) = try env.write { txn -> (T, LedgerBatch) in
            var batch = LedgerBatch(store: self, txn: txn, frontier: frontier, head: head)
            let result = try body(&batch)
            // A half-written append (its error caught by `body`) must never be committed.
            guard !batch.poisoned else { throw StorageError("append", message: "an append failed inside the batch") }
            if batch.size > batch.committedSize {
                let millis = UInt64(bitPattern: batch.latestRecordedMillis ?? 0)
                try LMDBValues.put(txn, commits, key: LedgerLayout.seqKey(batch.size), value: LedgerLayout.seqKey(millis), flags: MDB_APPEND)
            }
            return (result, batch)
        }
        frontier = batch.frontier
        head = LedgerHead(size: frontier.size, root: frontier.root, recordedMillis: batch.lastRecordedMillis)
        return (result, head)
    }
}

/// Stored perfect subtrees read inside one transaction.
struct TreeNodeSource: SubtreeHashSource {
    let txn: OpaquePointer
    let tree: MDB_dbi

    func subtreeHash(_ address: SubtreeAddress) throws -> MerkleHash {
        guard let bytes = try LMDBValues.get(txn, tree, key: LedgerLayout.treeKey(address)), bytes.count == 32 else {
            throw StorageError("tree", message: "missing node level \(address.level) index \(address.index)")
        }
        return MerkleHash(bytes: Array(bytes))
    }
}
