import Foundation
import GongkaiClient
import XCTest

/// Reads run on the event loop that also serves other connections: a client that pipelines
/// heavy as-of queries gets its answers in slices of the loop's time, and a PING from
/// another connection is answered in between, not after the whole pipeline (an adversarial
/// test held a PING for 22 s).
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

        let attacker = try daemon.connect()
        attacker.setReadTimeout(seconds: 120)
        let queries = 150
        var dice = SystemRandomNumberGenerator()
        let pipeline = (0..<queries).map { _ in
            "BULLETIN 2023-\(String(format: "%02d", Int.random(in: 1...12, using: &dice))) known=\(Int.random(in: 1_000...events.count, using: &dice))\n"
        }
        let started = Date()
        try attacker.sendRaw(Array(pipeline.joined().utf8))
        let finished = DispatchSemaphore(value: 0)
        Thread {
            for _ in 0..<queries { _ = try? attacker.readLine() }
            finished.signal()
        }.start()
        usleep(100_000)
        // Connections are spread over the event loops in turn: among four, some share the
        // attacker's.
        var slowest: TimeInterval = 0
        for _ in 0..<4 {
            let probe = try daemon.connect()
            let asked = Date()
            XCTAssertEqual(try probe.readLineAfter("PING"), #"OK {"pong":true}"#)
            slowest = max(slowest, Date().timeIntervalSince(asked))
        }
        finished.wait()
        let total = Date().timeIntervalSince(started)
        try XCTSkipIf(total < 1, "the queries took \(total) s in all: too light to tell")
        XCTAssertLessThan(slowest, total / 4, "a PING waited \(slowest) s while the pipeline took \(total) s")
    }
}
