import ArgumentParser
import Foundation
import Glibc

/// `gongkai-bench await-ready`: stands in for systemd's notify socket, so a script can time
/// a daemon's start-up to `READY=1`. Bind first, then start gongkaid with
/// `NOTIFY_SOCKET=<path>`; the wall-clock time of READY is printed in nanoseconds since the
/// epoch (`date +%s%N` on the script's side gives the start).
struct AwaitReady: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "await-ready",
        abstract: "Receive sd_notify datagrams on a Unix socket until READY=1 and print when it came.",
        discussion: "Prints 'ready_ns=<CLOCK_REALTIME ns> status=\"…\"'. Exit 1 on timeout.")

    @Option(name: .long, help: ArgumentHelp("Path of the datagram socket to create (removed on exit).", valueName: "path"))
    var notifySocket: String

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for READY=1.", valueName: "seconds"))
    var timeout: Double = 600

    /// Larger than any sd_notify message gongkaid sends.
    static let maxDatagramBytes = 4_096

    func run() throws {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        defer { close(fd) }
        unlink(notifySocket)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(notifySocket.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw ValidationError("--notify-socket path is too long for a Unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw failure("bind \(notifySocket)") }
        defer { unlink(notifySocket) }

        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: Self.maxDatagramBytes)
        while true {
            let received = recv(fd, &buffer, buffer.count, 0)
            if received < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    fputs("error: no READY=1 within \(timeout) s\n", stderr)
                    throw ExitCode(1)
                }
                throw failure("recv")
            }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let lines = String(decoding: buffer[0..<received], as: UTF8.self).split(separator: "\n")
            guard lines.contains("READY=1") else { continue }
            let status = lines.first { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst(7)) } ?? ""
            print("ready_ns=\(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)) status=\"\(status)\"")
            return
        }
    }

    private func failure(_ what: String) -> Error {
        fputs("error: \(what): \(String(cString: strerror(errno)))\n", stderr)
        return ExitCode(2)
    }
}
