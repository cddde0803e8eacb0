import Foundation
import GongkaiDomain
import GongkaiMerkle
import GongkaiProtocol
import GongkaiStorage
import Logging
import NIOCore

/// What became of one APPEND.
enum AppendOutcome {
    case appended(id: String, RecordReceipt)
    /// `voidedBy`: the record that voided this one, when there is one.
    case duplicate(id: String, RecordReceipt, voidedBy: UInt64?)
    case failed(ProtocolError)
}

/// An APPEND waiting for the writer: the checked event, who sent it, and how to answer. The
/// hashes are computed on the connection's event loop, off the writer's path.
final class AppendSubmission {
    let event: EventEnvelope
    /// SHA-256 of the event as sent, canonicalised (idempotency).
    let eventDigest: [UInt8]
    /// The record's bytes and leaf hash up to its recorded time, for the event as sent.
    let recordPrefix: RecordFormat.Prefix
    /// The id index key of `event.id`.
    let idKey: [UInt8]
    /// The event read as a domain event, or why it is not one: decided here, off the writer,
    /// and reported by the writer only if the id is new (a retry answers as a retry).
    let decoded: Result<DomainEvent, DomainError>
    let principal: String
    let eventLoop: EventLoop
    let submittedNanos: UInt64
    let deliver: (AppendOutcome) -> Void

    init(_ reading: AppendReading, principal: String, eventLoop: EventLoop, submittedNanos: UInt64,
         deliver: @escaping (AppendOutcome) -> Void) {
        self.event = reading.envelope
        self.eventDigest = IdEntry.digest(ofCanonicalEvent: event.canonical)
        self.recordPrefix = RecordFormat.Prefix(by: principal, canonicalEvent: event.canonical)
        self.idKey = IdEntry.key(forId: event.id)
        self.decoded = reading.decoded
        self.principal = principal
        self.eventLoop = eventLoop
        self.submittedNanos = submittedNanos
        self.deliver = deliver
    }
}

/// An outcome decided inside the transaction, before the commit's head is known.
enum TentativeOutcome {
    case appended(id: String, AppendedRecord)
    case duplicateInBatch(id: String, seq: UInt64, leaf: MerkleHash, voidedBy: UInt64?)
    case duplicate(id: String, RecordReceipt, voidedBy: UInt64?)
    case failed(ProtocolError)
}

/// The one thread that writes. It takes every waiting append (up to `maxBatchRecords`),
/// writes them in one LMDB transaction with their frame in the append log, commits, and
/// hands the batch to its `LogSyncer`, which answers them all once an fdatasync has made the
/// frame durable — grouped so each event loop is woken once per batch. Meanwhile the writer
/// goes on with the next batch.
final class GroupCommitWriter: @unchecked Sendable {
    /// Most records in one transaction; bounds commit latency and transaction memory.
    static let maxBatchRecords = 8_192
    /// Most event bytes in one transaction (a batch takes at least one event). 8,192 events
    /// of 256 KiB are 2 GiB: one append-log frame of that size held in memory, written and
    /// stored again in LMDB inside one transaction, whose dirty pages LMDB bounds (past
    /// its limit MDB_TXN_FULL fails the whole batch). 64 MiB still fills a batch of 8,192
    /// typical events (about 300 bytes each).
    static let defaultMaxBatchBytes = 64 << 20
    /// Most appends waiting for the writer; past it, new ones are refused as unavailable.
    static let maxQueuedAppends = 1 << 20

    private let store: LedgerStore
    private let admission: EventAdmission
    private let stats: ServerStats
    private let logger: Logger
    private let onCommit: (LedgerHead) -> Void
    private let maxBatchBytes: Int
    private let condition = NSCondition()
    /// One line a second for failed commits (the writer's thread only).
    private var commitFailureLog = LogThrottle(intervalNanos: 1_000_000_000)
    private var queue: [AppendSubmission] = []
    private var stopping = false
    private var thread: NamedThread?
    /// Makes committed batches durable and answers them (set in `init`).
    private var syncer: LogSyncer!

