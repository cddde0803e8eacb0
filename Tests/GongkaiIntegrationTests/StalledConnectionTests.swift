import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Issue 6, overload: connections that send half a line, send nothing, or never read their
/// answers do not hold the daemon's resources forever.
final class StalledConnectionTests: XCTestCase {
    func testAHalfLineTrickledByteByByteIsAnsweredAndClosed() throws {
        let daemon = DaemonProcess(arguments: ["--line-timeout", "1", "--idle-timeout", "60"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        connection.setReadTimeout(seconds: 20)
        try connection.sendRaw(Array(#"APPEND {"id":"#.utf8))
        // One more byte every 100 ms: progress on the same line must not extend its deadline.
        let trickle = Thread {
            for _ in 0..<100 {
                usleep(100_000)
                if (try? connection.sendRaw([UInt8(ascii: "x")])) == nil { return }
            }
        }
        let started = Date()
        trickle.start()
        XCTAssertEqual(try connection.readLine(), "ERR bad-request line not finished within 1 s; closing")
        XCTAssertNil(try connection.readLine(), "the connection is closed after the answer")
        // Well before the 10 s the trickle would have taken.
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)

        let other = try daemon.connect()
        let stats = try LedgerFixtures.okJSON(try other.readLineAfter("STATS"))
        XCTAssertEqual(stats["connections"]!["timedOut"]!.integerValue, 1)
        XCTAssertEqual(stats["connections"]!["open"]!.integerValue, 1)
    }

    func testFinishedLinesKeepAConnectionAliveAndAnIdleOneIsClosedSilently() throws {
        let daemon = DaemonProcess(arguments: ["--line-timeout", "1", "--idle-timeout", "2"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let busy = try daemon.connect()
        let idle = try daemon.connect()
        idle.setReadTimeout(seconds: 20)
        // A whole request every half second for 3 s: longer than both timeouts, never stalled.
        for _ in 0..<6 {
            XCTAssertEqual(try busy.readLineAfter("PING"), #"OK {"pong":true}"#)
            usleep(500_000)
        }
        XCTAssertNil(try idle.readLine(), "an idle connection is closed without an answer it did not ask for")
        XCTAssertEqual(try busy.readLineAfter("PING"), #"OK {"pong":true}"#)
    }

    func testATailOutlivesTheIdleTimeout() throws {
        let daemon = DaemonProcess(arguments: ["--idle-timeout", "1"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let tail = try daemon.connect()
        tail.setReadTimeout(seconds: 20)
        try tail.send("TAIL 1")
        sleep(3)
        let writer = try daemon.connect()
        XCTAssertTrue(try writer.readLineAfter("APPEND " + LedgerFixtures.event(id: "after-idle")).hasPrefix("OK "))
        // The seed records come first, then the new one.
        var seen: [String] = []
        while let line = try tail.readLine(), seen.count < 20 {
            XCTAssertTrue(line.hasPrefix("EVENT "), line)
            seen.append(line)
            if line.contains(#""id":"after-idle""#) { break }
        }
        XCTAssertTrue(seen.last?.contains(#""id":"after-idle""#) ?? false, "the TAIL was still open after the idle timeout")
    }

    func testAClientThatNeverReadsItsAnswersIsNotBufferedWithoutBound() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let before = try XCTUnwrap(daemon.residentBytes)
        // 20,000 CATALOG requests fit in the socket's buffers (200 KB); their answers (each the
        // whole catalog) would be hundreds of megabytes if the daemon kept reading and queueing.
        let greedy = try daemon.connect()
        let requests = Array(String(repeating: "CATALOG\n", count: 20_000).utf8)
        let sender = Thread { try? greedy.sendRaw(requests) }
        sender.start()
        sleep(3)
        let after = try XCTUnwrap(daemon.residentBytes)
        XCTAssertLessThan(after - min(after, before), 64 << 20, "the daemon stopped reading instead of queueing answers")
        // Everyone else is still served.
        XCTAssertEqual(try daemon.connect().readLineAfter("PING"), #"OK {"pong":true}"#)
        greedy.shutdownBoth()
    }

    /// The clock of a client that takes no answers starts when the daemon begins to wait on
    /// it, so the cut-off comes one idle timeout later (it once took two, or waited for the
    /// 30 s line timeout when the last read ended mid-line).
    func testAClientTakingNoAnswersIsCutOffAboutOneIdleTimeoutAfterItStopped() throws {
        let daemon = DaemonProcess(arguments: ["--idle-timeout", "3"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let greedy = try daemon.connect()
        // Far more answers than the socket holds; the last request is left half sent.
        let requests = Array((String(repeating: "HELP\n", count: 20_000) + "PI").utf8)
        let started = Date()
        let sender = Thread { try? greedy.sendRaw(requests) }
        sender.start()
        let observer = try daemon.connect()
        var cutAfter: TimeInterval?
        while cutAfter == nil, Date().timeIntervalSince(started) < 20 {
            let stats = try LedgerFixtures.okJSON(try observer.readLineAfter("STATS"))
            if stats["connections"]?["timedOut"]?.integerValue == 1 { cutAfter = Date().timeIntervalSince(started) }
            usleep(100_000)
        }
        let seconds = try XCTUnwrap(cutAfter, "cut off within 20 s")
        XCTAssertGreaterThanOrEqual(seconds, 3, "not before the idle timeout")
        XCTAssertLessThan(seconds, 5.5, "about one idle timeout after the daemon began to wait, not two")
        greedy.shutdownBoth()
    }

    /// With `--line-timeout 0` a half line is held to the idle timeout: one byte must not
    /// keep a connection (and its slot) open for good.
    func testWithNoLineTimeoutAHalfLineIsHeldToTheIdleTimeout() throws {
        let daemon = DaemonProcess(arguments: ["--line-timeout", "0", "--idle-timeout", "1"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        connection.setReadTimeout(seconds: 20)
        try connection.sendRaw(Array("PING\nPI".utf8))
        XCTAssertEqual(try connection.readLine(), #"OK {"pong":true}"#)
        XCTAssertEqual(try connection.readLine(), "ERR bad-request line not finished within 1 s; closing")
        XCTAssertNil(try connection.readLine())
    }

    /// One READ answer is held whole until its client takes it: it stops after the record
    /// that takes it past 256 KiB, and paging on from `next` still gives every record once.
    func testAReadAnswerIsBoundedAndPagesOnFromNext() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        let note = String(repeating: "公", count: 4_000)  // 12 KB of UTF-8
        let events = (0..<100).map { index in
            "APPEND " + #"{"id":"big-\#(index)","type":"publication.recorded","unit":"czj","at":"2023-05-06","obligation":"T01","title":"大","note":"\#(note)"}"#
        }
        XCTAssertTrue(try LedgerFixtures.pipeline(connection, events).allSatisfy { $0.hasPrefix("OK ") })
        let size = try XCTUnwrap(LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]?.integerValue)
        var from: Int64 = 1
        var pages = 0
        var seqs: [Int64] = []
        while from <= size {
            var bytes = 0
            var largest = 0
            let end = try connection.stream("READ \(from) 10000") { record in
                bytes += record.count + 7
                largest = max(largest, record.count + 7)
                let seq = try LedgerFixtures.okJSON("OK " + String(decoding: record, as: UTF8.self))["seq"]?.integerValue
                seqs.append(seq ?? 0)
            }
            guard case .end(let json) = end, let next = try JSONParser.parse(json)["next"]?.integerValue else {
                throw TestFailure("READ ended with \(end)")
            }
            XCTAssertLessThan(bytes - largest, 256 << 10, "the answer ends after the record that takes it past 256 KiB")
            XCTAssertGreaterThan(next, from)
            from = next
            pages += 1
        }
        XCTAssertEqual(seqs, Array(1...size), "every record once, in order")
        XCTAssertGreaterThanOrEqual(pages, 5, "1.2 MB of records came in pages")
    }
}
