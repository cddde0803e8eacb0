import Glibc

/// The socket's path in the file system: refuse to steal one a live daemon is serving,
/// remove one left by a dead daemon, and set the mode clients need.
enum SocketFile {
    /// The longest path `sockaddr_un` holds, its terminating NUL aside.
    static let maxPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// What would stop a bind at `path`, found before the ledger is opened and folded (which
    /// takes seconds on a large ledger), and said with the path.
    static func checkBindable(_ path: String) throws {
        guard path.utf8.count <= maxPathBytes else {
            throw ServerError("cannot listen on \(path): the path is \(path.utf8.count) bytes, and a Unix socket's may be at most \(maxPathBytes)")
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        guard access(directory, W_OK | X_OK) == 0 else {
            throw ServerError("cannot listen on \(path): the directory \(directory): \(String(cString: strerror(errno)))")
        }
    }

    static func prepare(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ServerError("\(path) exists and is not a socket; refusing to replace it")
        }
        if isServed(path) { throw ServerError("\(path) is being served by another process") }
        unlink(path)
    }

    /// The mode the socket must have: the daemon's user and group may connect, nobody else
    /// (DESIGN.md section 5).
    static let mode: mode_t = 0o660

    /// Runs `body` (the bind) with a file-creation mask that gives a new socket `mode` at
    /// once: bound under the process's own mask (0 say), it would accept anyone's connection
    /// until `setMode`. The mask is the process's: meanwhile the writer thread is idle (seed
    /// adoption has finished, and no client can reach it yet), and the only file it could
    /// create, the index marker, is made 0600, which this mask leaves as it is.
    static func withCreationMode<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = umask(0o777 & ~mode)
        defer { umask(previous) }
        return try body()
    }

    /// `mode`, whatever the mask was when the socket was bound.
    static func setMode(_ path: String) throws {
        guard chmod(path, mode) == 0 else {
            throw ServerError("chmod \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func isServed(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

/// 1,000 concurrent clients need more descriptors than the usual soft limit of 1,024.
enum FileDescriptorLimit {
    static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
