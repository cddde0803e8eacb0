import Foundation

/// How many runs in a row stopped without a clean close in this boot (killed, or crashed),
/// kept in `ledger/unclean-stops`. An index left open by a process that died is trusted in
/// the same boot, but LMDB trusts its pages: a damaged one can crash liblmdb on a read (one
/// flipped bit made every VERIFY crash the daemon, and each restart served the same pages).
/// So the second such stop in a row has the index rebuilt from the append log. A clean
/// close, or a rebuild, starts the count again. Best effort: without the file nothing is
/// counted, and a process crash leaves what it wrote in the page cache.
struct UncleanStops {
    /// Unclean stops in a row after which the index is rebuilt.
    static let rebuildAfter = 2
    static let fileName = "unclean-stops"
    static let rebuildReason = "the last \(rebuildAfter) runs in this boot stopped without a clean close " +
        "(killed, or crashed: liblmdb crashes on damaged pages), so the index is not trusted"

    let path: String

    init(directory: String) { path = directory + "/" + Self.fileName }

    /// The unclean stops counted so far (0 without the file, or when it cannot be read).
    func counted() -> Int {
        guard let bytes = FileManager.default.contents(atPath: path) else { return 0 }
        return Int(String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    func record(_ count: Int) {
        _ = FileManager.default.createFile(atPath: path, contents: Data("\(count)\n".utf8))
    }

    func clear() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
