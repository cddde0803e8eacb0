import CLMDB
import Foundation
import Glibc
import GongkaiMerkle

/// The append-only ledger: the append log (`AppendLog`) is its source of truth, one frame
/// per group commit, each fdatasynced before anything of it is told; LMDB indexes it: records by seq, their id keys and
/// event digests by seq, and the Merkle nodes, all changed together in one transaction per
/// frame. The id index proper lives in memory (`IdIndex`), rebuilt from the digests at open.
/// Reads may come from any thread; appends only from the single writer thread, which owns
/// the in-memory frontier.
public final class LedgerStore: @unchecked Sendable {
    /// Growth of file-backed RSS since the open at which LMDB's mapped pages are let go while
    /// records are written or verified (`LMDBEnvironment.residentFileBudgetBytes` explains why).
    public static let defaultResidentFileBudgetBytes = LMDBEnvironment.defaultResidentFileBudgetBytes

    /// Default initial map; it grows by itself when full.
    public static let defaultInitialMapBytes = 1 << 30
    /// Records per transaction when LMDB takes in frames from the log at open: bounds the
    /// dirty pages a transaction holds in memory until it commits (mapped pages are let go
    /// whenever file-backed RSS grows past `residentFileBudgetBytes`). With the id index on
    /// disk a 1M rebuild peaked at 286 MB RSS with 4,096 and 330 MB with 16,384, READY after
    /// 17.6 s and 16.8 s; in memory, 207 MB and 5.8 s with 4,096.
    static let maxReplayTransactionRecords = 4_096

    let env: LMDBEnvironment
    let meta: MDB_dbi
    let log: MDB_dbi
    let digests: MDB_dbi
    let idIndex: IdIndex
    let tree: MDB_dbi
    let commits: MDB_dbi
    let appendLog: AppendLog
    let directory: String

    /// Reader slots of dead processes cleared at open.
    public let staleReadersCleared: Int
    /// What opening had to do to bring LMDB in line with the append log.
    public let recovery: LedgerRecovery
    /// Called about once a second while an append waits to grow the map until a BACKUP copy
    /// has finished (the writer is waiting, not stuck). Set before the writer starts.
    public var whileWaitingToGrowMap: (() -> Void)? {
        get { env.whileWaitingToGrow }
        set { env.whileWaitingToGrow = newValue }
    }

    /// The head as of the last commit; read and written only by the writer after open.
    public internal(set) var head: LedgerHead
    var frontier: MerkleFrontier
    private var closed = false
    /// This boot, for the index marker.
    private let boot: String?
    /// Whether this open has written `openInBoot`, which must happen before LMDB's first
    /// commit without fsync. Normally at open; on a full disk (no room to create the marker)
    /// before the first append, which until then is answered `ERR storage`.
    private var markedOpenInBoot = false

