import CLMDB
import Foundation
import Glibc

/// How opening a ledger brings its LMDB index in line with the append log: the checks that
/// must hold before anything changes, the refusal that sticks when they fail, setting an
/// untrusted index aside, and committing the frames the index lacks. `RecoveryPlan` decides
/// which of these run.
extension LedgerStore {
    /// Makes the refusal stick. Should even the marker fail to be written, the index is kept
    /// out of reach of a rebuild, so a later boot cannot replace it from the lesser copy.
    static func refuse(_ why: String, directory: String) {
        do {
            try IndexMarker.refused(why).write(directory: directory)
        } catch {
            // `RecoveryPlan` refuses while this file exists, whatever the marker says.
            _ = rename(directory + "/data.mdb", directory + "/" + LedgerDirectoryFacts.refusedIndexName)
            try? FileSync.fsync(path: directory, directory: true)
        }
    }

    /// Moves an index that cannot be trusted out of the way of its rebuild: aside while the
    /// disk has room for two and no earlier one is kept there, deleted otherwise (the log
    /// holds everything it held). True if it was kept aside.
    @discardableResult
    static func setAside(_ dataPath: String, as asidePath: String, directory: String, log: AppendLog?) throws -> Bool {
        var space = statvfs()
        let freeBytes = statvfs(directory, &space) == 0 ? UInt64(space.f_bavail) * UInt64(space.f_frsize) : 0
        let keep = !FileManager.default.fileExists(atPath: asidePath) && freeBytes > 2 * UInt64(LMDBEnvironment.fileSize(dataPath))
        // Before the index is deleted, every frame the rebuild will need must be sound: a
        // damaged one found only mid-rebuild would leave no copy of the records past it.
        if !keep, let log { try log.checkEveryFrame() }
        guard keep ? rename(dataPath, asidePath) == 0 : unlink(dataPath) == 0,
              unlink(directory + "/lock.mdb") == 0 || errno == ENOENT else {
            throw StorageError("move \(dataPath) aside", message: FileSync.lastError())
        }
        return keep
    }

    /// A refusal that stopped a rebuild puts the index it was to replace back in place of the
    /// rebuild's first records: the remedies it names (README: Damage) work on data.mdb, and
    /// one of them writes the log again from it. Best effort: an index left aside still stops
    /// a start without the log (`LedgerStore.init`).
    static func putBack(_ asidePath: String, as dataPath: String, directory: String) {
        guard unlink(dataPath) == 0 || errno == ENOENT, rename(asidePath, dataPath) == 0 else { return }
        _ = unlink(directory + "/lock.mdb")
        try? FileSync.fsync(path: directory, directory: true)
    }

    /// The log must hold at least what the index holds, with a frame ending at the index's
    /// last record, and the same bytes there.
    static func checkLog(_ appendLog: AppendLog, covers head: LedgerHead, env: LMDBEnvironment, log: MDB_dbi) throws {
        guard appendLog.lastSeq >= head.size else {
            throw LedgerMismatch("the append log ends at seq \(appendLog.lastSeq) but the LMDB index holds \(head.size) records; " +
                                 "the log is the ledger's source of truth and lacks acknowledged records",
                                 remedy: "if the LMDB index is whole, move append.log aside and remove index-state: the log is written " +
                                    "again from the index (README: Damage); otherwise restore a backup")
        }
        guard head.size > 0 else { return }
        guard let frame = try appendLog.frame(holding: head.size), frame.lastSeq == head.size else {
            throw LedgerMismatch("no frame of the append log ends at the index's last record \(head.size)")
        }
        let indexed = try env.read { txn in try LMDBValues.get(txn, log, key: LedgerLayout.seqKey(head.size)).map { Array($0) } }
        guard frame.entries.last?.record == indexed else {
            // The log's frame passed its SHA-256 to be read here; LMDB keeps no checksums, so
            // the index is the likelier copy to be damaged (a helper's flipped bit in the last
            // record was told to restore a backup, losing what came after it).
            throw LedgerMismatch("record \(head.size) differs between the append log and the LMDB index",
                                 remedy: "if the append log is this ledger's own (its frame of that record passes its SHA-256), " +
                                    "move data.mdb aside, remove lock.mdb and index-state, and start again: the index is rebuilt from " +
                                    "the log without losing a record (README: Damage); otherwise restore a backup")
        }
    }

