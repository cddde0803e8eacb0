import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// TAIL streams and stopping the daemon while clients are connected.
final class TailAndShutdownTests: XCTestCase {
    func testTailSendsHistoryThenLiveRecordsThenEndsAtShutdown() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        let writer = try daemon.connect()
        let base = try LedgerFixtures.okJSON(try writer.readLineAfter("HEAD"))["size"]!.integerValue!
        _ = try LedgerFixtures.pipeline(writer, (0..<3).map { "APPEND " + LedgerFixtures.event(id: "hist-\($0)") })

        let tail = try daemon.connect()
        try tail.send("TAIL \(base + 1)")
        var seen: [[UInt8]] = []
        for _ in 0..<3 { seen.append(try XCTUnwrap(tail.readLineBytes())) }

        // Live: records appended after the TAIL began arrive once durable.
        let live = try LedgerFixtures.pipeline(writer, (0..<5).map { "APPEND " + LedgerFixtures.event(id: "live-\($0)") })
        XCTAssertTrue(live.allSatisfy { $0.hasPrefix("OK ") })
        for _ in 0..<5 { seen.append(try XCTUnwrap(tail.readLineBytes())) }
        let records = try LedgerFixtures.readAll(writer).dropFirst(Int(base))
        XCTAssertEqual(seen, records.map { Array("EVENT ".utf8) + $0 }, "TAIL gives the same bytes as READ, in seq order")

        // A reader that never reads must not stop appends.
        let stalled = try daemon.connect()
        try stalled.send("TAIL 1")
        let more = try LedgerFixtures.pipeline(writer, (0..<2_000).map { "APPEND " + LedgerFixtures.event(id: "more-\($0)") })
        XCTAssertTrue(more.allSatisfy { $0.hasPrefix("OK ") })

        // The live reader keeps reading while the daemon stops and gets the END line; the
        // stalled one is closed after the grace period.
        var last = ""
        let drained = DispatchSemaphore(value: 0)
        Thread {
            while let line = try? tail.readLine() { last = line }
            drained.signal()
        }.start()
        XCTAssertEqual(daemon.stop(), 0)
        XCTAssertEqual(drained.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(last, #"END {"reason":"shutdown"}"#)
    }

    func testShutdownAnswersInFlightAppendsAndExitsZero() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        let idle = try daemon.connect()  // a connected client that sends nothing
        let busy = try daemon.connect()
        let count = 20_000
        var answers: [String] = []
        let reader = Thread {
            while let line = try? busy.readLine() { answers.append(line) }
        }
        let lines = (0..<count).map { "APPEND " + LedgerFixtures.event(id: "sd-\($0)") }
        let done = DispatchSemaphore(value: 0)
        Thread {
            for chunk in stride(from: 0, to: count, by: 500) {
                try? busy.sendRaw(Array(lines[chunk..<min(chunk + 500, count)].joined(separator: "\n").utf8) + [0x0A])
            }
            done.signal()
        }.start()
        let finished = DispatchSemaphore(value: 0)
        Thread { reader.main(); finished.signal() }.start()
        usleep(200_000)
        XCTAssertEqual(daemon.stop(), 0, daemon.log)
        XCTAssertEqual(finished.wait(timeout: .now() + 30), .success, "the daemon closed the connection")
        XCTAssertNil(try idle.readLine(), "idle clients are disconnected")
        _ = done.wait(timeout: .now() + 5)

        // Every append that got OK is in the log after a restart; the others said why not.
        try daemon.start()
        let records = try LedgerFixtures.readAll(try daemon.connect())
        let ok = answers.filter { $0.hasPrefix("OK ") }
        XCTAssertGreaterThan(ok.count, 0)
        XCTAssertTrue(answers.allSatisfy { $0.hasPrefix("OK ") || $0.hasPrefix("ERR unavailable") }, answers.first { !$0.hasPrefix("OK") } ?? "")
        for answer in ok {
            let json = try LedgerFixtures.okJSON(answer)
            let seq = Int(json["seq"]!.integerValue!)
            XCTAssertEqual(LedgerFixtures.leafHex(records[seq - 1]), json["leaf"]?.stringValue)
        }
        XCTAssertEqual(daemon.stop(), 0)
    }
}