    /// Opens or creates the ledger in `directory` (which must exist). `boot` names this boot
    /// of the machine (`IndexMarker.currentBoot()`); an index left open in another boot is
    /// rebuilt from the append log. `progress` hears (records in the index, records in the
    /// log) after each transaction that takes in frames, for a long rebuild to report.
    public init(directory: String, initialMapBytes: Int = LedgerStore.defaultInitialMapBytes,
                boot: String? = IndexMarker.currentBoot(), progress: ((UInt64, UInt64) -> Void)? = nil,
                residentFileBudgetBytes: Int = LedgerStore.defaultResidentFileBudgetBytes) throws {
        self.directory = directory
        self.boot = boot
        // Decided from what is there before anything changes (RecoveryPlan.swift); what
        // follows carries the plan out, in the order the rules need.
        let plan = try RecoveryPlan(try LedgerDirectoryFacts.read(directory: directory, boot: boot))
        let facts = plan.facts
        // Where the index this start may replace stands, for a refusal to put it back.
        var aside = IndexAside.untouched
        do {
            // The log is opened before LMDB is touched: a log that cannot be read stops here.
            let existingLog = plan.opensLog ? try AppendLog(directory: directory) : nil
            if let count = plan.uncleanStopsToRecord { UncleanStops(directory: directory).record(count) } else {
                UncleanStops(directory: directory).clear()
            }
            aside = plan.asideAtStart
            if let existingLog, let why = plan.refusalOfTail(discardedBytes: existingLog.discardedTailBytes,
                                                             looksCutOff: existingLog.tailLooksCutOff,
                                                             endOffset: existingLog.endOffset, aside: aside) {
                throw AppendLogError.damaged(why)
            }
            // Said before anything is moved, so no later start takes the old index or a new,
            // empty one for whole; `rebuilding` once the new index is flagged as unfinished.
            if plan.rebuildsIndex { try IndexMarker.rebuildStarting.write(directory: directory) }
            if plan.setsIndexAside {
                let keptNow = try Self.setAside(facts.indexPath, as: facts.asidePath, directory: directory, log: existingLog)
                aside.kept = aside.kept || keptNow
                aside.replaced = true
            }
            // Best effort: on a full disk the marker cannot be written, and the open goes on.
            let checkingMarked = plan.readsTrustedIndexUnderCheck && (try? IndexMarker.checking.write(directory: directory)) != nil

            env = try LMDBEnvironment(path: directory, initialMapBytes: initialMapBytes, residentFileBudgetBytes: residentFileBudgetBytes)
            staleReadersCleared = try env.clearStaleReaders()
            let environment = env
            // Flushed in order: this transaction may move the ledger to a new format.
            (meta, log, digests, tree, commits) = try env.writeDurably { txn in
                let meta = try environment.openDatabase(LedgerLayout.metaDatabase, txn: txn)
                let log = try environment.openDatabase(LedgerLayout.logDatabase, txn: txn)
                let digests = try environment.openDatabase(LedgerLayout.digestsDatabase, txn: txn)
                let tree = try environment.openDatabase(LedgerLayout.treeDatabase, txn: txn)
                let commits = try environment.openDatabase(LedgerLayout.commitsDatabase, txn: txn)
                try Self.checkFormat(txn: txn, env: environment, meta: meta, log: log, digests: digests, directory: directory)
                if plan.rebuildsIndex { try LMDBValues.put(txn, meta, key: LedgerLayout.rebuildUnfinishedKey, value: [1]) }
                return (meta, log, digests, tree, commits)
            }
            // Flushed at every open (nearly free when clean): a new index's first transaction
            // is then as durable as the ledger, and a write-back error of the last run stops
            // the open instead of going unseen. Linux reports such an error to one fsync
            // only, so the marker must then distrust the index for every later open.
            do {
                try env.sync()
            } catch {
                _ = Self.markIndexForRebuild(directory: directory)
                throw error
            }
            do {
                (frontier, head) = try Self.readHead(env: env, log: log, tree: tree)
                idIndex = IdIndex(slots: try Self.readIdSlots(env: env, digests: digests, size: head.size))
            } catch where plan.indexTrusted && existingLog != nil {
                throw try Self.refusalOfDamagedIndex(error, log: existingLog!, env: env,
                                                     databases: [log, digests, commits], directory: directory)
            }
            if let existingLog {
                try Self.checkLog(existingLog, covers: head, env: env, log: log)
                // Only now: had the index held records of the torn frame, the check refused.
                try existingLog.cutTornTail()
                appendLog = existingLog
                var found = LedgerRecovery(rebuildReason: plan.rebuildReason(logLastSeq: existingLog.lastSeq, indexRecords: head.size),
                                           logWritten: false, discardedTailBytes: existingLog.discardedTailBytes)
                found.stoppedUncleanly = plan.indexTrusted && plan.stoppedUncleanly
                recovery = found
            } else {
                let total = head.size
                let (environment, metaTable) = (env, meta)
                let unfinished = try environment.read { txn in try LMDBValues.get(txn, metaTable, key: LedgerLayout.rebuildUnfinishedKey) != nil }
                if let why = plan.refusalOfIndexWithoutLog(records: total, unfinished: unfinished) {
                    throw StorageError("open \(directory)", message: why)
                }
                appendLog = try AppendLogMigration.write(directory: directory, env: env, log: log, digests: digests, idIndex: idIndex,
                                                         commits: commits,
                                                         progress: progress.map { report in { report($0, total) } })
                recovery = LedgerRecovery(rebuildReason: nil, logWritten: true, logLost: facts.marker != nil, discardedTailBytes: 0)
            }
            // Nothing is served, appended to or signed over a root its stored peaks do not give
            // (StoredPeaksCheck.swift). Checked once the log agrees with the index at its head
            // (or was written from the index's records, which the tree does not enter), and
            // before the log's tail is taken in on top of the peaks: a damaged peak is then
            // damage like any other of a trusted index.
            do {
                try Self.checkStoredPeaks(env: env, tree: tree, log: log, size: head.size)
            } catch where plan.indexTrusted {
                throw try Self.refusalOfDamagedIndex(error, log: appendLog, env: env,
                                                     databases: [log, digests, commits], directory: directory)
            }
            // The index was read whole: back to the marker the check stood in for.
            if checkingMarked, let marker = facts.marker { try? marker.write(directory: directory) }
            let whileTakingIn = plan.markerWhileTakingIn(logLastSeq: appendLog.lastSeq, indexRecords: head.size)
            switch whileTakingIn {
            case .rebuilding: try IndexMarker.rebuilding(boot ?? "unknown").write(directory: directory)
            case .openInBoot: try markOpenInBoot()
            case .openInBootWhenThereIsRoom: try? markOpenInBoot()
            }
            // From now on, appends refused for a broken log mark the index for a rebuild at
            // once: a daemon killed before `close` must not trust it at its next start.
            appendLog.onBroken = { [directory] in Self.markIndexForRebuild(directory: directory) }
            try takeInLogTail(progress: progress)
            // Done: the index is whole, and open in this boot (on a full disk the first append
            // tries the marker again).
            if try env.read({ txn in try LMDBValues.get(txn, meta, key: LedgerLayout.rebuildUnfinishedKey) != nil }) {
                // Best effort: an index left flagged is only refused a log written from it.
                _ = try? env.write { txn in try LMDBValues.delete(txn, meta, key: LedgerLayout.rebuildUnfinishedKey) }
            }
            if whileTakingIn == .rebuilding { try? markOpenInBoot() }
        } catch let error as LedgerMismatch {
            if aside.putsBackOnRefusal { Self.putBack(facts.asidePath, as: facts.indexPath, directory: directory) }
            Self.refuse(error.message + "; " + error.remedy, directory: directory)
            throw StorageError("open \(directory)", message: error.message + "; " + error.remedy)
        } catch AppendLogError.damaged(let why) {
            if aside.putsBackOnRefusal { Self.putBack(facts.asidePath, as: facts.indexPath, directory: directory) }
            Self.refuse("append log damaged: " + why, directory: directory)
            throw StorageError("open \(directory)", message: "append log damaged: \(why); restore a backup (README: Damage, for a way without losing records when the LMDB index is whole)")
        }
        precondition(frontier.size == head.size && head.size == appendLog.lastSeq, "the tree and the index cover exactly the log")
        guard unlink(facts.asidePath) == 0 || errno == ENOENT else {
            throw StorageError("remove \(facts.asidePath)", message: FileSync.lastError())
        }
    }

