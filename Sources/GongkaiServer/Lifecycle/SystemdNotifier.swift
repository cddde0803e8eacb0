import Glibc

/// sd_notify without libsystemd: one datagram to `$NOTIFY_SOCKET` per state change. A name
/// starting with `@` is in the abstract namespace (leading NUL, exact address length).
public struct SystemdNotifier: Sendable {
    private let socketName: String?

    public init(environment: [String: String]) {
        let name = environment["NOTIFY_SOCKET"]
        socketName = (name?.isEmpty ?? true) ? nil : name
    }

    public var isEnabled: Bool { socketName != nil }

    /// Sends e.g. `READY=1`; returns false (and does nothing) when not under systemd.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketName else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketName.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let message = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
        return sent == message.count
    }
}
