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
}