    /// Brings LMDB up to the log: the frames it lacks (a crash between the log's write and
    /// LMDB's commit, or all of them after a rebuild) are committed in order.
    func takeInLogTail(progress: ((UInt64, UInt64) -> Void)?) throws {
        var pending: [AppendLogFrame] = []
        var pendingRecords = 0
        func commitPending() throws {
            guard !pending.isEmpty else { return }
            try replay(pending)
            pending.removeAll(keepingCapacity: true)
            pendingRecords = 0
            progress?(head.size, appendLog.lastSeq)
        }
        let takeIn = { (frame: AppendLogFrame) throws in
            pending.append(frame)
            pendingRecords += frame.entries.count
            if pendingRecords >= Self.maxReplayTransactionRecords { try commitPending() }
        }
        if head.size == 0 {
            try appendLog.forEachFrame { frame, _ in try takeIn(frame) }
        } else {
            try appendLog.forEachFrame(after: head.size) { frame, _ in try takeIn(frame) }
        }
        try commitPending()
    }

    /// Commits frames read from the log into LMDB, exactly as their batches were.
    private func replay(_ frames: [AppendLogFrame]) throws {
        let batch = try env.write { txn -> LedgerBatch in
            var batch = LedgerBatch(store: self, txn: txn, frontier: frontier, head: head, logging: false)
            for frame in frames {
                guard frame.firstSeq == batch.size + 1 else {
                    throw LedgerMismatch("the append log skips from seq \(batch.size) to \(frame.firstSeq)")
                }
                for entry in frame.entries {
                    _ = try batch.append(idKey: entry.idKey, eventDigest: entry.eventDigest, record: entry.record,
                                         recordedMillis: frame.commitMillis)
                }
                try LMDBValues.put(txn, commits, key: LedgerLayout.seqKey(frame.lastSeq),
                                   value: LedgerLayout.seqKey(UInt64(bitPattern: frame.commitMillis)), flags: MDB_APPEND)
            }
            return batch
        }
        frontier = batch.frontier
        idIndex.add(batch.newIds)
        head = LedgerHead(size: frontier.size, root: frontier.root, recordedMillis: batch.lastRecordedMillis)
    }
}

/// The append log and the LMDB index disagree in a way no crash explains.
struct LedgerMismatch: Error {
    let message: String
    /// What the operator can do; by default, restore a backup.
    let remedy: String
    init(_ message: String, remedy: String = "restore a backup") {
        self.message = message
        self.remedy = remedy
    }
}

/// What opening a ledger did to bring its LMDB index in line with the append log.
public struct LedgerRecovery: Equatable, Sendable {
    /// LMDB was thrown away and rebuilt from the log (left open in another boot).
    public var indexRebuilt: Bool { rebuildReason != nil }
    /// Why the index was rebuilt from the log, for the operator's journal; nil if it was not.
    public let rebuildReason: String?
    /// The log was written from LMDB (a ledger from before the log).
    public let logWritten: Bool
    /// The log was written because it had gone missing: the ledger had had one (its marker
    /// was there), unlike a ledger from before the log or a restored backup.
    public var logLost = false
    /// The last run of this boot did not close the index (it was killed, or crashed); the
    /// index was trusted, and the log's frames past it were taken in.
    public var stoppedUncleanly = false
    /// Bytes of a torn last frame cut off the log (a write whose fsync never finished).
    public let discardedTailBytes: UInt64
}
