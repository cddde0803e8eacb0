import CLMDB
import Foundation
import Glibc

/// One LMDB environment with growth of its memory map. Readers hold a shared lock for the
/// life of their transaction; growing the map takes it exclusively, because LMDB may only
/// change the map size while no transaction of this process is open.
final class LMDBEnvironment: @unchecked Sendable {
    /// Smallest step by which the map grows, and the largest (growth doubles up to it).
    static let minGrowthBytes = 64 << 20
    static let maxGrowthBytes = 4 << 30
    static let maxNamedDatabases: UInt32 = 8
    static let maxReaders: UInt32 = 512

    let handle: OpaquePointer
    private let dataFilePath: String
    /// The mapping of data.mdb; changed only with the map lock held exclusively (or in init).
    private var mapRegion: (UnsafeMutableRawPointer, Int)?
    /// LMDB's page size for this environment.
    private var pageBytes = 0
    private(set) var mapSizeBytes: Int
    private var mapLock = pthread_rwlock_t()
    /// Called about once a second while `grow` waits for the map's other users (a BACKUP
    /// copy holds it for its whole run): the writer thread is waiting, not stuck, and the
    /// server feeds systemd's watchdog from here. Set before the writer starts.
    var whileWaitingToGrow: (() -> Void)?

    init(path: String, initialMapBytes: Int, residentFileBudgetBytes: Int = defaultResidentFileBudgetBytes) throws {
        self.residentFileBudgetBytes = residentFileBudgetBytes
        residentFileBaseline = Self.fileBackedResidentBytes() ?? 0
        var env: OpaquePointer?
        try check("mdb_env_create", mdb_env_create(&env))
        guard let env else { throw StorageError("mdb_env_create", message: "no environment") }
        handle = env
        dataFilePath = path + "/data.mdb"
        mapSizeBytes = initialMapBytes
        pthread_rwlock_init(&mapLock, nil)
        // On a throw below, deinit closes the environment (once).
        try check("mdb_env_set_maxdbs", mdb_env_set_maxdbs(env, Self.maxNamedDatabases))
        try check("mdb_env_set_maxreaders", mdb_env_set_maxreaders(env, Self.maxReaders))
        // The map must cover the existing file, or LMDB refuses to open it.
        let fileBytes = Self.fileSize(path + "/data.mdb")
        mapSizeBytes = fileBytes > 0 ? max(initialMapBytes, Self.grown(fileBytes)) : initialMapBytes
        try check("mdb_env_set_mapsize", mdb_env_set_mapsize(env, mapSizeBytes))
        // NOTLS: read transactions are not tied to threads (NIO event loops hop them).
        // NORDAHEAD: reads are random by seq; read-ahead only evicts useful pages.
        // NOSYNC: commits are not flushed; the append log is durable before each commit and
        // the index is rebuilt from it when a machine crash may have torn it (IndexMarker).
        let flags = UInt32(MDB_NOTLS) | UInt32(MDB_NORDAHEAD) | UInt32(MDB_NOSYNC)
        try check("mdb_env_open \(path)", mdb_env_open(env, path, flags, 0o600))
        var info = MDB_envinfo()
        try check("mdb_env_info", mdb_env_info(env, &info))
        mapSizeBytes = info.me_mapsize
        mapRegion = Self.findMapRegion(of: dataFilePath)
        var stat = MDB_stat()
        try check("mdb_env_stat", mdb_env_stat(env, &stat))
        pageBytes = Int(stat.ms_psize)
    }

    deinit {
        mdb_env_close(handle)
        pthread_rwlock_destroy(&mapLock)
    }

    /// Clears reader slots left behind by processes that died; returns how many.
    func clearStaleReaders() throws -> Int {
        var dead: Int32 = 0
        try check("mdb_reader_check", mdb_reader_check(handle, &dead))
        return Int(dead)
    }

