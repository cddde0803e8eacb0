import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProtocol
@testable import GongkaiServer
@testable import GongkaiStorage
import Logging
import NIOPosix
import XCTest

/// The writer against a real ledger: once a failed commit leaves the append log holding a
/// frame it could not take back, appends are refused and the daemon is told, once, to stop.
final class GroupCommitWriterTests: XCTestCase {
    private final class Answers: @unchecked Sendable {
        let lock = NSLock()
        var outcomes: [AppendOutcome] = []
        let arrived = DispatchSemaphore(value: 0)
        func add(_ outcome: AppendOutcome) {
            lock.withLock { outcomes.append(outcome) }
            arrived.signal()
        }
    }

    /// A ledger in a new temporary directory, removed when the test has ended.
    private func temporaryStore() throws -> LedgerStore {
        let directory = NSTemporaryDirectory() + "gongkai-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return try LedgerStore(directory: directory)
    }

    /// A batch is bounded by its events' bytes as well as by their number: thousands of large
    /// events in one LMDB transaction would pass its dirty-page limit and fail together.
    func testABatchHoldsNoMoreEventBytesThanItsBound() throws {
        let store = try temporaryStore()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let events = try (0..<50).map { index in
            let json = #"{"at":"2024-03-01","id":"big-\#(String(format: "%03d", index))","title":"\#(String(repeating: "x", count: 900))","type":"interview.held","unit":"u-1"}"#
            return try EventEnvelope(value: JSONParser.parse(Array(json.utf8)))
        }
        let eventBytes = events[0].canonical.count
        let stats = ServerStats()
        let writer = GroupCommitWriter(store: store, admission: AdmitAll(), stats: stats, logger: Logger(label: "test"),
                                       maxBatchBytes: 3 * eventBytes + eventBytes / 2) { _ in }
        let answers = Answers()
        // Queued before the writer starts, so all 50 wait for its first batch.
        XCTAssertTrue(writer.submit(events.map {
            AppendSubmission(AppendReading($0), principal: "admin/uid:0", eventLoop: group.next(), submittedNanos: 0, deliver: answers.add)
        }))
        writer.start()
        defer { writer.stopAndWait() }
        for _ in events { XCTAssertEqual(answers.arrived.wait(timeout: .now() + 10), .success) }
        XCTAssertEqual(answers.lock.withLock { answers.outcomes.count { if case .appended = $0 { true } else { false } } }, 50)
        XCTAssertEqual(store.head.size, 50)
        XCTAssertEqual(stats.snapshot(extra: [:])["largestBatch"]?.integerValue, 3)
        XCTAssertEqual(stats.snapshot(extra: [:])["commits"]?.integerValue, 17, "50 events in batches of 3")
    }

