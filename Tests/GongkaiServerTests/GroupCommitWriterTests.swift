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
    /// Admits every event as it is.
    private final class AdmitAll: EventAdmission {
        func beginBatch() {}
        func admit(_ event: EventEnvelope, decoded: Result<DomainEvent, DomainError>, by principal: String, seq: UInt64) throws -> EventEnvelope { event }
        func batchEnded(committed: Bool) {}
    }

    private final class Answers: @unchecked Sendable {
        let lock = NSLock()
        var outcomes: [AppendOutcome] = []
        let arrived = DispatchSemaphore(value: 0)
        func add(_ outcome: AppendOutcome) {
            lock.withLock { outcomes.append(outcome) }
            arrived.signal()
        }
    }

    func testALogThatCannotBeTakenBackRefusesAppendsAndAsksToStopOnce() throws {
        let directory = NSTemporaryDirectory() + "gongkai-writer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try LedgerStore(directory: directory)
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
            let submission = AppendSubmission(event: event, principal: "admin/uid:0", eventLoop: group.next(),
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
}