    /// Runs `body` inside a read-only transaction.
    func read<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try withMapShared {
            var txn: OpaquePointer?
            try check("mdb_txn_begin(read)", mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn))
            defer { mdb_txn_abort(txn) }
            return try body(txn!)
        }
    }

    /// Flushes every commit so far to disk (before the index is marked clean).
    func sync() throws {
        try check("mdb_env_sync", mdb_env_sync(handle, 1))
    }

    /// Runs `body` in a write transaction and commits it (to the page cache, see NOSYNC). When the map is full the
    /// transaction is thrown away, the map grows, and `body` runs again from the start, so
    /// `body` must not keep effects outside the transaction until this returns.
    func write<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        while true {
            do {
                return try writeOnce(body)
            } catch let error as StorageError where error.isMapFull {
                try grow()
            }
        }
    }

    /// Like `write`, but the commit is flushed to disk in LMDB's own order, data pages before
    /// the meta page that points at them, so even a power cut finds the old or the new
    /// state whole. Under NOSYNC the two can reach the disk in any order, which only the
    /// append log makes safe; the transaction that opens a ledger (and may change its
    /// format) must not rely on that.
    func writeDurably<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try check("mdb_env_set_flags(NOSYNC off)", mdb_env_set_flags(handle, UInt32(MDB_NOSYNC), 0))
        defer { mdb_env_set_flags(handle, UInt32(MDB_NOSYNC), 1) }
        return try write(body)
    }

    private func writeOnce<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        try withMapShared {
            var txn: OpaquePointer?
            try check("mdb_txn_begin(write)", mdb_txn_begin(handle, nil, 0, &txn))
            let result: T
            do {
                result = try body(txn!)
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            try check("mdb_txn_commit", mdb_txn_commit(txn))
            return result
        }
    }

    /// Grows the map while no transaction of this process is open.
    func grow() throws {
        lockMapToGrow()
        defer { pthread_rwlock_unlock(&mapLock) }
        let next = Self.grown(mapSizeBytes)
        try check("mdb_env_set_mapsize(\(next))", mdb_env_set_mapsize(handle, next))
        var info = MDB_envinfo()
        try check("mdb_env_info", mdb_env_info(handle, &info))
        mapSizeBytes = info.me_mapsize
        mapRegion = Self.findMapRegion(of: dataFilePath)
    }

    private func lockMapToGrow() {
        guard let waiting = whileWaitingToGrow else {
            pthread_rwlock_wrlock(&mapLock)
            return
        }
        while true {
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_sec += 1
            let result = pthread_rwlock_timedwrlock(&mapLock, &deadline)
            if result == 0 { return }
            precondition(result == ETIMEDOUT, "pthread_rwlock_timedwrlock: \(result)")
            waiting()
        }
    }

    /// Runs `body` with the map held shared: it cannot be grown (moved) meanwhile.
    func withMapShared<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(&mapLock)
        defer { pthread_rwlock_unlock(&mapLock) }
        return try body()
    }

    /// Lets go of the map's resident pages after a pass over the whole ledger (start-up
    /// rebuild, VERIFY, BACKUP): the map is a read-only shared mapping of data.mdb, so the
    /// pages stay in the kernel's page cache and the next read maps them again from there.
    /// Without this the daemon's RSS would count every page of the ledger once it was read.
    /// Safe at any time, inside transactions too (the map is never written through, and a
    /// dropped page is mapped again from the page cache on the next read); a recursive read
    /// lock is fine, glibc's default rwlock prefers readers.
    func releaseResidentPages() {
        withMapShared {
            guard let (address, length) = mapRegion else { return }
            _ = madvise(address, length, MADV_DONTNEED)
        }
    }

    /// File-backed RSS, above what was resident when the environment opened (the program's
    /// own pages, about 25 MB), at which the map's pages are let go. Linux maps more than the
    /// page read on every fault of a file mapping: 16 neighbouring cached pages (fault-around;
    /// MADV_RANDOM does not turn it off on 6.18), or a whole large folio of up to 2 MiB once
    /// ext4 has cached the file in large folios. With the id index on disk (format 1) each
    /// record's id key landed on a random page; releasing every 2,048 puts held appends to
    /// about 128 MB with small folios, but VERIFY and appends mapped 300–500 MB between
    /// releases with large ones, so the release follows what is actually resident, whatever
    /// the kernel maps per fault.
    let residentFileBudgetBytes: Int
    static let defaultResidentFileBudgetBytes = 72 << 20
    /// File-backed RSS when the environment opened; the budget counts above it, so the
    /// program's own pages never make every check release the map.
    private let residentFileBaseline: Int
    /// Records between looks at RSS: reading /proc/self/statm costs a few microseconds.
    static let recordsPerResidentCheck = 256

    /// Records put since RSS was last looked at, and how many times the write path let the
    /// map's pages go (the writer's thread only).
    private var putsSinceCheck = 0
    private(set) var putReleases = 0

    /// Counts one record put by the write path; every `recordsPerResidentCheck` puts, lets go
    /// of the map's pages if file-backed RSS is over budget.
    func notePut() {
        putsSinceCheck += 1
        guard putsSinceCheck >= Self.recordsPerResidentCheck else { return }
        putsSinceCheck = 0
        if releaseResidentPagesIfOverBudget() { putReleases += 1 }
    }

    /// Lets go of the map's pages if file-backed RSS has grown more than
    /// `residentFileBudgetBytes` since the open (or cannot be read); returns whether it did.
    /// Safe wherever `releaseResidentPages` is.
    @discardableResult
    func releaseResidentPagesIfOverBudget() -> Bool {
        if let resident = Self.fileBackedResidentBytes(), resident - residentFileBaseline <= residentFileBudgetBytes { return false }
        releaseResidentPages()
        return true
    }

    /// This process's resident file-backed and shared memory in bytes (RssFile + RssShmem,
    /// the third field of /proc/self/statm, in pages); nil if it cannot be read.
    static func fileBackedResidentBytes() -> Int? {
        let descriptor = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0, let pages = sharedPages(statm: buffer[..<count]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The third field of a /proc/[pid]/statm line ("size resident shared text lib data dt").
    static func sharedPages(statm: ArraySlice<UInt8>) -> Int? {
        let fields = statm.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
        guard fields.count >= 3 else { return nil }
        return Int(String(decoding: fields[2], as: UTF8.self))
    }

    /// Where LMDB mapped data.mdb. LMDB does not say (`me_mapaddr` is set only with a fixed
    /// map), so it is found in /proc/self/maps by the file's canonical path — once after the
    /// map is made (open, grow), never per release.
    private static func findMapRegion(of path: String) -> (UnsafeMutableRawPointer, Int)? {
        guard let canonical = realpath(path, nil) else { return nil }
        let target = String(cString: canonical)
        free(canonical)
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return nil }
        for line in maps.split(separator: "\n") where line.hasSuffix(" " + target) {
            // "start-end perms offset dev inode path"; only LMDB's shared read-only map.
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "r--s" else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            return (address, Int(end - start))
        }
        return nil
    }

    /// Whether `bytes`, read inside a transaction of this environment, end within the pages
    /// data.mdb holds (up to the last page LMDB has written): a damaged length that runs past
    /// them would stop the daemon with SIGBUS once the bytes are read. nil when that cannot be
    /// told: the map was not found, or the bytes are not in it (a page the open write
    /// transaction changed lives in memory until the commit).
    func endsInsideFile(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        guard let (address, length) = mapRegion, let base = bytes.baseAddress else { return nil }
        let start = UInt(bitPattern: address), at = UInt(bitPattern: base)
        guard at >= start, at - start < UInt(length) else { return nil }
        var info = MDB_envinfo()
        guard mdb_env_info(handle, &info) == 0 else { return nil }
        let written = min(UInt(length), (UInt(info.me_last_pgno) + 1) * UInt(pageBytes))
        return at - start <= written && UInt(bytes.count) <= written - (at - start)
    }

    /// Copies the environment to an empty directory while writers continue (compacting).
    func copy(to directory: String) throws {
        try withMapShared {
            try check("mdb_env_copy2 \(directory)", mdb_env_copy2(handle, directory, UInt32(MDB_CP_COMPACT)))
        }
    }

    /// Opens (creating if needed) a named database inside a write transaction.
    func openDatabase(_ name: String, txn: OpaquePointer) throws -> MDB_dbi {
        var dbi: MDB_dbi = 0
        try check("mdb_dbi_open \(name)", mdb_dbi_open(txn, name, UInt32(MDB_CREATE), &dbi))
        return dbi
    }

    static func grown(_ bytes: Int) -> Int {
        let step = min(max(bytes, minGrowthBytes), maxGrowthBytes)
        let page = 1 << 20
        return (bytes + step + page - 1) / page * page
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
