import Glibc

/// Flushing files and directories to disk by path, for what must survive a power cut: the
/// append log's directory entry, the index marker, a backup copy.
enum FileSync {
    /// fsync of the file or directory at `path` (opened read-only).
    static func fsync(path: String, directory: Bool = false) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard descriptor >= 0 else { throw StorageError("open \(path)", message: lastError()) }
        defer { close(descriptor) }
        guard Glibc.fsync(descriptor) == 0 else { throw StorageError("fsync \(path)", message: lastError()) }
    }

    /// The text of the last system call's errno.
    static func lastError() -> String { String(cString: strerror(errno)) }
}
