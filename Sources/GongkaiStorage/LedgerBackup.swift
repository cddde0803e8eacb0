import CLMDB
import Glibc
import GongkaiMerkle

/// What a backup wrote: the directory, the head of the snapshot it holds and the size of its
/// data file.
public struct BackupResult: Equatable, Sendable {
    public let directory: String
    /// Exactly the head of the snapshot copied (read back from the copy itself).
    public let head: LedgerHead
    /// Bytes of the copy's `data.mdb`.
    public let bytes: Int
}

/// A backup refused because of what was asked (a relative path, a directory in use), as
/// opposed to a `StorageError` from the file system or LMDB.
public struct BackupRefusal: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension LedgerStore {
    /// Writes a compacting hot copy of the environment (`mdb_env_copy2` with `MDB_CP_COMPACT`)
    /// into `directory`, which must be absolute and either missing (it is created with mode
    /// 0700; its parent must exist) or an empty directory. LMDB copies one read snapshot, so
    /// appends go on meanwhile; the copy is fsynced, opened read-only and its head read back.
    /// On any failure the files written are removed, and the directory too if it was created
    /// here. Call it from any thread but the writer; it takes as long as the copy.
    ///
    /// `whenCopied` is given the copy's head before the copy takes its name, and may refuse
    /// it by throwing: LMDB's snapshot may hold batches whose frames in the append log are
    /// not yet durable (`appendBatch(durable: false)`), and a backup must not keep records a
    /// restart of the ledger could lose, so the daemon waits there for them to be durable.
    public func backup(to directory: String, whenCopied: (LedgerHead) throws -> Void = { _ in }) throws -> BackupResult {
        defer { releaseResidentPages() }
        guard directory.hasPrefix("/") else { throw BackupRefusal("the backup directory must be an absolute path") }
        let created = try Self.prepareBackupDirectory(directory)
        // The copy is written in a subdirectory and takes its name `data.mdb` only once whole
        // and synced: a daemon that dies mid-copy leaves no `data.mdb` that
        // `scripts/restore` would take for a backup.
        let staging = directory + "/.copying"
        let staged = staging + "/data.mdb"
        let data = directory + "/data.mdb"
        do {
            guard mkdir(staging, 0o700) == 0 else { throw StorageError("mkdir \(staging)", message: FileSync.lastError()) }
            try env.copy(to: staging)
            guard chmod(staged, 0o600) == 0 else { throw StorageError("chmod \(staged)", message: FileSync.lastError()) }
            try FileSync.fsync(path: staged)
            let head = try Self.headOfCopy(staging)
            try whenCopied(head)
            guard rename(staged, data) == 0 else { throw StorageError("rename \(staged)", message: FileSync.lastError()) }
            rmdir(staging)
            try FileSync.fsync(path: directory, directory: true)
            return BackupResult(directory: directory, head: head, bytes: LMDBEnvironment.fileSize(data))
        } catch {
            // Nothing half-written stays behind: mdb_env_copy2 writes only data.mdb (O_EXCL),
            // and a read-only open without locking adds nothing.
            unlink(staged)
            rmdir(staging)
            unlink(data)
            if created { rmdir(directory) }
            throw error
        }
    }

    /// Creates `directory` with mode 0700 (returning true), or accepts an existing empty
    /// directory (returning false); anything else is refused.
    private static func prepareBackupDirectory(_ directory: String) throws -> Bool {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw BackupRefusal("\(directory) exists and is not a directory") }
            guard let handle = opendir(directory) else {
                throw StorageError("opendir \(directory)", message: FileSync.lastError())
            }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name == ".copying" {
                    throw BackupRefusal("\(directory) holds .copying, left by a backup that was cut short: remove it, or use a new directory")
                }
                if name != "." && name != ".." {
                    throw BackupRefusal("\(directory) exists and is not empty; a backup goes into a new or empty directory")
                }
            }
            return false
        }
        guard errno == ENOENT else { throw StorageError("stat \(directory)", message: FileSync.lastError()) }
        // A symbolic link to nothing: mkdir would say it exists.
        if lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFLNK {
            throw BackupRefusal("\(directory) is a symbolic link to something that does not exist; name a new or empty directory")
        }
        guard mkdir(directory, 0o700) == 0 else {
            let reason = FileSync.lastError()
            switch errno {
            case ENOENT, ENOTDIR:
                throw BackupRefusal("cannot create \(directory): \(reason) (its parent must be an existing directory that takes new ones)")
            case EEXIST: throw BackupRefusal("\(directory) appeared while the backup started; try again with a new directory")
            default: throw StorageError("mkdir \(directory)", message: reason)
            }
        }
        if chmod(directory, 0o700) != 0 {
            let reason = FileSync.lastError()
            rmdir(directory)
            throw StorageError("chmod \(directory)", message: reason)
        }
        return true
    }

    /// The head held by a copied environment: opened read-only and without a lock file, so
    /// the backup directory keeps exactly the one file LMDB wrote.
    static func headOfCopy(_ directory: String) throws -> LedgerHead {
        var created: OpaquePointer?
        try check("mdb_env_create", mdb_env_create(&created))
        guard let env = created else { throw StorageError("mdb_env_create", message: "no environment") }
        defer { mdb_env_close(env) }
        try check("mdb_env_set_maxdbs", mdb_env_set_maxdbs(env, LMDBEnvironment.maxNamedDatabases))
        let flags = UInt32(MDB_RDONLY) | UInt32(MDB_NOLOCK) | UInt32(MDB_NOTLS)
        try check("mdb_env_open \(directory) (the copy)", mdb_env_open(env, directory, flags, 0o600))
        var opened: OpaquePointer?
        try check("mdb_txn_begin(read, the copy)", mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &opened))
        guard let txn = opened else { throw StorageError("mdb_txn_begin", message: "no transaction") }
        defer { mdb_txn_abort(txn) }
        var log: MDB_dbi = 0, tree: MDB_dbi = 0
        try check("mdb_dbi_open log (the copy)", mdb_dbi_open(txn, LedgerLayout.logDatabase, 0, &log))
        try check("mdb_dbi_open tree (the copy)", mdb_dbi_open(txn, LedgerLayout.treeDatabase, 0, &tree))
        guard let lastKey = try LMDBValues.lastKey(txn, log) else {
            return LedgerHead(size: 0, root: RFC6962.emptyRoot, recordedMillis: nil)
        }
        let size = try lastKey.withUnsafeBytes { try LedgerLayout.seq(fromKey: $0) }
        let frontier = try MerkleFrontier(size: size, source: TreeNodeSource(txn: txn, tree: tree))
        guard let bytes = try LMDBValues.get(txn, log, key: lastKey) else {
            throw StorageError("backup", message: "the copy's last record \(size) vanished")
        }
        let last = try RecordFormat.decode(Array(bytes))
        guard last.seq == size else { throw StorageError("backup", message: "the copy's record \(size) says seq \(last.seq)") }
        return LedgerHead(size: size, root: frontier.root, recordedMillis: last.recordedMillis)
    }
}
