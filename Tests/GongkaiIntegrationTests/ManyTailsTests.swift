import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Issue 6, overload: 100 TAIL subscribers, half of which never read, while appends go on;
/// the readers get every record in order and the stalled ones cost the daemon no memory
/// that grows with the log.
final class ManyTailsTests: XCTestCase {
    func testAHundredTailsHalfNeverReadingDoNotHoldUpAppendsOrGrowMemory() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let events = 10_000
        var tails: [LineConnection] = []
        for _ in 0..<100 {
            let tail = try daemon.connect()
            try tail.send("TAIL 1")
            tails.append(tail)
        }
        let before = try XCTUnwrap(daemon.residentBytes)

        // Fifty read everything as it comes; fifty never read at all.
        let readers = DispatchGroup()
        let counts = NSLock()
        var inOrder = Array(repeating: 0, count: 50)
        for (index, tail) in tails.prefix(50).enumerated() {
            readers.enter()
            Thread {
                defer { readers.leave() }
                var expected = 1
                while expected <= events, let line = try? tail.readLineBytes() {
                    guard line.starts(with: Array("EVENT ".utf8)),
                          let record = try? JSONParser.parse(Array(line.dropFirst(6))),
                          record["seq"]?.integerValue == Int64(expected) else { break }
                    expected += 1
                }
                counts.withLock { inOrder[index] = expected - 1 }
            }.start()
        }

        // Appends at full speed from four pipelining writers.
        let writers = DispatchGroup()
        let failures = NSLock()
        var notOK = 0
        for writer in 0..<4 {
            writers.enter()
            Thread {
                defer { writers.leave() }
                guard let connection = try? daemon.connect() else { failures.withLock { notOK += events / 4 }; return }
                let lines = (0..<events / 4).map { "APPEND " + LedgerFixtures.event(id: "tails-\(writer)-\($0)", title: String(repeating: "公开", count: 100)) }
                let answers = (try? LedgerFixtures.pipeline(connection, lines)) ?? []
                let bad = lines.count - answers.filter { $0.hasPrefix("OK ") }.count
                failures.withLock { notOK += bad }
            }.start()
        }
        XCTAssertEqual(writers.wait(timeout: .now() + 300), .success, "appends were held up")
        XCTAssertEqual(failures.withLock { notOK }, 0)
        XCTAssertEqual(readers.wait(timeout: .now() + 120), .success, "a reading TAIL fell behind for good")
        XCTAssertEqual(counts.withLock { inOrder }, Array(repeating: events, count: 50), "every reader got every record, in order")

        // 50 stalled streams each holding the whole log (≈ 7 MB) would be ~350 MB; a bounded
        // stream holds a chunk and the socket's buffers.
        let after = try XCTUnwrap(daemon.residentBytes)
        XCTAssertLessThan(after - min(after, before), 128 << 20, "resident memory grew by \((after - before) >> 20) MiB")
        let stats = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("STATS"))
        XCTAssertGreaterThanOrEqual(stats["connections"]!["open"]!.integerValue!, 100, "the stalled tails are still open")
        tails.forEach { $0.close() }
    }
}
