import Glibc

/// systemd socket activation without libsystemd (`sd_listen_fds`): when `LISTEN_FDS` is set
/// and `LISTEN_PID` names this process, the listening socket is inherited as fd 3
/// (`SD_LISTEN_FDS_START`) and the daemon serves it instead of binding its own.
enum SocketActivation {
    static let firstDescriptor: CInt = 3

    /// The inherited listening socket, or nil when the daemon was not socket-activated.
    /// Unsets `LISTEN_FDS`, `LISTEN_PID` and `LISTEN_FDNAMES` so no child inherits them.
    /// Refuses more than one socket, or one that is not a listening stream socket.
    static func takeListeningSocket() throws -> CInt? {
        let fdsText = getenv("LISTEN_FDS").map { String(cString: $0) }
        let pidText = getenv("LISTEN_PID").map { String(cString: $0) }
        defer {
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDNAMES")
        }
        guard let fdsText, let pidText else { return nil }
        // Meant for another process (e.g. our parent's): not ours to take.
        guard let pid = pid_t(pidText), pid == getpid() else { return nil }
        guard let count = Int(fdsText), count >= 0 else {
            throw ServerError("socket activation: LISTEN_FDS=\(fdsText) is not a number")
        }
        guard count > 0 else { return nil }
        guard count == 1 else {
            throw ServerError("socket activation: systemd passed \(count) sockets (LISTEN_FDS=\(count)); gongkaid serves exactly one — give the socket unit a single ListenStream=")
        }
        let fd = firstDescriptor
        var type: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == CInt(SOCK_STREAM.rawValue) else {
            throw ServerError("socket activation: fd \(fd) is not a stream socket; use ListenStream= in the socket unit")
        }
        let flags = fcntl(fd, F_GETFD)
        guard flags >= 0, fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0 else {
            throw ServerError("socket activation: cannot set close-on-exec on fd \(fd): \(String(cString: strerror(errno)))")
        }
        return fd
    }
}
