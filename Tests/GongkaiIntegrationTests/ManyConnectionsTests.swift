import Foundation
import GongkaiClient
import XCTest

/// DESIGN.md section 5: 1,000 concurrent connections are served.
final class ManyConnectionsTests: XCTestCase {
    func testAThousandConcurrentConnectionsAreServed() throws {
        // This test process needs more than the usual 1,024 descriptors too.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 4_096 {
            limit.rlim_cur = min(4_096, limit.rlim_max)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur >= 1_100 else { throw XCTSkip("this process may open only \(limit.rlim_cur) files") }

        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        var connections: [LineConnection] = []
        for _ in 0..<1_000 { connections.append(try daemon.connect()) }
        // All open at once: each sends, then each reads its answer.
        for connection in connections { try connection.send("PING") }
        for connection in connections { XCTAssertEqual(try connection.readLine(), #"OK {"pong":true}"#) }
        let stats = try LedgerFixtures.okJSON(try connections[0].readLineAfter("STATS"))
        XCTAssertGreaterThanOrEqual(stats["connections"]!["open"]!.integerValue!, 1_000)
        for (index, connection) in connections.enumerated() where index % 100 == 0 {
            XCTAssertTrue(try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "many-\(index)")).hasPrefix("OK "))
        }
        connections.forEach { $0.close() }
    }

    /// A connection past `--max-connections` is told why and closed: the daemon keeps none of
    /// them (each once stayed open for good, unanswered, holding a descriptor).
    func testConnectionsPastTheLimitAreAnsweredClosedAndNotKept() throws {
        let daemon = DaemonProcess(arguments: ["--max-connections", "2"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let held = [try daemon.connect(), try daemon.connect()]
        // Both answered before the refused ones are tried: NIO runs each child's initializer on
        // its own event loop, so a later connection could otherwise take the second place.
        for connection in held { XCTAssertEqual(try connection.readLineAfter("PING"), #"OK {"pong":true}"#) }
        let pid = try XCTUnwrap(daemon.process?.processIdentifier)
        func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count }
        let before = try openDescriptors()
        for _ in 0..<300 {
            let refused = try daemon.connect()
            refused.setReadTimeout(seconds: 10)
            let answer = try? refused.readLine()
            let after = try? refused.readLine()
            refused.close()
            guard answer == "ERR unavailable too many connections (2)", after == .some(nil) else {
                XCTFail("refused connection answered \(String(describing: answer)), then \(String(describing: after)) (nil: no answer); " +
                        "the daemon's log: \(daemon.log.suffix(3_000))")
                break
            }
        }
        XCTAssertLessThan(try openDescriptors(), before + 10, "refused connections leave no descriptor behind")
        let stats = try LedgerFixtures.okJSON(try held[1].readLineAfter("STATS"))
        XCTAssertEqual(stats["connections"]?["refused"]?.integerValue, 300)
        XCTAssertEqual(stats["connections"]?["open"]?.integerValue, 2)
        held.forEach { $0.close() }
        // Both slots come free: new connections are served again.
        var served: LineConnection?
        for _ in 0..<100 where served == nil {
            let connection = try daemon.connect()
            if (try? connection.readLineAfter("PING")) == #"OK {"pong":true}"# { served = connection } else { connection.close(); usleep(20_000) }
        }
        XCTAssertNotNil(served)
        served?.close()
    }

    /// One uid (a runaway script) cannot take every place: past `--max-connections-per-uid`
    /// its connections are told why and closed, while another uid is still served, and a
    /// place given back is taken again.
    func testOneUidCannotTakeEveryPlace() throws {
        let daemon = DaemonProcess(arguments: ["--max-connections", "10", "--max-connections-per-uid", "2"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        var held = [try daemon.connect(), try daemon.connect()]
        for connection in held { XCTAssertEqual(try connection.readLineAfter("PING"), #"OK {"pong":true}"#) }
        for _ in 0..<20 {
            let refused = try daemon.connect()
            refused.setReadTimeout(seconds: 10)
            XCTAssertEqual(try refused.readLine(), "ERR unavailable too many connections from uid \(getuid()) (2)")
            XCTAssertNil(try refused.readLine(), "closed after the refusal")
            refused.close()
        }
        if getuid() == 0 {
            // Another uid is served meanwhile.
            chmod(daemon.stateDirectory, 0o755)
            chmod(daemon.socketPath, 0o666)
            let client = URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
            let other = Process()
            other.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            other.arguments = ["-u", "nobody", "--", client, "request", "PING", "--socket", daemon.socketPath]
            let output = Pipe()
            other.standardOutput = output
            other.standardError = output
            try other.run()
            other.waitUntilExit()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(other.terminationStatus, 0, said)
            XCTAssertTrue(said.contains("pong"), said)
        }
        // The other uid's connection is counted closed once the daemon has seen it go.
        var stats = try LedgerFixtures.okJSON(try held[1].readLineAfter("STATS"))
        let deadline = Date().addingTimeInterval(10)
        while stats["connections"]?["open"]?.integerValue != 2 && Date() < deadline {
            usleep(10_000)
            stats = try LedgerFixtures.okJSON(try held[1].readLineAfter("STATS"))
        }
        XCTAssertEqual(stats["connections"]?["refused"]?.integerValue, 20)
        XCTAssertEqual(stats["connections"]?["open"]?.integerValue, 2)
        // A place given back is taken again.
        held.removeFirst().close()
        var served: LineConnection?
        for _ in 0..<100 where served == nil {
            let connection = try daemon.connect()
            if (try? connection.readLineAfter("PING")) == #"OK {"pong":true}"# { served = connection } else { connection.close(); usleep(20_000) }
        }
        XCTAssertNotNil(served, "the place the closed connection held is free again")
        served?.close()
        held.forEach { $0.close() }
    }

    /// The per-uid limit is bounded by the whole limit, and defaults to three quarters of it.
    func testThePerUidLimitIsCheckedAndDefaultsToThreeQuarters() throws {
        let probe = DaemonProcess()
        defer { probe.removeFiles() }
        let (status, log) = try DaemonProcess(stateDirectory: probe.stateDirectory,
                                              arguments: ["--max-connections", "8", "--max-connections-per-uid", "9"]).startExpectingFailure()
        XCTAssertEqual(status, 64, log)
        XCTAssertTrue(log.contains("--max-connections-per-uid must be between 1 and --max-connections (8)"), log)

        let daemon = DaemonProcess(stateDirectory: probe.stateDirectory, arguments: ["--max-connections", "8"])
        defer { daemon.stop() }
        try daemon.start()
        let held = try (0..<6).map { _ in try daemon.connect() }
        for connection in held { XCTAssertEqual(try connection.readLineAfter("PING"), #"OK {"pong":true}"#) }
        let seventh = try daemon.connect()
        seventh.setReadTimeout(seconds: 10)
        XCTAssertEqual(try seventh.readLine(), "ERR unavailable too many connections from uid \(getuid()) (6)")
        seventh.close()
        held.forEach { $0.close() }
    }
}
