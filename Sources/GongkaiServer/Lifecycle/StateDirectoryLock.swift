import Glibc

/// An exclusive lock on the state directory, held for the daemon's life, so a second daemon
/// on the same ledger stops with a clear message instead of fighting over it. The kernel
/// drops the lock when the process dies, even by SIGKILL.
public final class StateDirectoryLock {
    public static let fileName = "gongkaid.lock"
    private let fd: Int32

    public init(directory: String) throws {
        let path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ServerError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPid(fd)
            close(fd)
            throw ServerError("another gongkaid\(holder.map { " (pid \($0))" } ?? "") is already running on state directory \(directory)")
        }
        // Record our pid for the message above; the lock, not the pid, is what counts.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