    init(store: LedgerStore, admission: EventAdmission, stats: ServerStats, logger: Logger,
         maxBatchBytes: Int = GroupCommitWriter.defaultMaxBatchBytes, onCommit: @escaping (LedgerHead) -> Void) {
        precondition(maxBatchBytes > 0, "a batch holds at least one event")
        self.maxBatchBytes = maxBatchBytes
        self.store = store
        self.admission = admission
        self.stats = stats
        self.logger = logger
        self.onCommit = onCommit
        syncer = LogSyncer(durableSize: store.head.size, sync: { [store] in try store.syncLog(through: $0) },
                           whenDurable: { [unowned self] in answerDurable($0) },
                           whenLost: { [unowned self] in answerLost($0, error: $1) })
    }

    /// Pinged from the writer's loop (see `Watchdog`); set by `start`.
    private var watchdog: Watchdog?
    /// The writer thread's name (at most 15 bytes: the kernel's limit).
    static let threadName = "gongkai-writer"

    /// Told once when the ledger stops taking appends until a restart; set by `start`,
    /// taken under `refusalLock` (the writer and the syncer may both find the log broken).
    private var onAppendsRefused: ((String) -> Void)?
    private let refusalLock = NSLock()

    /// `onAppendsRefused` is told (once, on the writer's or the syncer's thread) when the
    /// append log may hold frames the index lacks, or the index frames that may not last (a
    /// frame could not be taken back, or an fdatasync failed): the daemon should stop, so
    /// that a restart reconciles the log and the index, rather than refuse appends for ever.
    func start(watchdog: Watchdog? = nil, onAppendsRefused: ((String) -> Void)? = nil) {
        self.watchdog = watchdog
        self.onAppendsRefused = onAppendsRefused
        syncer.start()
        // Growing the map waits for a BACKUP copy to end; the writer is not stuck meanwhile.
        if let watchdog { store.whileWaitingToGrowMap = { watchdog.pingIfDue() } }
        thread = NamedThread(name: Self.threadName) { [self] in run() }
    }

    /// Queues appends; false when the writer is stopping or the queue is full.
    func submit(_ submissions: [AppendSubmission]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, queue.count + submissions.count <= Self.maxQueuedAppends else { return false }
        queue.append(contentsOf: submissions)
        condition.signal()
        return true
    }

