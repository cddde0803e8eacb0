import Foundation
import GongkaiClient
import XCTest

/// `gongkai-bench append`, the load generator behind BENCHMARKS.md, against the real daemon
/// and against a scripted peer: every append is counted once — answered OK, refused under its
/// error code, or never answered under `connection` or `timeout` — and any failure makes the
/// exit status non-zero, so a benchmark never reports a rate for appends that did not happen.
final class LoadGeneratorTests: XCTestCase {
    private var bench: String {
        URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai-bench").path
    }

    private func json(_ output: String) throws -> [String: Any] {
        let line = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("{") }, output)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    private func headSize(_ daemon: DaemonProcess) throws -> Int {
        guard case .ok(let head) = try daemon.connect().request("HEAD") else { throw TestFailure("HEAD failed") }
        let value = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(head.utf8)) as? [String: Any])
        return try XCTUnwrap(value["size"] as? Int)
    }

    func testEveryAppendIsSentOnceAndAnsweredOK() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let seeded = try headSize(daemon)  // a new ledger starts with the seed's records
        let run = try ToolProcess.run(bench, ["append", "--socket", daemon.socketPath, "--connections", "3", "--depth", "4",
                                              "--events", "50", "--json"])
        XCTAssertEqual(run.status, 0, run.output)
        let result = try json(run.output)
        XCTAssertEqual(result["errors"] as? Int, 0)
        XCTAssertEqual(result["events"] as? Int, 50)
        XCTAssertGreaterThan(result["appendsPerSecond"] as? Double ?? 0, 0)
        XCTAssertEqual(try headSize(daemon), seeded + 50, "each event appended once, none twice")
    }

    func testRefusedEventsAreCountedByCodeAndFailTheRun() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let seeded = try headSize(daemon)
        let good = (1...6).map { #"{"id":"g\#($0)","type":"publication.recorded","unit":"czj","at":"2023-05-06","obligation":"T01","title":"t"}"# }
        let bad = (1...2).map { #"{"id":"b\#($0)","type":"publication.recorded","unit":"no-such-unit","at":"2023-05-06","obligation":"T01","title":"t"}"# }
        let file = daemon.stateDirectory + "/events.ndjson"
        try (good + bad).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let run = try ToolProcess.run(bench, ["append", "--socket", daemon.socketPath, "--events-file", file, "--events", "8",
                                              "--connections", "2", "--depth", "3", "--json"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertEqual(try json(run.output)["errors"] as? Int, 2)
        XCTAssertTrue(run.output.contains("errors by code: invalid-event=2"), run.output)
        XCTAssertEqual(try headSize(daemon), seeded + 6)
    }

    /// The peer answers four of the first requests (one refusal among them) and hangs up: the
    /// other six count as failed, under `connection`.
    func testAppendsNeverAnsweredCountAsFailed() throws {
        let (path, done) = try ScriptedPeer.start { client in
            _ = ScriptedPeer.readLines(4, from: client)
            ScriptedPeer.send(Array("OK {}\nOK {}\nERR storage the disk is full\nOK {}\n".utf8), to: client)
        }
        let run = try ToolProcess.run(bench, ["append", "--socket", path, "--connections", "1", "--depth", "8",
                                              "--events", "10", "--json"])
        done.wait()
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertEqual(try json(run.output)["errors"] as? Int, 7)
        XCTAssertTrue(run.output.contains("errors by code: connection=6 storage=1"), run.output)
        XCTAssertTrue(run.output.contains("error: connection 0:"), run.output)
    }

    /// A peer that takes requests and never answers: the run ends after the read timeout.
    func testAPeerThatNeverAnswersTimesOut() throws {
        let (path, done) = try ScriptedPeer.start { client in
            _ = ScriptedPeer.readLines(.max, from: client)  // until the generator hangs up
        }
        let run = try ToolProcess.run(bench, ["append", "--socket", path, "--connections", "1", "--depth", "4",
                                              "--events", "5", "--timeout", "1"])
        done.wait()
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.output.contains("errors by code: timeout=5"), run.output)
    }

    /// An answer with no request waiting for it is an error, not a free OK.
    func testAnAnswerNobodyAskedForIsAnError() throws {
        let (path, done) = try ScriptedPeer.start { client in
            _ = ScriptedPeer.readLines(1, from: client)
            ScriptedPeer.send(Array("OK {}\nOK {}\n".utf8), to: client)
            _ = ScriptedPeer.readLines(.max, from: client)
        }
        let run = try ToolProcess.run(bench, ["append", "--socket", path, "--connections", "1", "--depth", "1",
                                              "--events", "1"])
        done.wait()
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.output.contains("errors by code: unexpected-answer=1"), run.output)
    }

    func testNoDaemonExitsWithTwo() throws {
        let missing = DaemonProcess.temporaryDirectory("gongkai-nodaemon") + "/none.sock"
        let run = try ToolProcess.run(bench, ["append", "--socket", missing, "--events", "1"])
        XCTAssertEqual(run.status, 2, run.output)
        XCTAssertTrue(run.output.contains("error: cannot connect to \(missing)"), run.output)
    }
}
