import Foundation
import GongkaiClient
import XCTest

/// A connection takes at most `maxPipelinedRequests` requests before their answers drain,
/// and none while the client leaves its answers unread, however its bytes arrive: in one
/// read, or all at once when the client hangs up. Lines not yet taken wait as raw bytes,
/// never as requests with answers in memory (tiny requests made that fifty times their size,
/// in an adversarial test), and are all answered in order once the client reads.
final class InFlightLimitTests: XCTestCase {
    /// Two connections each send 40,000 PINGs at once and read nothing for a while: the
    /// lines held back are taken as answers drain, every one answered in order.
    func testLinesHeldBackAreAllAnsweredOnceTheClientReads() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let count = 40_000
        let connections = try (0..<2).map { _ in try daemon.connect() }
        for connection in connections { try connection.sendRaw(Array(String(repeating: "PING\n", count: count).utf8)) }
        usleep(300_000)
        for connection in connections {
            connection.setReadTimeout(seconds: 30)
            var answered = 0
            while answered < count, let answer = try connection.readLine() {
                XCTAssertEqual(answer, #"OK {"pong":true}"#)
                answered += 1
            }
            XCTAssertEqual(answered, count)
        }
    }

    /// A client that sends past the limit and half-closes gets every answer in order, then
    /// the close; a partial last line is no request.
    func testAHalfClosedConnectionPastTheLimitIsAnsweredInFull() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        let count = 30_000
        var bytes: [UInt8] = []
        for index in 0..<count { bytes += Array("GET \(index % 5 + 1)\n".utf8) }
        bytes += Array("PI".utf8)
        try connection.sendRaw(bytes)
        connection.shutdownWrite()
        connection.setReadTimeout(seconds: 30)
        var answered = 0
        while let answer = try connection.readLine() {
            XCTAssertTrue(answer.contains("\"seq\":\(answered % 5 + 1)"), "answer \(answered): \(answer.prefix(80))")
            answered += 1
        }
        XCTAssertEqual(answered, count, "every whole line answered, in order, then the close")
    }

    /// 4 MiB of empty lines (four million requests, each answered by an error) handed over at
    /// once by a half-close, answers unread: the daemon holds bytes, not answers.
    func testAHangUpWithMillionsOfLinesHoldsBytesNotAnswers() throws {
        guard getuid() == 0 else { throw XCTSkip("SO_SNDBUFFORCE needs root") }
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let before = try XCTUnwrap(daemon.residentBytes)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in daemon.socketPath.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(connected, 0)
        var size: Int32 = 16 << 20
        XCTAssertEqual(setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)), 0)
        let lines = [UInt8](repeating: 0x0A, count: 4 << 20)
        var sent = 0
        while sent < lines.count {
            let count = lines[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            XCTAssertGreaterThan(count, 0)
            guard count > 0 else { break }
            sent += count
        }
        shutdown(fd, Int32(SHUT_WR))
        try waitUntilAnsweredStops(daemon)
        let grown = try XCTUnwrap(daemon.residentBytes) - before
        // Taken as requests, four million held answers would be hundreds of MB.
        XCTAssertLessThan(grown, 64 << 20, "held \(grown >> 20) MiB for 4 MiB of requests")
        XCTAssertEqual(try daemon.connect().readLineAfter("PING"), #"OK {"pong":true}"#)
    }

    /// After TAIL the connection's input is only watched for its end: what the client sends
    /// meanwhile is dropped as it is read, not held (a re-test piled up 1.5 GB that way).
    func testInputAfterATailIsDroppedNotHeld() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let before = try XCTUnwrap(daemon.residentBytes)
        let connection = try daemon.connect()
        try connection.sendRaw(Array("TAIL 999999999\n".utf8))
        // Bytes without a line end: a held-back stream of them is what piled up; dropped,
        // they cost one search up to the line limit.
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<64 { try connection.sendRaw(chunk) }  // 64 MiB; each send waits for room
        try waitUntilAnsweredStops(daemon)
        let grown = try XCTUnwrap(daemon.residentBytes) - before
        XCTAssertLessThan(grown, 32 << 20, "held \(grown >> 20) MiB of 64 MiB sent after TAIL")
        XCTAssertEqual(try daemon.connect().readLineAfter("PING"), #"OK {"pong":true}"#)
    }

    /// Polls STATS until the answered count stops moving but for the probe's own STATS (the
    /// connection has taken what its limit and socket let it).
    private func waitUntilAnsweredStops(_ daemon: DaemonProcess) throws {
        let probe = try daemon.connect()
        var last = -2
        for _ in 0..<100 {
            let stats = try LedgerFixtures.okJSON(try probe.readLineAfter("STATS"))
            let answered = Int(stats["requests"]?.integerValue ?? 0)
            if answered <= last + 1 { return }
            last = answered
            usleep(200_000)
        }
    }
}