    /// Commits everything already queued, answers it once durable, then ends both threads.
    func stopAndWait() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        thread?.waitUntilFinished()
        thread = nil
        syncer.stopAndWait()
    }

    /// Waits until the first `size` records are durable; false if a failed fdatasync means
    /// they may not be (see `LogSyncer.waitUntilDurable`).
    func waitUntilDurable(size: UInt64) -> Bool { syncer.waitUntilDurable(size: size) }

    private func run() {
        while true {
            watchdog?.pingIfDue()
            condition.lock()
            if queue.isEmpty && !stopping {
                // With a watchdog, wake in time to ping even when idle.
                if let watchdog { _ = condition.wait(until: watchdog.nextPingDate) } else { condition.wait() }
            }
            if queue.isEmpty {
                let done = stopping
                condition.unlock()
                if done { return }
                continue
            }
            let count = Self.batchCount(queue, maxRecords: Self.maxBatchRecords, maxBytes: maxBatchBytes)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            condition.unlock()
            commit(batch)
        }
    }

    /// How many of the queue's first appends make the next batch: at least one (none may do
    /// for appends joining a batch already begun), then as many as fit both bounds.
    static func batchCount(_ queue: [AppendSubmission], maxRecords: Int, maxBytes: Int, mayBeEmpty: Bool = false) -> Int {
        var count = 0, bytes = 0
        for submission in queue.prefix(maxRecords) {
            bytes += submission.event.canonical.count
            if (count > 0 || mayBeEmpty) && bytes > maxBytes { break }
            count += 1
        }
        return count
    }

    private func commit(_ first: [AppendSubmission]) {
        let started = DispatchTime.now().uptimeNanoseconds
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        var batch = first
        do {
            // The frame is written, not yet synced: the syncer makes it durable, then answers.
            let (results, head) = try store.appendBatch(durable: false) { ledger in
                // After a full map this runs again with every append taken in so far.
                var outcomes = try write(batch, into: &ledger, nowMillis: nowMillis)
                // While the frame before is still being made durable, this batch's frame could
                // not be written anyway: appends that came meanwhile join it, so the wait does
                // work and the next fdatasync covers them too.
                while store.logSyncPending, let more = takeMore(joining: batch) {
                    batch += more  // taken off the queue: answered with the batch, whatever happens
                    outcomes += try write(more, into: &ledger, nowMillis: nowMillis, joining: true)
                }
                return outcomes
            }
            admission.batchEnded(committed: true)
            syncer.hand(CommittedBatch(submissions: batch, outcomes: results, head: head, startedNanos: started))
        } catch {
            admission.batchEnded(committed: false)
            stats.commitFailed()
            let (log, heldBack) = commitFailureLog.admit(nowNanos: started)
            if log {
                let more = heldBack > 0 ? " (and \(heldBack) more failed commits since the last such line)" : ""
                logger.error("commit of \(batch.count) appends failed: \(error)\(more)")
            }
            let failure = ProtocolError(.storage, "the ledger could not write: \(error)")
            if let reason = store.appendsRefusedReason { tellAppendsRefused(reason) }
            deliver(Array(repeating: .failed(failure), count: batch.count), committed: nil, to: batch)
        }
    }

    /// The syncer's answer to batches now durable: counted, the head published, then answered.
    private func answerDurable(_ batches: [CommittedBatch]) {
        let now = DispatchTime.now().uptimeNanoseconds
        var grown: LedgerHead?
        for batch in batches {
            let (appended, duplicates) = batch.counts
            stats.committed(appended: appended, duplicates: duplicates, batchSize: batch.submissions.count,
                            commitNanos: now - batch.startedNanos)
            if appended > 0 { grown = batch.head }
        }
        // The newest head that grew; readers never see one that is not durable.
        if let grown { onCommit(grown) }
        for batch in batches { deliver(batch.outcomes, committed: batch.head, to: batch.submissions) }
    }

    /// The syncer's answer to batches whose fdatasync failed. The batches the log still holds
    /// durably (an earlier fdatasync covered them) are answered as usual. Of the others, LMDB
    /// holds them, and so did the log until the failure cut them off it again; if the cut
    /// failed, they may be in the ledger after the next start. A retry of a durable record
    /// keeps its receipt; a refusal is not passed on (it may have been decided against a
    /// lost record), but its event is not in the ledger either.
    private func answerLost(_ batches: [CommittedBatch], error: Error) {
        let (durable, mayRemain) = store.logSeqs
        let kept = batches.prefix { $0.head.size <= durable }
        if !kept.isEmpty { answerDurable(Array(kept)) }
        let lost = batches.dropFirst(kept.count)
        if !lost.isEmpty {
            logger.error("making \(lost.count) committed batches durable failed: \(error)")
            let cause = "the ledger could not make its latest appends durable (\(error))"
            let notIn = ProtocolError(.storage, "\(cause); this append is not in the ledger; no append is taken before a restart")
            let unknown = ProtocolError(.storage, "\(cause); this append may be in the ledger after the next start; " +
                                        "no append is taken before a restart")
            for batch in lost {
                stats.commitFailed()
                let outcomes: [TentativeOutcome] = batch.outcomes.map { outcome in
                    switch outcome {
                    // A void of the record counts only if it was made durable too.
                    case .duplicate(let id, let receipt, let voidedBy) where receipt.size <= durable:
                        .duplicate(id: id, receipt, voidedBy: voidedBy.flatMap { $0 <= durable ? $0 : nil })
                    case .failed: .failed(notIn)
                    default: .failed(mayRemain <= durable ? notIn : unknown)
                    }
                }
                deliver(outcomes, committed: nil, to: batch.submissions)
            }
        }
        tellAppendsRefused(store.appendsRefusedReason ?? "\(error)")
    }

    private func tellAppendsRefused(_ reason: String) {
        let tell: ((String) -> Void)? = refusalLock.withLock {
            defer { onAppendsRefused = nil }
            return onAppendsRefused
        }
        guard let tell else { return }
        logger.critical("no append is taken before a restart: \(reason)")
        tell(reason)
    }

    /// Appends queued since `batch` was taken, to join it: nil when none are waiting or the
    /// batch is full. At most `maxJoiningRecords` at a time, so the batch is looked at again
    /// soon after the frame before it is durable.
    private func takeMore(joining batch: [AppendSubmission]) -> [AppendSubmission]? {
        let room = Self.maxBatchRecords - batch.count
        let bytesTaken = batch.reduce(0) { $0 + $1.event.canonical.count }
        condition.lock()
        defer { condition.unlock() }
        guard room > 0, !queue.isEmpty else { return nil }
        let count = Self.batchCount(queue, maxRecords: min(room, Self.maxJoiningRecords), maxBytes: maxBatchBytes - bytesTaken,
                                    mayBeEmpty: true)
        guard count > 0 else { return nil }
        let more = Array(queue.prefix(count))
        queue.removeFirst(count)
        return more
    }

    /// Most appends that join a batch at one time while the frame before it is made durable.
    static let maxJoiningRecords = 512

    /// Runs inside the transaction; may run twice when the map had to grow, so it keeps
    /// everything it decides in its result. `joining`: the appends join a batch already begun
    /// in this transaction (same recorded time, same admission batch).
    private func write(_ batch: [AppendSubmission], into ledger: inout LedgerBatch, nowMillis: Int64,
                       joining: Bool = false) throws -> [TentativeOutcome] {
        // Recorded time never decreases, even if the wall clock steps back; one stamp per commit.
        let recordedMillis = max(nowMillis, ledger.latestRecordedMillis ?? 0)
        let recorded = RecordedTime.format(millis: recordedMillis)
        if !joining {
            admission.beginBatch()
            // The frame holds every record of the batch: sized once, not doubled as it fills.
            ledger.reserveFrame(records: batch.count,
                                recordBytes: batch.reduce(0) { $0 + $1.recordPrefix.count + RecordFormat.framingBytes })
        }
        var outcomes: [TentativeOutcome] = []
        outcomes.reserveCapacity(batch.count)
        for submission in batch {
            let free: LedgerBatch.FreeId
            switch try ledger.find(idKey: submission.idKey) {
            case .free(let found): free = found
            case .taken(let existing):
                do {
                    try admission.authorize(submission.decoded, by: submission.principal)
                } catch let refusal as ProtocolError {
                    outcomes.append(.failed(refusal))
                    continue
                }
                do {
                    outcomes.append(try answerRepeated(submission, existing: existing, ledger: ledger))
                } catch let damage as StorageError {
                    // A damaged index entry of the first record fails this retry, not the batch.
                    outcomes.append(.failed(ProtocolError(.storage, "the receipt of id \"\(submission.event.id)\" cannot be read: \(damage)")))
                }
                continue
            }
            let event: EventEnvelope
            do {
                event = try admission.admit(submission.event, decoded: submission.decoded, by: submission.principal, seq: ledger.size + 1)
            } catch let refusal as ProtocolError {
                outcomes.append(.failed(refusal))
                continue
            }
            // Admission may have rewritten the event (a unit's name to its id): then the prefix
            // made for the event as sent does not serve.
            let prefix = event.canonical == submission.event.canonical
                ? submission.recordPrefix : RecordFormat.Prefix(by: submission.principal, canonicalEvent: event.canonical)
            let record = prefix.record(recorded: recorded, seq: ledger.size + 1)
            let appended = try ledger.append(free, eventDigest: submission.eventDigest, record: record.bytes,
                                             leaf: record.leaf, recordedMillis: recordedMillis)
            outcomes.append(.appended(id: event.id, appended))
        }
        return outcomes
    }

    /// Same id and same event → the first record's answer; same id, other event → conflict.
    private func answerRepeated(_ submission: AppendSubmission, existing: IdEntry, ledger: LedgerBatch) throws -> TentativeOutcome {
        let id = submission.event.id
        // The index keeps the digest of the event as its client sent it, before any
        // normalisation by admission, so a retry of the same request always matches. The
        // event as stored is the same event too (a unit's Chinese name stored as its id):
        // a client that sends again what GET, READ or TAIL gave it is retrying, not conflicting.
        guard try existing.eventDigest == submission.eventDigest
                || ledger.storedEvent(of: existing.seq) == submission.event.canonical else {
            // A corrected event sent under the id of the one voided for it: ids are for good.
            let voided = admission.voidedBy(existing.seq).map { ", voided by record \($0): send the corrected event under a new id" } ?? ""
            return .failed(ProtocolError(.conflict, "id \"\(id)\" already names a different event (seq \(existing.seq)\(voided))"))
        }
        // A sender who retries an event voided since learns that it no longer counts.
        let voidedBy = admission.voidedBy(existing.seq)
        if let receipt = try ledger.receipt(forExisting: existing.seq) { return .duplicate(id: id, receipt, voidedBy: voidedBy) }
        return .duplicateInBatch(id: id, seq: existing.seq, leaf: try ledger.leaf(of: existing.seq), voidedBy: voidedBy)
    }

    /// Answers the batch: each event loop is woken once, with the positions of its appends;
    /// it turns their outcomes into answers itself (receipts name `head`, the head the
    /// commit made durable), off the writer's thread.
    private func deliver(_ outcomes: [TentativeOutcome], committed head: LedgerHead?, to batch: [AppendSubmission]) {
        precondition(outcomes.count == batch.count, "every append gets exactly one answer")
        // One entry per event loop (a few at most): found by identity, without hashing.
        var byLoop: [(loop: EventLoop, positions: [Int])] = []
        for (position, submission) in batch.enumerated() {
            if let index = byLoop.firstIndex(where: { $0.loop === submission.eventLoop }) {
                byLoop[index].positions.append(position)
            } else {
                byLoop.append((submission.eventLoop, [position]))
            }
        }
        for (loop, positions) in byLoop {
            loop.execute {
                for position in positions { batch[position].deliver(Self.answer(outcomes[position], committed: head)) }
            }
        }
    }

    private static func answer(_ outcome: TentativeOutcome, committed head: LedgerHead?) -> AppendOutcome {
        switch outcome {
        case .appended(let id, let record):
            guard let head else { preconditionFailure("a record is answered appended only once its commit is durable") }
            return .appended(id: id, RecordReceipt(seq: record.seq, leaf: record.leaf, size: head.size, root: head.root))
        case .duplicateInBatch(let id, let seq, let leaf, let voidedBy):
            guard let head else { preconditionFailure("a record is answered appended only once its commit is durable") }
            return .duplicate(id: id, RecordReceipt(seq: seq, leaf: leaf, size: head.size, root: head.root), voidedBy: voidedBy)
        case .duplicate(let id, let receipt, let voidedBy):
            return .duplicate(id: id, receipt, voidedBy: voidedBy)
        case .failed(let error):
            return .failed(error)
        }
    }
}