    /// Writes the `openInBoot` marker once per open, before LMDB's first commit without
    /// fsync: until then the index on disk is what the existing marker says it is.
    func markOpenInBoot() throws {
        guard !markedOpenInBoot else { return }
        try IndexMarker.openInBoot(boot ?? "unknown").write(directory: directory)
        markedOpenInBoot = true
    }

    /// A trusted index that cannot be read (its last record or tree nodes damaged, a stored
    /// Merkle peak that is not the hash of its children, its id keys short) is rebuilt from the append log at the next start when the log reaches at
    /// least as far as anything the index holds: LMDB keeps no checksums, the log does. Else
    /// the log lacks records the index holds, or how far the index goes cannot be read: the
    /// ledger is refused for good (a `LedgerMismatch`), so that no later start, in another
    /// boot, rebuilds the index from the shorter log and deletes it. Returns what to throw.
    private static func refusalOfDamagedIndex(_ error: Error, log appendLog: AppendLog, env: LMDBEnvironment,
                                              databases: [MDB_dbi], directory: String) throws -> Error {
        // The furthest seq any of the tables keyed by seq names: the damaged table may be the
        // one that looks short.
        let indexEnd = try? env.read { txn -> UInt64 in
            try databases.reduce(0) { end, database in
                guard let key = try LMDBValues.lastKey(txn, database) else { return end }
                return max(end, try key.withUnsafeBytes { try LedgerLayout.seq(fromKey: $0) })
            }
        }
        guard let indexEnd else {
            return LedgerMismatch("the LMDB index is damaged (\(error)) and how far it reaches cannot be read")
        }
        guard appendLog.lastSeq >= indexEnd else {
            return LedgerMismatch("the LMDB index is damaged (\(error)) and holds records up to seq \(indexEnd), " +
                                  "which the append log (to seq \(appendLog.lastSeq)) lacks")
        }
        guard markIndexForRebuild(directory: directory) else {
            return StorageError("open \(directory)", message: "the LMDB index is damaged (\(error)) and could not be marked " +
                                "to be rebuilt from the append log, which holds all of its \(indexEnd) records")
        }
        return StorageError("open \(directory)", message:
            "the LMDB index is damaged (\(error)); the append log holds all of its \(indexEnd) records, so the index " +
            "is marked to be rebuilt from the log at the next start")
    }

