import Foundation
import GongkaiClient
import XCTest

/// Queries, record reads and proofs are answered off the event loops, each connection's one
/// at a time: clients that pipeline heavy as-of queries do not hold up a PING from another
/// connection (an adversarial test held one for 22 s, and, with reads sliced on the loop,
/// for 11 s behind two pipelines sharing a loop).
final class ReadFairnessTests: XCTestCase {
    func testAPipelineOfHeavyQueriesDoesNotHoldOtherConnectionsUp() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        // Five simulated years: each as-of BULLETIN below folds its month from every fact.
        let simulated = try SimulateTests.run(["simulate", "--seed", "3", "--seeds", "5"], timeout: 120)
        let events = String(decoding: simulated.stdout, as: UTF8.self).split(separator: "\n").map { "APPEND " + $0 }
        let appended = try LedgerFixtures.pipeline(try daemon.connect(), events)
        XCTAssertEqual(appended.filter { $0.hasPrefix("OK ") }.count, events.count)

        // The daemon runs an event loop per core but one (at least one) and hands connections
        // to them in turn: two pipelines per core put at least two on every loop (two on one
        // loop starved it of I/O when reads were sliced on it), then a probe on every loop.
        let loops = ProcessInfo.processInfo.activeProcessorCount  // at least the daemon's loops
        let attackers = try (0..<(2 * loops)).map { _ in try daemon.connect() }
        let queries = 40
        var dice = SystemRandomNumberGenerator()
        let started = Date()
        let finished = DispatchGroup()
        for attacker in attackers {
            attacker.setReadTimeout(seconds: 120)
            let pipeline = (0..<queries).map { _ in
                "BULLETIN 2023-\(String(format: "%02d", Int.random(in: 1...12, using: &dice))) known=\(Int.random(in: 1_000...events.count, using: &dice))\n"
            }
            try attacker.sendRaw(Array(pipeline.joined().utf8))
            finished.enter()
            Thread {
                for _ in 0..<queries { _ = try? attacker.readLine() }
                finished.leave()
            }.start()
        }
        usleep(100_000)
        var slowest: TimeInterval = 0
        for _ in 0..<loops {
            let probe = try daemon.connect()
            let asked = Date()
            XCTAssertEqual(try probe.readLineAfter("PING"), #"OK {"pong":true}"#)
            slowest = max(slowest, Date().timeIntervalSince(asked))
        }
        finished.wait()
        let total = Date().timeIntervalSince(started)
        try XCTSkipIf(total < 1, "the queries took \(total) s in all: too light to tell")
        XCTAssertLessThan(slowest, total / 4, "a PING waited \(slowest) s while the pipelines took \(total) s")
    }
}
