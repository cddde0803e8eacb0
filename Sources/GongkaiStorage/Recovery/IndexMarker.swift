import Foundation
import Glibc

/// Says whether LMDB, which commits without fsync because the append log is durable first,
/// can be trusted when the ledger opens. A process that dies leaves its writes in the
/// kernel's page cache, so the index stays whole as long as the machine did not restart;
/// a power loss or kernel crash may leave LMDB's pages half on disk. So the daemon writes
/// "open in boot B" before its first commit and "clean" after a final LMDB sync; an index
/// last opened in another boot, without a clean close, is rebuilt from the log.
public enum IndexMarker: Equatable, Sendable {
    case clean
    case openInBoot(String)
    /// An open found the log and the index at odds (or the log damaged): every later open is
    /// refused too, in any boot, until an operator mends the cause and removes the marker,
    /// so that a reboot never turns the refusal into a rebuild from the lesser copy.
    case refused(String)
    /// A start is reading a trusted index (opening LMDB, its head, id index and peaks). LMDB
    /// trusts its pages, and a damaged one can crash it (SIGSEGV) before the daemon can tell:
    /// a start that finds this marker knows the last one died there, and rebuilds the index
    /// from the log instead of crashing again at every restart. Replaced by the marker it
    /// stood in for once the reads are done.
    case checking
    /// The index is being rebuilt from the log in boot B (written before the rebuild's first
    /// commit, replaced by "open in boot B" once it is done). In that boot the index is a
    /// consistent prefix and the next start goes on with the rebuild; but it may hold only
    /// part of the ledger, so a start without the log is refused rather than write a log
    /// from it (the old index may have had no room to be kept aside).
    case rebuilding(String)
    /// A rebuild from the log is about to begin: written before the old index is moved, and
    /// replaced by `rebuilding` once the new index's first transaction (which flags it as
    /// unfinished) is on disk. Until then data.mdb may be the distrusted old index or a new,
    /// empty one: never trusted, and never written a log from.
    case rebuildStarting

    /// Never trusted: the index could not be flushed, so its pages on disk are not known.
    static let flushFailed = IndexMarker.openInBoot("index-flush-failed")

    static let fileName = "index-state"

    /// Whether an index with this marker may be used in boot `currentBoot` (nil: unknown).
    func trusted(inBoot currentBoot: String?) -> Bool {
        switch self {
        case .clean: true
        case .openInBoot(let boot): self != Self.flushFailed && currentBoot != nil && boot == currentBoot
        case .rebuilding(let boot): currentBoot != nil && boot == currentBoot
        case .refused, .checking, .rebuildStarting: false
        }
    }

    /// The marker's name when it says a rebuild from the log is under way (nil otherwise).
    var rebuildName: String? {
        switch self {
        case .rebuildStarting: "rebuild-starting"
        case .rebuilding: "rebuilding"
        case .clean, .openInBoot, .refused, .checking: nil
        }
    }

    /// The marker in `directory`, nil when there is none.
    static func read(directory: String) throws -> IndexMarker? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let bytes = FileManager.default.contents(atPath: path) else { throw AppendLogError.io("cannot read \(path)") }
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if line == "clean" { return .clean }
        if line == "checking" { return .checking }
        if line == "rebuild-starting" { return .rebuildStarting }
        if line.hasPrefix("open-in-boot "), line.count > 13 { return .openInBoot(String(line.dropFirst(13))) }
        if line.hasPrefix("refused ") { return .refused(String(line.dropFirst(8))) }
        if line.hasPrefix("rebuilding "), line.count > 11 { return .rebuilding(String(line.dropFirst(11))) }
        // Markers are replaced whole (fsynced, then renamed), so one that reads as none of the
        // above was damaged; it may have been a refusal, whose point is that the log must not
        // be trusted over the index. It is treated as one.
        return .refused("its index marker \(path) is damaged (\(line.prefix(40).debugDescription)); it may have recorded a refusal")
    }

    /// Replaces the marker durably: a new file, fsynced, renamed over the old one.
    func write(directory: String) throws {
        let path = directory + "/" + Self.fileName
        let temporary = path + ".new"
        let text: String
        switch self {
        case .clean: text = "clean\n"
        case .checking: text = "checking\n"
        case .openInBoot(let boot): text = "open-in-boot \(boot)\n"
        case .refused(let why): text = "refused \(why.replacingOccurrences(of: "\n", with: " "))\n"
        case .rebuilding(let boot): text = "rebuilding \(boot)\n"
        case .rebuildStarting: text = "rebuild-starting\n"
        }
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        // Named as the marker's own failure: an append refused for want of room for it is not
        // the append log's.
        guard fd >= 0 else { throw StorageError("write the index marker", message: "open \(temporary): \(FileSync.lastError())") }
        let bytes = Array(text.utf8)
        let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = wrote == bytes.count && fsync(fd) == 0
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            throw StorageError("write the index marker", message: "\(path): \(FileSync.lastError())")
        }
        try FileSync.fsync(path: directory, directory: true)
    }

    /// This boot of the machine (Linux's random boot id), nil where the kernel does not say.
    public static func currentBoot() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let boot = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return boot.isEmpty ? nil : boot
    }
}
