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
}
