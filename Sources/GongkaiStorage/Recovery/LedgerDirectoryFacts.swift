import Foundation

/// What a start finds in the ledger's directory before it changes anything: all that
/// `RecoveryPlan` decides from. Read once, at the top of `LedgerStore.init`.
struct LedgerDirectoryFacts: Equatable {
    let directory: String
    /// append.log is there.
    var logExists: Bool
    /// data.mdb is there and holds bytes (LMDB creates an empty file before its first commit).
    var indexExists: Bool
    /// data.mdb.before-rebuild is there: an index a rebuild kept aside until it is done.
    var indexKeptAside: Bool
    /// data.mdb.refused is there: a refusal whose marker could not be written.
    var indexRefusedAside: Bool
    /// index-state (nil when there is none).
    var marker: IndexMarker?
    /// This boot of the machine (nil where the kernel does not say).
    var boot: String?
    /// Runs in a row counted as stopped without a clean close (`UncleanStops`).
    var uncleanStopsCounted: Int

    var logPath: String { directory + "/" + AppendLog.fileName }
    var indexPath: String { directory + "/data.mdb" }
    var asidePath: String { indexPath + ".before-rebuild" }
    static let refusedIndexName = "data.mdb.refused"

    /// Reads the facts of `directory` (a marker that cannot be read stops the start).
    static func read(directory: String, boot: String?) throws -> LedgerDirectoryFacts {
        var facts = LedgerDirectoryFacts(directory: directory, logExists: false, indexExists: false, indexKeptAside: false,
                                         indexRefusedAside: false, marker: nil, boot: boot, uncleanStopsCounted: 0)
        let files = FileManager.default
        facts.logExists = files.fileExists(atPath: facts.logPath)
        facts.indexExists = LMDBEnvironment.fileSize(facts.indexPath) > 0
        facts.indexKeptAside = files.fileExists(atPath: facts.asidePath)
        facts.indexRefusedAside = files.fileExists(atPath: directory + "/" + refusedIndexName)
        facts.marker = try IndexMarker.read(directory: directory)
        facts.uncleanStopsCounted = UncleanStops(directory: directory).counted()
        return facts
    }
}
