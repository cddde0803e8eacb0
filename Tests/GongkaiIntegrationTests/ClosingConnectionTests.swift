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
    /// Set by a background sender whose send failed.
    private var sendError: Error?

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
        XCTAssertNil(sendError)
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

    func testClientThatNeverTakesItsLastAnswersIsCutOffAfterTheIdleTimeout() throws {
        let connection = try halfClosedWithAnswersLeftInNIO(idleTimeout: 2, idPrefix: "nr").connection
        XCTAssertEqual(try openConnectionsOnceOnlyTheAskingOneIsLeft(within: 15), 1, "a client that never takes its last answers is cut off")
        withExtendedLifetime(connection) {}
    }

    /// A client that reads slowly, longer than the idle timeout, is not cut off: it makes
    /// progress, and gets every answer whole.
    func testSlowReaderKeepsItsConnectionWhileItTakesAnswers() throws {
        let (connection, count) = try halfClosedWithAnswersLeftInNIO(idleTimeout: 1, idPrefix: "sl")
        let started = Date()
        try assertAnswers(connection, idPrefix: "sl", count: count, pauseMicroseconds: 2_000)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 2, "the reading outlasted the idle timeout")
        XCTAssertNil(try connection.readLine(), "closed after the last answer")
    }

    /// While the client leaves answers unread the daemon stops reading, usually in the middle
    /// of a request line. That half line is the daemon's doing: the line timeout must not
    /// answer it `ERR bad-request ... closing`.
    func testHeldBackReadingIsNotAStalledLine() throws {
        try restart(arguments: ["--line-timeout", "1", "--idle-timeout", "10"])
        let connection = try daemon.connect()
        let sent = sendInBackground(connection, idPrefix: "hb", count: 6_000) {}
        usleep(3_000_000)  // three line timeouts with the daemon holding back
        try assertAnswers(connection, idPrefix: "hb", count: 6_000)
        XCTAssertEqual(sent.wait(timeout: .now() + 30), .success)
        XCTAssertNil(sendError)
        XCTAssertEqual(try connection.readLineAfter("PING"), #"OK {"pong":true}"#, "the connection is still served")
    }

    /// A client that pipelines and then takes none of its answers (without closing anything)
    /// is cut off once it has taken nothing for the idle timeout.
    func testClientThatStopsTakingAnswersIsCutOffAfterTheIdleTimeout() throws {
        try restart(arguments: ["--line-timeout", "1", "--idle-timeout", "2"])
        let connection = try daemon.connect()
        _ = sendInBackground(connection, idPrefix: "st", count: 6_000) {}
        // Accepted is not yet counted: the asking connection, perhaps on another event loop,
        // can be answered before this one is registered. Counted first, then cut off.
        let deadline = Date().addingTimeInterval(10)
        while try openConnections() < 2 && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(try openConnectionsOnceOnlyTheAskingOneIsLeft(within: 20), 1, "a client that takes no answers is cut off")
        let stats = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("STATS"))
        XCTAssertGreaterThanOrEqual(stats["connections"]?.objectValue?["timedOut"]?.integerValue ?? 0, 1)
        withExtendedLifetime(connection) {}
    }

    /// `gongkai append` stopped by the daemon's shutdown part-way through a file reports as
    /// appended exactly the events the ledger holds: the answers to what the daemon read
    /// before it hung up are read even after a send failed. (A window far above the daemon's
    /// 1,024 in flight per connection keeps the client blocked in the middle of a send.)
    func testAppendCommandCountsEveryCommittedEventWhenTheDaemonStops() throws {
        let file = daemon.stateDirectory + "/events.ndjson"
        let events = (0..<40_000).map { LedgerFixtures.event(id: "cli-\($0)") }.joined(separator: "\n") + "\n"
        try events.write(toFile: file, atomically: true, encoding: .utf8)
        let client = URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
        final class Result: @unchecked Sendable { var output: String? }  // written before `finished`
        let result = Result()
        let finished = DispatchSemaphore(value: 0)
        Thread { [socket = daemon.socketPath] in
            result.output = try? ToolProcess.run(client, ["append", "--file", file, "--socket", socket, "--json", "--window", "8192"]).output
            finished.signal()
        }.start()
        let deadline = Date().addingTimeInterval(30)
        while try head() < base + 2_000, Date() < deadline { usleep(10_000) }
        XCTAssertEqual(daemon.stop(), 0, daemon.log)
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success)
        let output = try XCTUnwrap(result.output)
        let summary = try XCTUnwrap(output.split(separator: "\n").last { $0.hasPrefix("appended ") }, output.suffix(500).description)
        let appended = try XCTUnwrap(Int(summary.dropFirst("appended ".count).prefix { $0.isNumber }))
        try daemon.start()
        let size = try head()
        XCTAssertLessThan(size, base + 40_000, "the daemon stopped part-way")
        XCTAssertEqual(Int64(appended), size - base, "\(summary)")
    }

    // MARK: Helpers

    /// Sends the appends from another thread (the daemon stops reading while its answers wait),
    /// then runs `after`.
    private func sendInBackground(_ connection: LineConnection, idPrefix: String, count: Int = appends, after: @escaping () -> Void) -> DispatchSemaphore {
        let lines = (0..<count).map { "APPEND " + LedgerFixtures.event(id: "\(idPrefix)-\($0)") + "\n" }
        let done = DispatchSemaphore(value: 0)
        Thread { [self] in
            do {
                try connection.sendRaw(Array(lines.joined().utf8))
            } catch {
                sendError = error
            }
            after()
            done.signal()
        }.start()
        return done
    }

    /// A daemon with `idleTimeout` and a connection that sent its appends, half-closed and
    /// read nothing yet, all of them committed: it waits to close with answers left in NIO.
    private func halfClosedWithAnswersLeftInNIO(idleTimeout: Int, idPrefix: String) throws -> (connection: LineConnection, count: Int) {
        try restart(arguments: ["--idle-timeout", String(idleTimeout)])
        let connection = try daemon.connect()
        let count = Self.appendsOverflowingTheSocket()
        let sent = sendInBackground(connection, idPrefix: idPrefix, count: count) { connection.shutdownWrite() }
        XCTAssertEqual(sent.wait(timeout: .now() + 30), .success)
        XCTAssertNil(sendError)
        try waitForSize(count)
        return (connection, count)
    }

    /// Appends whose answers are more than the socket holds (about 1.09 × wmem_default here)
    /// by ~32 KB, less than NIO's 64 KB high-water mark: the daemon reads them all and the
    /// half-close while still writable, so it decides to close with answers left in NIO.
    /// Their requests (~140 bytes each) fit in the socket on the way in.
    private static func appendsOverflowingTheSocket() -> Int {
        let wmem = (try? String(contentsOfFile: "/proc/sys/net/core/wmem_default", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 212_992
        return (wmem * 109 / 100 + 32 << 10) / 190
    }

    private func restart(arguments: [String]) throws {
        daemon.stop()
        daemon.removeFiles()
        daemon = DaemonProcess(arguments: arguments)
        try daemon.start()
        base = try head()
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

    /// Polls STATS until only the connection asking is open, or `seconds` have passed; the
    /// last count seen.
    private func openConnectionsOnceOnlyTheAskingOneIsLeft(within seconds: Double) throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var open = try openConnections()
        while open > 1 && Date() < deadline {
            usleep(250_000)
            open = try openConnections()
        }
        return open
    }

    private func openConnections() throws -> Int {
        let stats = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("STATS"))
        return Int(try XCTUnwrap(stats["connections"]?.objectValue?["open"]?.integerValue))
    }

    private func assertAnswers(_ connection: LineConnection, idPrefix: String, count: Int, pauseMicroseconds: UInt32 = 0) throws {
        for index in 0..<count {
            if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
            let line = try XCTUnwrap(try connection.readLine(), "answer \(index) missing")
            XCTAssertTrue(line.hasPrefix(#"OK {"id":"\#(idPrefix)-\#(index)","#), line)
            XCTAssertTrue(line.hasSuffix("}"), "answer \(index) is whole: \(line)")
            if !line.hasPrefix("OK ") { return }
        }
    }
}
