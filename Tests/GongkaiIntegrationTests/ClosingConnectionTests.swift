import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// A connection that closes (the client half-closed, or the daemon is stopping) still hands
/// over every answer it owes, whole, even when the client takes them late: more answers than
/// the socket's kernel buffer holds are waiting in the daemon when the close is decided.
final class ClosingConnectionTests: XCTestCase {
    /// About 190 bytes each: 3,000 answers are far more than a Unix socket buffers (~210 KB).
    private static let appends = 3_000

    private var daemon: DaemonProcess!
    /// Records the daemon writes itself at its first start (the catalog's adoption).
    private var base: Int64 = 0

    override func setUpWithError() throws {
        daemon = DaemonProcess()
        try daemon.start()
        base = try head()
    }

    override func tearDown() {
        daemon.stop()
        daemon.removeFiles()
    }

    func testHalfClosedClientGetsEveryAnswerWhole() throws {
        let connection = try daemon.connect()
        let sent = sendInBackground(connection, idPrefix: "hc") { connection.shutdownWrite() }
        // Take nothing for a while: the daemon's answers fill the socket and pile up in it.
        usleep(1_000_000)
        try assertAnswers(connection, idPrefix: "hc", count: Self.appends)
        XCTAssertNil(try connection.readLine(), "closed after the last answer")
        XCTAssertEqual(sent.wait(timeout: .now() + 10), .success)
    }

    func testStoppingDaemonHandsOverAnswersNotYetTaken() throws {
        let connection = try daemon.connect()
        let sent = sendInBackground(connection, idPrefix: "st") {}
        usleep(1_000_000)
        let process = try XCTUnwrap(daemon.process)
        kill(process.processIdentifier, SIGTERM)
        usleep(300_000)  // the daemon is stopping; its shutdown grace (5 s) has not run out
        var answers: [String] = []
        while let line = try connection.readLine() { answers.append(line) }
        XCTAssertEqual(daemon.stop(), 0, daemon.log)
        _ = sent.wait(timeout: .now() + 10)  // a send into a closed socket fails at once

        // The daemon stops reading at SIGTERM; every request it read has a whole answer.
        let ok = answers.prefix { $0.hasPrefix("OK ") }
        XCTAssertGreaterThan(ok.count, 0)
        XCTAssertTrue(answers.dropFirst(ok.count).allSatisfy { $0.hasPrefix("ERR unavailable ") }, answers.last ?? "")
        for (index, line) in ok.enumerated() {
            XCTAssertTrue(line.hasPrefix(#"OK {"id":"st-\#(index)","#) && line.hasSuffix("}"), line)
        }
        try daemon.start()
        XCTAssertEqual(try head(), base + Int64(ok.count), "every acknowledged append is in the log, and nothing else: \(answers.count) answers, last \(answers.suffix(3))")
    }

    func testClientThatNeverTakesItsLastAnswersIsCutOffAfterTheGrace() throws {
        let connection = try daemon.connect()
        // 1,300 requests fit in the socket on their way in, so the daemon reads them all and sees
        // the half-close; their answers (~247 KB) are more than the socket takes on the way out.
        let sent = sendInBackground(connection, idPrefix: "nr", count: 1_300) { connection.shutdownWrite() }
        XCTAssertEqual(sent.wait(timeout: .now() + 30), .success)
        try waitForSize(1_300)
        usleep(1_000_000)
        XCTAssertEqual(try openConnections(), 2, "the connection waits for its client to take the answers")
        let deadline = Date().addingTimeInterval(15)
        var open = 2
        while Date() < deadline {
            open = try openConnections()
            if open == 1 { break }  // only the connection asking
            usleep(250_000)
        }
        XCTAssertEqual(open, 1, "a client that never takes its last answers is cut off after the grace (5 s)")
        withExtendedLifetime(connection) {}
    }

    // MARK: Helpers

    /// Sends the appends from another thread (the daemon stops reading while its answers wait),
    /// then runs `after`.
    private func sendInBackground(_ connection: LineConnection, idPrefix: String, count: Int = appends, after: @escaping () -> Void) -> DispatchSemaphore {
        let lines = (0..<count).map { "APPEND " + LedgerFixtures.event(id: "\(idPrefix)-\($0)") + "\n" }
        let done = DispatchSemaphore(value: 0)
        Thread {
            try? connection.sendRaw(Array(lines.joined().utf8))
            after()
            done.signal()
        }.start()
        return done
    }

    private func waitForSize(_ size: Int) throws {
        let check = try daemon.connect()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try head(check) == base + Int64(size) { return }
            usleep(20_000)
        }
        XCTFail("the appends were not all committed: \(try check.readLineAfter("HEAD"))")
    }

    private func head(_ connection: LineConnection? = nil) throws -> Int64 {
        let answer = try (connection ?? daemon.connect()).readLineAfter("HEAD")
        return try XCTUnwrap(try LedgerFixtures.okJSON(answer)["size"]?.integerValue)
    }

    private func openConnections() throws -> Int {
        let stats = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("STATS"))
        return Int(try XCTUnwrap(stats["connections"]?.objectValue?["open"]?.integerValue))
    }

    private func assertAnswers(_ connection: LineConnection, idPrefix: String, count: Int) throws {
        for index in 0..<count {
            let line = try XCTUnwrap(try connection.readLine(), "answer \(index) missing")
            XCTAssertTrue(line.hasPrefix(#"OK {"id":"\#(idPrefix)-\#(index)","#), line)
            XCTAssertTrue(line.hasSuffix("}"), "answer \(index) is whole: \(line)")
            if !line.hasPrefix("OK ") { return }
        }
    }
}