    /// The first commit of the index ending at or after `seq` (the commit that made record
    /// `seq` durable): its last seq and recorded time.
    static func commit(endingFrom seq: UInt64, txn: OpaquePointer, commits: MDB_dbi) throws -> (lastSeq: UInt64, millis: Int64)? {
        var found: (UInt64, Int64)?
        try LMDBValues.scan(txn, commits, from: LedgerLayout.seqKey(seq)) { key, value in
            found = (try LedgerLayout.seq(fromKey: key), Int64(bitPattern: try LedgerLayout.seq(fromKey: value)))
            return false
        }
        return found
    }

    /// The id index of records 1…`size` from their stored id keys: seq-ordered pages, read
    /// once. At 1M records the slots take 32 MB.
    private static func readIdSlots(env: LMDBEnvironment, digests: MDB_dbi, size: UInt64) throws -> IdSlots {
        var slots = IdSlots(expected: Int(size))
        var expected: UInt64 = 1
        var read: [(slotKey: UInt64, seq: UInt64)] = []
        read.reserveCapacity(4_096)
        try env.read { txn in
            try LMDBValues.scan(txn, digests, from: LedgerLayout.seqKey(1)) { key, value in
                let seq = try? LedgerLayout.seq(fromKey: key)
                guard let seq, seq == expected, seq <= size, value.count == 64 else {
                    throw LedgerMismatch("the index's id keys do not match its records at seq \(expected)")
                }
                read.append((IdSlots.slotKey(ofIdKey: UnsafeRawBufferPointer(rebasing: value[0..<32])), seq))
                expected += 1
                if read.count == read.capacity {
                    slots.insert(contentsOf: read)
                    read.removeAll(keepingCapacity: true)
                    env.releaseResidentPagesIfOverBudget()
                }
                return true
            }
        }
        slots.insert(contentsOf: read)
        guard expected == size + 1 else { throw LedgerMismatch("the index has id keys for \(expected - 1) of its \(size) records") }
        env.releaseResidentPages()
        return slots
    }

    /// Record `seq`'s id entry if the id key stored with it is `idKey`.
    static func idEntry(seq: UInt64, idKey: [UInt8], txn: OpaquePointer, digests: MDB_dbi) throws -> IdEntry? {
        try LMDBValues.get(txn, digests, key: LedgerLayout.seqKey(seq)).flatMap {
            LedgerLayout.idEntry(seq: seq, digestsValue: $0, idKey: idKey)
        }
    }

