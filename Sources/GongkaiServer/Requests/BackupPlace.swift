import Glibc

/// Where a backup must not go, though the daemon could write there: inside its own state
/// directory (it would share the ledger's disk and fate, and a restore with `--force` moves
/// it aside with the ledger), or into a service's private /tmp (systemd's `PrivateTmp=`,
/// which the shipped unit sets): the copy would be answered OK, be invisible to the operator
/// and be deleted when the service stops.
enum BackupPlace {
    /// Why `directory` (absolute, symbolic links resolved) is no place for a backup, or nil.
    /// (systemd 255's `PrivateTmp=disconnected`, a fresh tmpfs with root `/`, is not told
    /// apart from a shared /tmp; Debian 12 has systemd 252. Backup paths hold no whitespace,
    /// so mountinfo's octal escapes need no decoding here.)
    /// `stateDirectory` is resolved too; `mountInfo` is the text of /proc/self/mountinfo.
    static func refusal(directory: String, stateDirectory: String, mountInfo: String) -> String? {
        if directory == stateDirectory || directory.hasPrefix(stateDirectory.hasSuffix("/") ? stateDirectory : stateDirectory + "/") {
            return "\(directory) is inside the state directory \(stateDirectory): a backup must live apart from the ledger it copies"
        }
        if let mount = mountPoint(of: directory, mountInfo: mountInfo), mount.root.contains("/systemd-private-") {
            return "\(directory) is on this service's private \(mount.point) (systemd PrivateTmp=): the copy would be " +
                "hidden from you and deleted when the service stops; back up to /var/backups/gongkai"
        }
        return nil
    }

    /// The mount `path` lies on (the longest mount point that is a prefix of it, the last
    /// mounted of equals): its mount point and its root within its file system.
    static func mountPoint(of path: String, mountInfo: String) -> (point: String, root: String)? {
        var best: (point: String, root: String)?
        for line in mountInfo.split(separator: "\n") {
            // "36 35 98:0 ROOT MOUNT-POINT options … - type source options"
            let fields = line.split(separator: " ", maxSplits: 5)
            guard fields.count >= 5 else { continue }
            let root = String(fields[3]), point = String(fields[4])
            let covers = point == "/" || path == point || path.hasPrefix(point + "/")
            if covers, point.count >= (best?.point.count ?? 0) { best = (point, root) }
        }
        return best
    }

    /// `path` with symbolic links resolved, for a path whose last component need not exist
    /// yet (a backup directory is usually created by the backup); nil if its parent does not
    /// resolve.
    static func resolved(_ path: String) -> String? {
        if let whole = realpath(path, nil) {
            defer { free(whole) }
            return String(cString: whole)
        }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        guard let resolvedParent = realpath(parent, nil) else { return nil }
        defer { free(resolvedParent) }
        let base = String(cString: resolvedParent)
        return (base == "/" ? "" : base) + "/" + path[path.index(after: slash)...]
    }

    /// The running process's mount table ("" where there is none to read).
    static func currentMountInfo() -> String {
        guard let file = fopen("/proc/self/mountinfo", "r") else { return "" }
        defer { fclose(file) }
        var text: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        // A mount table is small; the bound keeps a pathological one from growing without end.
        while text.count < 16 << 20 {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            text += chunk[..<count]
        }
        return String(decoding: text, as: UTF8.self)
    }
}
