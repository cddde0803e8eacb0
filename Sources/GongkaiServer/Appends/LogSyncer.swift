import Foundation
import GongkaiStorage

/// A batch the writer has committed in LMDB whose frame in the append log is written but not
/// yet made durable: nothing of it is told to anyone until it is.
struct CommittedBatch {
    let submissions: [AppendSubmission]
    let outcomes: [TentativeOutcome]
    let head: LedgerHead
    /// When the writer began it, for the commit latency counted once it is durable.
    let startedNanos: UInt64

    /// How many of its appends were new records, and how many retries.
    var counts: (appended: Int, duplicates: Int) {
        var appended = 0, duplicates = 0
        for outcome in outcomes {
            switch outcome {
            case .appended: appended += 1
            case .duplicateInBatch, .duplicate: duplicates += 1
            case .failed: break
            }
        }
        return (appended, duplicates)
    }
}

/// The writer's second stage, on a thread of its own: it makes the batches committed so far
/// durable with one fdatasync of the append log, then has them answered, while the writer
/// admits and commits the next batch. (One thread doing both waited for the disk between
/// batches: at 32 connections × 64 in flight, about a tenth of its time.) Batches are taken
/// and answered in commit order, and each only after an fdatasync begun once it was
/// committed, so no answer and no published head runs ahead of the disk.
///
/// The writer writes a batch's frame only once the frame before it is durable
/// (`AppendLog.appendAwaitingSync`), so the overlap is the next batch's admission and LMDB
/// puts with this batch's fdatasync, and at most one frame is ever not durable.
///
/// A failed fdatasync is not retried: after a failed write-back Linux may report success to
/// the next fsync over pages it dropped. The log is marked broken and, once the index is
/// marked for a rebuild, cut back to its last durable frame; the waiting batches the log
/// holds durably are answered as usual, the others `storage`; nothing more is taken before
/// a restart, which rebuilds the index (LMDB holds the lost batches) from the log.
final class LogSyncer: @unchecked Sendable {
    /// The thread's name (at most 15 bytes: the kernel's limit).
    static let threadName = "gongkai-syncer"
    /// Most committed batches waiting for their fdatasync; past it the writer waits. Each
    /// batch is bounded (GroupCommitWriter.maxBatchRecords, maxBatchBytes).
    static let maxWaitingBatches = 4

    private let sync: (UInt64) throws -> Void
    private let whenDurable: ([CommittedBatch]) -> Void
    private let whenLost: ([CommittedBatch], Error) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var waiting: [CommittedBatch] = []
    private var stopping = false
    private var durableSize: UInt64
    private var lost = false
    private var thread: NamedThread?

    /// `sync` makes the records up to a seq durable (`LedgerStore.syncLog`); `whenDurable`
    /// answers batches it covered, `whenLost` batches whose sync failed. Both run on the
    /// syncer's thread, in commit order. `durableSize` is the size already durable.
    init(durableSize: UInt64, sync: @escaping (UInt64) throws -> Void, whenDurable: @escaping ([CommittedBatch]) -> Void,
         whenLost: @escaping ([CommittedBatch], Error) -> Void) {
        self.durableSize = durableSize
        self.sync = sync
        self.whenDurable = whenDurable
        self.whenLost = whenLost
    }

    func start() {
        thread = NamedThread(name: Self.threadName) { [self] in run() }
    }

    /// Hands a committed batch over, waiting while `maxWaitingBatches` wait already. Batches
    /// come from the writer thread alone, in commit order.
    func hand(_ batch: CommittedBatch) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!stopping, "no batch is handed over once the syncer stops")
        precondition(batch.head.size >= (waiting.last?.head.size ?? durableSize), "batches are handed over in commit order")
        while waiting.count >= Self.maxWaitingBatches { condition.wait() }
        waiting.append(batch)
        condition.broadcast()
    }

    /// Waits until the first `size` records are durable: true once they are, false if a
    /// failed sync means they may never be (BACKUP, whose copy may hold batches not yet
    /// synced, must not hand out records a restart could lose).
    func waitUntilDurable(size: UInt64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while durableSize < size && !lost { condition.wait() }
        return durableSize >= size
    }

    /// Makes durable and answers everything handed over, then ends the thread.
    func stopAndWait() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        thread?.waitUntilFinished()
        thread = nil
    }

    private func run() {
        while true {
            condition.lock()
            while waiting.isEmpty && !stopping { condition.wait() }
            if waiting.isEmpty {
                condition.unlock()
                return
            }
            let ready = waiting
            waiting.removeAll(keepingCapacity: true)
            // The writer may be waiting for room.
            condition.broadcast()
            condition.unlock()
            do {
                // Every batch in `ready` wrote its frame (if it has one) before it was handed over.
                try sync(ready.last!.head.size)
            } catch {
                condition.lock()
                lost = true
                condition.broadcast()
                condition.unlock()
                whenLost(ready, error)
                continue
            }
            // Answered and published before BACKUP may go on: a backup's size is never one
            // that HEAD and PROOF do not know yet.
            whenDurable(ready)
            condition.lock()
            durableSize = ready.last!.head.size
            condition.broadcast()
            condition.unlock()
        }
    }
}