    /// The first of `candidates` whose stored id key is `idKey`, as seen in `txn`.
    static func idEntry(idKey: [UInt8], among candidates: [UInt64], txn: OpaquePointer, digests: MDB_dbi) throws -> IdEntry? {
        for seq in candidates {
            if let entry = try idEntry(seq: seq, idKey: idKey, txn: txn, digests: digests) { return entry }
        }
        return nil
    }

    /// Whether the id index files record `seq` under `idKey` and no other record holds that
    /// id key (each id names one record). The caller has read the id key stored with `seq`.
    static func indexNamesOnly(seq: UInt64, idKey: [UInt8], index: IdIndex, txn: OpaquePointer, digests: MDB_dbi) throws -> Bool {
        let candidates = index.candidates(slotKey: IdSlots.slotKey(ofIdKey: idKey))
        guard candidates.contains(seq) else { return false }
        return try idEntry(idKey: idKey, among: candidates.filter { $0 != seq }, txn: txn, digests: digests) == nil
    }

    /// The head and frontier of what LMDB holds.
    private static func readHead(env: LMDBEnvironment, log: MDB_dbi, tree: MDB_dbi) throws -> (MerkleFrontier, LedgerHead) {
        try env.read { txn in
            guard let lastKey = try LMDBValues.lastKey(txn, log) else {
                return (MerkleFrontier(), LedgerHead(size: 0, root: RFC6962.emptyRoot, recordedMillis: nil))
            }
            let size = try lastKey.withUnsafeBytes { try LedgerLayout.seq(fromKey: $0) }
            let frontier = try MerkleFrontier(size: size, source: TreeNodeSource(txn: txn, tree: tree))
            guard let bytes = try LMDBValues.get(txn, log, key: lastKey) else {
                throw StorageError("open", message: "last record \(size) vanished")
            }
            let last = try RecordFormat.decode(Array(try LedgerLayout.checkedRecord(bytes, seq: size, in: env)))
            guard last.seq == size else {
                throw StorageError("open", message: "record stored under seq \(size) says seq \(last.seq)")
            }
            return (frontier, LedgerHead(size: size, root: frontier.root, recordedMillis: last.recordedMillis))
        }
    }

    /// Flushes LMDB and marks the index clean, so the next open trusts it in any boot (unless
    /// appends were refused for a broken log: then it is marked for a rebuild). The writer
    /// must have stopped; no append is taken after this.
    public func close() throws {
        guard !closed else { return }
        closed = true
        if appendLog.brokenReason != nil {
            // The log may end in a frame the index lacks, or LMDB had a fatal error: the next
            // open must not trust the index, but rebuild it from the log.
            guard Self.markIndexForRebuild(directory: directory) else {
                throw StorageError("close \(directory)", message: "the index could not be marked to be rebuilt from the append log")
            }
            return
        }
        do {
            try appendLog.sync()
            try env.sync()
        } catch {
            // Reported to this fsync only: the next open in this boot must not trust the index.
            _ = Self.markIndexForRebuild(directory: directory)
            throw error
        }
        try IndexMarker.clean.write(directory: directory)
        UncleanStops(directory: directory).clear()
    }

    /// Whether LMDB refuses every transaction after a fatal error (`MDB_PANIC`).
    private static func panicked(_ env: LMDBEnvironment) -> Bool {
        do {
            try env.read { _ in }
            return false
        } catch let error as StorageError {
            return error.code == MDB_PANIC
        } catch {
            return false
        }
    }

