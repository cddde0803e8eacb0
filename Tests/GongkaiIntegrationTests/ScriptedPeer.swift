import Foundation
import Glibc
import XCTest

/// A stand-in for the daemon that reads and writes exact bytes: it listens on a fresh Unix
/// socket, accepts one client, runs its script on it, and closes.
enum ScriptedPeer {
    static func start(_ script: @escaping @Sendable (Int32) -> Void) throws -> (path: String, done: DispatchSemaphore) {
        let path = DaemonProcess.temporaryDirectory("gongkai-peer") + "/peer.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 1), 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let client = accept(listener, nil, nil)
            script(client)
            close(client)
            close(listener)
            done.signal()
        }.start()
        return (path, done)
    }

    /// Writes `bytes` whole to `client`.
    static func send(_ bytes: [UInt8], to client: Int32) {
        _ = bytes.withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until `lines` newlines have arrived (or the client hangs up); returns them.
    static func readLines(_ lines: Int, from client: Int32) -> [String] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.lazy.filter({ $0 == UInt8(ascii: "\n") }).count < lines {
            let got = recv(client, &buffer, buffer.count, 0)
            if got <= 0 { break }
            received += buffer[..<got]
        }
        return received.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }
}
