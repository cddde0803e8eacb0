import Foundation
import XCTest

/// sd_notify: READY=1 once the daemon accepts connections, STOPPING=1 when it stops, sent as
/// datagrams to $NOTIFY_SOCKET — a path, or an abstract name starting with `@`.
final class SystemdNotifyTests: XCTestCase {
    /// A datagram socket standing in for systemd's notification socket.
    final class NotifyListener {
        let fd: Int32
        let name: String

        init(name: String) throws {
            self.name = name
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var path = Array(name.utf8)
            if path.first == UInt8(ascii: "@") { path[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard result == 0 else { throw TestFailure("bind \(name): errno \(errno)") }
            var timeout = timeval(tv_sec: 20, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        /// The next datagram's text, or nil after the timeout.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : nil
        }

        /// Datagrams until one contains `state`.
        func waitFor(_ state: String) -> [String] {
            var seen: [String] = []
            while let message = receive() {
                seen.append(message)
                if message.split(separator: "\n").contains(Substring(state)) { return seen }
            }
            return seen
        }
    }

    func check(notifySocket name: String, listener: NotifyListener) throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        daemon.environment["NOTIFY_SOCKET"] = name
        try daemon.start()
        let ready = listener.waitFor("READY=1")
        XCTAssertTrue(ready.last?.contains("READY=1") ?? false, "READY=1 arrives: \(ready)")
        XCTAssertEqual(try daemon.connect().readLineAfter("PING"), #"OK {"pong":true}"#, "READY means it serves")
        XCTAssertEqual(daemon.stop(), 0)
        let stopping = listener.waitFor("STOPPING=1")
        XCTAssertTrue(stopping.last?.contains("STOPPING=1") ?? false, "STOPPING=1 arrives: \(stopping)")
    }

    func testReadyAndStoppingOnAPathSocket() throws {
        let path = DaemonProcess.temporaryDirectory("notify") + "/notify.sock"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        try check(notifySocket: path, listener: try NotifyListener(name: path))
    }

    func testReadyAndStoppingOnAnAbstractSocket() throws {
        let name = "@gongkai-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try check(notifySocket: name, listener: try NotifyListener(name: name))
    }
}

/// SIGHUP rereads the access file between RELOADING=1 and READY=1.
final class SystemdReloadNotifyTests: XCTestCase {
    func testReloadIsAnnouncedAroundTheAccessFileReread() throws {
        let name = "@gongkai-reload-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try SystemdNotifyTests.NotifyListener(name: name)
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        daemon.environment["NOTIFY_SOCKET"] = name
        try daemon.start()
        XCTAssertTrue(listener.waitFor("READY=1").last?.contains("READY=1") ?? false)
        kill(daemon.process!.processIdentifier, SIGHUP)
        let reloading = listener.waitFor("RELOADING=1")
        XCTAssertTrue(reloading.last?.contains("RELOADING=1") ?? false, "RELOADING=1 arrives: \(reloading)")
        let ready = listener.waitFor("READY=1")
        XCTAssertTrue(ready.last?.contains("READY=1") ?? false, "READY=1 follows the reload: \(ready)")
        XCTAssertEqual(try daemon.connect().readLineAfter("PING"), #"OK {"pong":true}"#, "still serving after SIGHUP")
    }
}

/// A SIGHUP while the daemon is still starting (rebuilding its projections) neither kills it
/// nor tells systemd anything before the first READY=1.
final class StartupReloadTests: XCTestCase {
    func testSIGHUPDuringStartUpIsSurvivedAndNotAnnounced() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        // Enough records that the rebuild at the next start takes a while.
        let lines = (0..<10_000).map { "APPEND " + LedgerFixtures.event(id: "hup-\($0)") }
        XCTAssertEqual(try LedgerFixtures.pipeline(try daemon.connect(), lines).filter { $0.hasPrefix("OK ") }.count, lines.count)
        XCTAssertEqual(daemon.stop(), 0)

        let name = "@gongkai-startup-hup-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let listener = try SystemdNotifyTests.NotifyListener(name: name)
        daemon.environment["NOTIFY_SOCKET"] = name
        let process = try daemon.launchWithoutWaiting()
        // The ledger is open (logged after the reload handler is installed): the rebuild runs.
        let deadline = Date().addingTimeInterval(30)
        var opens = 0
        while Date() < deadline, process.isRunning {
            opens = daemon.log.components(separatedBy: "ledger open").count - 1
            if opens >= 2 { break }  // the first start logged it once already
            usleep(2_000)
        }
        XCTAssertEqual(opens, 2, "the second start opened the ledger")
        kill(process.processIdentifier, SIGHUP)
        let messages = listener.waitFor("READY=1")
        XCTAssertTrue(messages.last?.contains("READY=1") ?? false, "READY=1 arrives: \(messages) \(daemon.log)")
        XCTAssertFalse(messages.contains { $0.contains("RELOADING=1") }, "no RELOADING=1 before the first READY=1: \(messages)")
        XCTAssertTrue(process.isRunning)
        XCTAssertEqual(try daemon.connect().readLineAfter("PING"), #"OK {"pong":true}"#)
        XCTAssertTrue(daemon.log.contains("access rules reloaded"), daemon.log)
    }
}
