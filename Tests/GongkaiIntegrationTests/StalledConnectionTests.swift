import Foundation
import GongkaiClient
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
}