    /// A ledger of a format this code does not know is refused, never guessed at; one of the
    /// format before is moved to this one inside the same transaction.
    private static func checkFormat(txn: OpaquePointer, env: LMDBEnvironment, meta: MDB_dbi, log: MDB_dbi, digests: MDB_dbi,
                                    directory: String) throws {
        if let stored = try LMDBValues.get(txn, meta, key: LedgerLayout.formatKey) {
            let format = String(decoding: stored, as: UTF8.self)
            if format == LedgerLayout.formatWithIdsDatabase {
                try IdIndexMigration.run(txn: txn, env: env, log: log, digests: digests)
                try LMDBValues.put(txn, meta, key: LedgerLayout.formatKey, value: Array(LedgerLayout.formatVersion.utf8))
                return
            }
            guard format == LedgerLayout.formatVersion else {
                throw StorageError("open \(directory)", message:
                    "the ledger has storage format \"\(format)\"; this gongkaid reads only \"\(LedgerLayout.formatVersion)\" " +
                    "(and moves \"\(LedgerLayout.formatWithIdsDatabase)\" to it); run a gongkaid that knows that format, or restore a backup")
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
            try LMDBValues.get(txn, log, key: LedgerLayout.seqKey(seq)).map { Array(try LedgerLayout.checkedRecord($0, seq: seq, in: env)) }
        }
    }

    /// The stored bytes of record `seq`, which a head the caller was given covers: a record
    /// the index lacks is damage (seq has no gaps), not "no such record".
    public func record(_ seq: UInt64, within head: LedgerHead) throws -> [UInt8] {
        precondition(seq >= 1 && seq <= head.size)
        guard let record = try record(seq) else { throw LedgerLayout.missingRecord(seq, found: nil) }
        return record
    }

    /// Calls `body` with up to `limit` records from `from` on, in seq order, none past `head`
    /// (the durable head the caller was given: LMDB may already hold a batch whose fdatasync
    /// is under way, which no reader may see before it is acknowledged); see below. Returns
    /// the seq after the last one given (`from` when `from` is past the head).
    @discardableResult
    public func forEachRecord(from: UInt64, limit: Int, within head: LedgerHead,
                              _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws -> UInt64 {
        let available = from <= head.size ? Int(min(UInt64(limit), head.size - from + 1)) : 0
        return try forEachRecord(from: from, limit: available, body)
    }

    /// Calls `body` with the `limit` records from `from` on, in seq order, inside one read
    /// transaction, stopping early after a record for which `body` returns false; returns the
    /// seq after the last one given. The bytes are valid only during the call. The caller
    /// bounds `limit` by a head it was given, so every one of those records was committed:
    /// one the index lacks is damage, never the end of the ledger.
    @discardableResult
    func forEachRecord(from: UInt64, limit: Int, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws -> UInt64 {
        precondition(from >= 1 && limit >= 0)
        var next = from
        guard limit > 0 else { return next }
        let end = from + UInt64(limit)
        var stopped = false
        try env.read { txn in
            try LMDBValues.scan(txn, log, from: LedgerLayout.seqKey(from)) { key, value in
                let seq = try LedgerLayout.seq(fromKey: key)
                // Seq has no gaps: the cursor must land on exactly the next seq; if not, the
                // index is damaged (the append path cannot leave a gap).
                guard seq == next else { throw LedgerLayout.missingRecord(next, found: seq) }
                stopped = try !body(seq, try LedgerLayout.checkedRecord(value, seq: seq, in: env))
                next += 1
                return !stopped && next < end
            }
        }
        if !stopped && next < end { throw LedgerLayout.missingRecord(next, found: nil) }
        return next
    }

    /// The records in seq order straight from the append log (start-up's fold); see
    /// `AppendLog.RecordCursor`.
    public func recordCursor() throws -> AppendLog.RecordCursor { try appendLog.recordCursor() }

    /// The id index entry for `id`, if an event with that id was committed. The writer adds
    /// a batch's ids just after its commit, so for that moment a record already readable
    /// may not be found by its id yet; appends never see that (they run on the writer).
    public func lookup(id: String) throws -> IdEntry? {
        let idKey = LedgerLayout.idKey(id)
        return try env.read { txn in
            try Self.idEntry(idKey: idKey, among: idIndex.candidates(slotKey: IdSlots.slotKey(ofIdKey: idKey)), txn: txn, digests: digests)
        }
    }

    /// Bytes of the data file and of the current map.
    public var storageBytes: (file: Int, map: Int) {
        (LMDBEnvironment.fileSize(pathOfData), env.mapSizeBytes)
    }

    /// Bytes of the append log.
    public var appendLogBytes: Int { LMDBEnvironment.fileSize(appendLog.path) }

    private var pathOfData: String {
        var path: UnsafePointer<CChar>?
        mdb_env_get_path(env.handle, &path)
        return String(cString: path!) + "/data.mdb"
    }

    /// Drops the ledger's pages from this process's resident memory after a pass over all of
    /// it; they stay in the page cache (see `LMDBEnvironment.releaseResidentPages`).
    public func releaseResidentPages() { env.releaseResidentPages() }

    // MARK: Appends (the writer thread only)

    /// Makes the batches committed with `appendBatch(durable: false)` durable, up to record
    /// `seq` at least. On failure the
    /// log is marked broken and no batch is taken before a restart; the frames not made
    /// durable are cut off the log (`AppendLogError.syncFailed` says whether that worked, or
    /// whether they may still be in the ledger after a restart), and the restart rebuilds
    /// the index from the log. May run on another thread than the writer's.
    public func syncLog(through seq: UInt64) throws { try appendLog.syncWritten(through: seq) }

    /// The last record the append log holds durably, and the last it may hold at all: after
    /// a failed `syncLog`, records up to the first are in the ledger, records past the second
    /// are not, and those between may be (the cut back did not happen or did not last).
    public var logSeqs: (durable: UInt64, mayRemain: UInt64) { appendLog.seqs }

    /// Marks the index so that the next start rebuilds it from the log (every place that
    /// distrusts the index goes through here); true when a start in this boot will see the
    /// mark (a start in a later boot distrusts the index anyway). Without room for the
    /// marker, removing it does as well, once the log exists: a log without a marker is
    /// rebuilt from (a ledger without a log would be trusted).
    static func markIndexForRebuild(directory: String) -> Bool {
        if (try? IndexMarker.flushFailed.write(directory: directory)) != nil { return true }
        // Renamed into place, but the directory's fsync failed: visible all the same.
        if (try? IndexMarker.read(directory: directory)) == IndexMarker.flushFailed { return true }
        guard FileManager.default.fileExists(atPath: directory + "/" + AppendLog.fileName) else { return false }
        return unlink(directory + "/" + IndexMarker.fileName) == 0 || errno == ENOENT
    }

    /// Why no batch is taken before a restart (a frame could not be taken back out of the
    /// append log, so it may hold appends the index lacks, or an fdatasync of the log
    /// failed); nil while appends are taken.
    public var appendsRefusedReason: String? { appendLog.brokenReason }

    /// Marks the ledger refused: every later open fails with `why` until an operator mends
    /// the cause (a damaged log found while the projections are folded from it).
    public func refuseFromNowOn(_ why: String) {
        Self.refuse(why, directory: directory)
    }

    /// Whether the append log is still making an earlier batch's frame durable: the next
    /// batch's frame is written only after that (at most one frame is ever not durable).
    public var logSyncPending: Bool { appendLog.syncPending }

    /// Runs `body` with a batch over one write transaction, writes the batch's frame to the
    /// append log with one fdatasync, commits the transaction, and returns the new head. On
    /// any error nothing of the batch is kept, in the log or in LMDB. After a full map the
    /// batch runs again from the start on a grown map, so `body` must keep its results
    /// inside what it returns.
    ///
    /// `durable: false` writes the frame without the fdatasync (once the frame before it is
    /// durable: at most one frame is ever written and not durable): the batch is committed
    /// in LMDB, and a killed process keeps it (its frame is in the page cache before LMDB's
    /// pages are), but a machine that stops may not, so nothing of it may be told to anyone
    /// (acknowledged, or read by a client) before `syncLog()` returns. A machine that stops
    /// meanwhile rebuilds the index from the log at its next start (the index is marked open
    /// in this boot), so the index never holds more than the log.
    public func appendBatch<T>(durable: Bool = true, _ body: (inout LedgerBatch) throws -> T) throws -> (T, LedgerHead) {
        precondition(!closed, "no append after close")
        // A log that may end in a frame the index lacks takes nothing, not even a batch of
        // retries with no new record (which would commit LMDB alone and leave the two apart).
        if let reason = appendLog.brokenReason {
            throw StorageError("append", message: "no appends until a restart: \(reason)")
        }
        try markOpenInBoot()
        let (logEnd, logSeq) = (appendLog.endOffset, appendLog.lastSeq)
        let appendLog = appendLog
        let result: T, batch: LedgerBatch
        do {
            (result, batch) = try env.write { txn -> (T, LedgerBatch) in
                // A commit refused after its frame was written runs again: take the frame back first.
                if appendLog.endOffset > logEnd { try appendLog.truncate(to: logEnd, lastSeq: logSeq) }
                var batch = LedgerBatch(store: self, txn: txn, frontier: frontier, head: head, logging: true)
                let result = try body(&batch)
                // A half-written append (its error caught by `body`) must never be committed.
                guard !batch.poisoned else { throw StorageError("append", message: "an append failed inside the batch") }
                if batch.size > batch.committedSize {
                    let millis = batch.latestRecordedMillis ?? 0
                    guard let frame = batch.finishFrame(commitMillis: millis) else { preconditionFailure("an appending batch keeps a frame") }
                    try LMDBValues.put(txn, commits, key: LedgerLayout.seqKey(batch.size),
                                       value: LedgerLayout.seqKey(UInt64(bitPattern: millis)), flags: MDB_APPEND)
                    // In the log before LMDB commits, so the index never holds more than the log;
                    // durable now, or before anything of it is told (`syncLog`).
                    if durable {
                        try appendLog.append(frame, lastSeq: batch.size)
                    } else {
                        try appendLog.appendAwaitingSync(frame, lastSeq: batch.size)
                    }
                }
                return (result, batch)
            }
        } catch {
            // LMDB refused the commit after the frame was written: the log must not keep it.
            // (A log cut back by a failed `syncLog` on another thread ends at or before `logEnd`.)
            if appendLog.endOffset > logEnd {
                do {
                    try appendLog.truncate(to: logEnd, lastSeq: logSeq)
                } catch let undo {
                    // The outcome is unknown, not failed: the next start takes the frame in.
                    throw StorageError("append", message: "\(error); the batch's frame could not be taken back out of the append log " +
                                       "(\(undo)), so these appends may be in the ledger after the next start; " +
                                       "no append is taken before a restart")
                }
            }
            // The log's own undo of a frame it could not make durable failed: the same. A log
            // broken by another batch's failed sync before this one wrote its frame holds
            // nothing of this batch, a plain failure; so the log is compared with the index's
            // end, which a failure leaves as it was (`logSeq` may be read after a cut).
            if appendLog.seqs.mayRemain > head.size {
                throw StorageError("append", message: "\(error); these appends may be in the ledger after the next start; " +
                                   "no append is taken before a restart")
            }
            // After a fatal error (a failed write of its meta page) LMDB refuses every later
            // transaction until the environment is opened again: stop, rather than refuse
            // every append from now on.
            // The commit that hits the fatal error fails with its own errno (EIO, ENOSPC); only
            // the next transaction says MDB_PANIC, so ask now rather than at the next append.
            if let storage = error as? StorageError, storage.code == MDB_PANIC || Self.panicked(env) {
                appendLog.markBroken("LMDB needs to be opened again after a fatal error: \(storage)")
            }
            throw error
        }
        frontier = batch.frontier
        head = LedgerHead(size: frontier.size, root: frontier.root, recordedMillis: batch.lastRecordedMillis)
        idIndex.add(batch.newIds)
        // Unless a failed `syncLog` on the syncer's thread has just cut an earlier batch's frame
        // off (the log is then broken; this batch, with no frame of its own, is answered by
        // the syncer as not made durable).
        precondition(appendLog.lastSeq == head.size || appendLog.brokenReason != nil, "the log and the index end at the same seq")
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