    /// Appends that arrive while the frame before is being made durable join the batch
    /// waiting for it: one more frame and one more fdatasync for all of them, in order.
    func testAppendsArrivingWhileTheFrameBeforeIsSyncedJoinTheWaitingBatch() throws {
        let store = try temporaryStore()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let answers = Answers()
        func submission(_ id: String) throws -> AppendSubmission {
            let event = try EventEnvelope(value: JSONParser.parse(Array(#"{"id":"\#(id)","type":"interview.held"}"#.utf8)))
            return AppendSubmission(AppendReading(event), principal: "admin/uid:0", eventLoop: group.next(), submittedNanos: 0,
                                    deliver: answers.add)
        }
        // The first frame's fdatasync is held until the test lets it go.
        let held = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        store.appendLog.beforeSync = { held.signal(); release.wait() }
        /// Admits everything; while admitting "b" (the second batch), "c" and "d" arrive.
        final class SubmitsDuringB: EventAdmission, @unchecked Sendable {
            var writer: GroupCommitWriter?
            var later: [AppendSubmission] = []
            func beginBatch() {}
            func admit(_ event: EventEnvelope, decoded: Result<DomainEvent, DomainError>, by principal: String, seq: UInt64) throws -> EventEnvelope {
                if event.id == "b" { XCTAssertTrue(writer!.submit(later)) }
                return event
            }
            func batchEnded(committed: Bool) {}
        }
        let admission = SubmitsDuringB()
        let stats = ServerStats()
        let writer = GroupCommitWriter(store: store, admission: admission, stats: stats, logger: Logger(label: "test")) { _ in }
        admission.writer = writer
        admission.later = [try submission("c"), try submission("d")]
        writer.start()
        defer { writer.stopAndWait() }
        XCTAssertTrue(writer.submit([try submission("a")]))
        XCTAssertEqual(held.wait(timeout: .now() + 10), .success, "the first frame is being made durable")
        XCTAssertTrue(writer.submit([try submission("b")]))
        // The second batch (b, then c and d joining it) waits for the first frame.
        let deadline = Date().addingTimeInterval(10)
        while store.appendLog.framesWaitingForSync == 0 && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(store.appendLog.framesWaitingForSync, 1)
        store.appendLog.beforeSync = nil
        release.signal()
        for _ in 0..<4 { XCTAssertEqual(answers.arrived.wait(timeout: .now() + 10), .success) }
        let seqs = answers.lock.withLock {
            answers.outcomes.compactMap { outcome -> String? in
                if case .appended(let id, let receipt) = outcome { return "\(id)=\(receipt.seq)" } else { return nil }
            }
        }
        XCTAssertEqual(seqs, ["a=1", "b=2", "c=3", "d=4"])
        XCTAssertEqual(stats.snapshot(extra: [:])["commits"]?.integerValue, 2, "c and d joined b's batch")
        XCTAssertEqual(stats.snapshot(extra: [:])["largestBatch"]?.integerValue, 3)
        XCTAssertEqual(store.head.size, 4)
    }

    func testBatchCountTakesAtLeastOneEventAndStopsAtEitherBound() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let queue = try (0..<10).map { index in
            let event = try EventEnvelope(value: JSONParser.parse(Array(#"{"id":"e\#(index)","type":"interview.held"}"#.utf8)))
            return AppendSubmission(AppendReading(event), principal: "admin/uid:0", eventLoop: group.next(), submittedNanos: 0) { _ in }
        }
        let size = queue[0].event.canonical.count
        XCTAssertEqual(GroupCommitWriter.batchCount(queue, maxRecords: 8_192, maxBytes: 1), 1, "one event larger than the bound still goes")
        XCTAssertEqual(GroupCommitWriter.batchCount(queue, maxRecords: 8_192, maxBytes: 4 * size), 4)
        XCTAssertEqual(GroupCommitWriter.batchCount(queue, maxRecords: 8_192, maxBytes: 4 * size - 1), 3)
        XCTAssertEqual(GroupCommitWriter.batchCount(queue, maxRecords: 2, maxBytes: 1 << 30), 2)
        XCTAssertEqual(GroupCommitWriter.batchCount(queue, maxRecords: 8_192, maxBytes: 1 << 30), 10)
        XCTAssertEqual(GroupCommitWriter.batchCount([], maxRecords: 8_192, maxBytes: 1 << 30), 0)
        XCTAssertEqual(GroupCommitWriter.batchCount(queue, maxRecords: 8_192, maxBytes: size - 1, mayBeEmpty: true), 0,
                       "appends joining a batch may find no room")
    }

    func testALogThatCannotBeTakenBackRefusesAppendsAndAsksToStopOnce() throws {
        let store = try temporaryStore()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let writer = GroupCommitWriter(store: store, admission: AdmitAll(), stats: ServerStats(), logger: Logger(label: "test")) { _ in }
        let told = Answers()
        var reasons: [String] = []
        writer.start { reason in
            told.lock.withLock { reasons.append(reason) }
        }
        defer { writer.stopAndWait() }
        let answers = Answers()
        func append(_ id: String) throws {
            let json = #"{"id":"\#(id)","type":"interview.held","unit":"u-1","at":"2024-03-01"}"#
            let event = try EventEnvelope(value: JSONParser.parse(Array(json.utf8)))
            let submission = AppendSubmission(AppendReading(event), principal: "admin/uid:0", eventLoop: group.next(),
                                              submittedNanos: 0, deliver: answers.add)
            XCTAssertTrue(writer.submit([submission]))
            XCTAssertEqual(answers.arrived.wait(timeout: .now() + 10), .success)
        }

        try append("before")
        guard case .appended? = answers.outcomes.last else { return XCTFail("\(answers.outcomes)") }
        XCTAssertTrue(told.lock.withLock { reasons.isEmpty })

        store.appendLog.markBroken("cutting the log back failed: Input/output error")
        try append("after-1")
        try append("after-2")
        for outcome in answers.outcomes.dropFirst() {
            guard case .failed(let error) = outcome else { return XCTFail("\(outcome)") }
            XCTAssertEqual(error.code, .storage)
            XCTAssertTrue(error.message.contains("no appends until a restart"), error.message)
        }
        XCTAssertEqual(told.lock.withLock { reasons }, ["cutting the log back failed: Input/output error"], "told once")
        XCTAssertEqual(store.head.size, 1)
    }

    /// A batch is committed in LMDB before its frame is synced (the syncer's thread does that
    /// while the writer goes on): when the fdatasync fails, its frame is cut off the log
    /// again and its appends are answered `storage`, while a retry of a durable record keeps
    /// its receipt; the head that readers see does not move, the daemon is told once to
    /// stop, a BACKUP of the snapshot holding them is refused, and the next open rebuilds
    /// the index from the log, without them.
    func testAFailedFdatasyncCutsTheBatchOffAndPublishesNothing() throws {
        let directory = NSTemporaryDirectory() + "gongkai-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        // The first store and its writer are stopped and closed within this scope before the
        // ledger is opened again (LMDB may not open one environment twice in a process; the
        // reopen, rebuilding its index, sets the old files aside first).
        do {
            let store = try LedgerStore(directory: directory)
            let published = Answers()
            var heads: [UInt64] = []
            // Record 2 ("unknown") voids record 1 ("durable"), but is never made durable.
            let writer = GroupCommitWriter(store: store, admission: AdmitAll(voids: [1: 2]), stats: ServerStats(),
                                           logger: Logger(label: "test")) { head in
                published.lock.withLock { heads.append(head.size) }
            }
            let told = Answers()
            var reasons: [String] = []
            writer.start { reason in told.lock.withLock { reasons.append(reason) } }
            let answers = Answers()
            func submission(_ id: String) throws -> AppendSubmission {
                let json = #"{"id":"\#(id)","type":"interview.held","unit":"u-1","at":"2024-03-01"}"#
                let event = try EventEnvelope(value: JSONParser.parse(Array(json.utf8)))
                return AppendSubmission(AppendReading(event), principal: "admin/uid:0", eventLoop: group.next(), submittedNanos: 0,
                                        deliver: answers.add)
            }
            /// Submits the ids as one batch; their outcomes, in order.
            func append(_ ids: String...) throws -> [AppendOutcome] {
                let before = answers.lock.withLock { answers.outcomes.count }
                XCTAssertTrue(writer.submit(try ids.map(submission)))
                for _ in ids { XCTAssertEqual(answers.arrived.wait(timeout: .now() + 10), .success) }
                return answers.lock.withLock { Array(answers.outcomes[before...]) }
            }

            guard case .appended = try append("durable").first else { return XCTFail("\(answers.outcomes)") }
            XCTAssertTrue(writer.waitUntilDurable(size: 1))
            store.appendLog.injectedSyncError = EIO
            // A batch of retries alone writes no frame and needs no fdatasync: the injected
            // failure waits for the next batch that does.
            guard case .duplicate = try append("durable").first else { return XCTFail("\(answers.outcomes)") }
            let outcomes = try append("unknown", "durable")
            guard case .failed(let lost) = outcomes.first, case .duplicate(_, let receipt, let voidedBy) = outcomes.last else {
                return XCTFail("\(outcomes)")
            }
            XCTAssertNil(voidedBy, "a void that was not made durable is not told")
            XCTAssertEqual(lost.code, .storage)
            XCTAssertTrue(lost.message.contains("this append is not in the ledger"), lost.message)
            XCTAssertEqual(receipt.seq, 1, "a retry of a durable record keeps its receipt")
            XCTAssertEqual(store.head.size, 2, "LMDB committed the batch before its fdatasync")
            XCTAssertEqual(store.appendLog.lastSeq, 1, "the frame not made durable is cut off the log")
            XCTAssertEqual(published.lock.withLock { heads }, [1], "no head that is not durable is published")
            XCTAssertFalse(writer.waitUntilDurable(size: 2), "record 2 is not durable")
            XCTAssertThrowsError(try store.backup(to: NSTemporaryDirectory() + "gongkai-backup-\(UUID().uuidString)") { copied in
                guard writer.waitUntilDurable(size: copied.size) else { throw StorageError("backup", message: "not durable") }
            })

            guard case .failed(let refused) = try append("later").first else { return XCTFail("\(answers.outcomes)") }
            XCTAssertTrue(refused.message.contains("no appends until a restart"), refused.message)
            // Told by whichever thread found the log broken first, maybe after the answers.
            let deadline = Date().addingTimeInterval(10)
            while told.lock.withLock({ reasons.isEmpty }) && Date() < deadline { usleep(1_000) }
            XCTAssertEqual(told.lock.withLock { reasons.count }, 1, "told once")
            XCTAssertTrue(told.lock.withLock { reasons.first ?? "" }.contains("fdatasync"), told.lock.withLock { reasons.first ?? "" })
            XCTAssertEqual(try IndexMarker.read(directory: directory), .flushFailed, "the next start rebuilds the index from the log")
            writer.stopAndWait()
            try store.close()
        }
        let reopened = try LedgerStore(directory: directory)
        XCTAssertEqual(reopened.head.size, 1)
        XCTAssertNil(try reopened.lookup(id: "unknown"))
        XCTAssertEqual(try reopened.lookup(id: "durable")?.seq, 1)
    }
}
