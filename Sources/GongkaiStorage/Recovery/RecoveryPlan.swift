/// How a start brings the LMDB index in line with the append log, decided from what it finds
/// in the directory and nothing else; `LedgerStore.init` carries it out, and
/// RecoveryPlanTests checks each rule on its own. The log is the ledger's source of truth,
/// and the rules keep one promise: no start uses, or writes a log from, an index that is not
/// known to be whole, and none deletes the only copy of an acknowledged record.
///
/// - A start without the log writes it from the index only when the index was flushed
///   whole: under a trusted marker, or under none (every commit before the log existed was
///   fsynced), and never while a rebuild from the log is unfinished.
/// - An index is trusted when its marker says so in this boot (`IndexMarker.trusted`) and
///   the runs of this boot have not stopped uncleanly twice in a row (`UncleanStops`).
/// - An index not trusted is rebuilt from the log from its first record, kept aside until
///   the rebuild is done when the disk has room for two.
/// - Only a whole trusted index vouches for the log's tail; otherwise a last frame that
///   fails its SHA-256 is cut only if it looks cut off by a crash.
struct RecoveryPlan: Equatable {
    let facts: LedgerDirectoryFacts
    /// The index is used as it is; the log's frames past its head are taken in.
    let indexTrusted: Bool
    /// A rebuild from the log begun by a start in this boot goes on from the index's head.
    let continuesRebuild: Bool
    /// The index is built from the log from its first record (a new ledger is such a build).
    let rebuildsIndex: Bool
    /// The log is opened before LMDB is touched (a log that cannot be read stops there);
    /// without it the log is written from the index.
    let opensLog: Bool
    /// The last run of this boot stopped without closing the index.
    let stoppedUncleanly: Bool
    /// Unclean stops in a row, this start's included (0 when the last run closed the index).
    let uncleanStopsInARow: Int

    /// Decides, or refuses the start before anything changes (the error says why and what to do).
    init(_ facts: LedgerDirectoryFacts) throws {
        self.facts = facts
        let refuse = { (why: String) in StorageError("open \(facts.directory)", message: why) }
        let marker = facts.marker
        if case .refused(let why) = marker {
            throw refuse("an earlier start refused this ledger: \(why) (README: Damage; removing \(facts.directory)/" +
                         "\(IndexMarker.fileName) alone has the next start rebuild the index from the append log, which may lack " +
                         "records the index holds)")
        }
        if facts.indexRefusedAside {
            // The marker of the refusal could not be written; without this the index would
            // be missing and rebuilt from a log shorter than it.
            throw refuse("an earlier start refused this ledger but could not record why (its index was moved to " +
                         "\(LedgerDirectoryFacts.refusedIndexName)); restore a backup, or mend the cause and move " +
                         "\(LedgerDirectoryFacts.refusedIndexName) back to data.mdb")
        }
        let markerTrusted = marker?.trusted(inBoot: facts.boot) ?? false
        if !facts.logExists {
            if facts.indexKeptAside {
                // A rebuild from the log was under way (the process stopped in it): data.mdb may
                // hold only its first records, and a log written from it would lose the rest.
                throw refuse("the append log is missing and data.mdb.before-rebuild is there: a rebuild of the index from the log " +
                             "did not finish, so data.mdb may hold only part of the ledger; put the append log back, or, if it is " +
                             "lost, move data.mdb.before-rebuild to data.mdb (the index as it was before the rebuild) and start " +
                             "again (README: Damage)")
            }
            if let rebuildMarker = marker?.rebuildName {
                throw refuse("the append log is missing and the index was being rebuilt from it (index-state says \(rebuildMarker)), " +
                             "so data.mdb, if there is one, may hold only part of the ledger; put the append log back, or restore " +
                             "a backup (README: Damage)")
            }
            // The marker is written only once the log exists, before LMDB's first commit without
            // fsync. So without a log every LMDB commit was fsynced (a ledger from before the
            // log, a restored backup, or a crash while its log was being written from it): the
            // index is whole. A marker without a log means the log was lost after it existed.
            if marker != nil {
                guard markerTrusted else {
                    let why = Self.distrust(marker: marker, boot: facts.boot, indexExists: facts.indexExists) ?? "it is not trusted"
                    throw refuse("the append log is missing and the LMDB index is not known to be whole (\(why)), so it may be " +
                                 "torn; restore a backup")
                }
                guard facts.indexExists else { throw refuse("both the append log and the LMDB index are missing; restore a backup") }
            }
        }
        // A run that stopped without a clean close in this boot leaves its index trusted (its
        // writes are in the page cache). A second one in a row is rebuilt from the log: damaged
        // LMDB pages can crash liblmdb itself on a read (VERIFY, READ), and a restarted daemon
        // would otherwise serve them until it crashed again.
        stoppedUncleanly = facts.logExists && markerTrusted && { if case .openInBoot? = marker { true } else { false } }()
        uncleanStopsInARow = stoppedUncleanly ? facts.uncleanStopsCounted + 1 : 0
        indexTrusted = !facts.logExists || (markerTrusted && uncleanStopsInARow < UncleanStops.rebuildAfter)
        continuesRebuild = indexTrusted && { if case .rebuilding? = marker { true } else { false } }()
        opensLog = facts.logExists || !facts.indexExists
        rebuildsIndex = opensLog && (!indexTrusted || !facts.indexExists)
    }

    /// The index was rebuilt because this boot's runs stopped uncleanly too often.
    var repeatedUncleanStop: Bool { uncleanStopsInARow >= UncleanStops.rebuildAfter }
    /// What `UncleanStops` keeps: this count, or nothing (nil) once a run closed or a rebuild
    /// began (the rebuilt index holds no page of the runs that stopped).
    var uncleanStopsToRecord: Int? { uncleanStopsInARow > 0 && !rebuildsIndex ? uncleanStopsInARow : nil }
    /// The untrusted index is moved out of the rebuild's way (aside, or deleted).
    var setsIndexAside: Bool { !indexTrusted && facts.indexExists }
    /// A trusted index that the log can rebuild is read under the `checking` marker: a start
    /// that dies reading it (liblmdb on a damaged page) leaves the next one a reason to rebuild.
    var readsTrustedIndexUnderCheck: Bool { indexTrusted && facts.indexExists && opensLog }
    /// Only a whole index trusted as such vouches for the log's tail: a last frame it lacks was
    /// never committed, so never acknowledged. Otherwise (a rebuild, begun now or going on)
    /// its records may be acknowledged ones that only the old index still holds.
    var indexVouchesForTail: Bool { indexTrusted && facts.indexExists && !continuesRebuild }

    /// Where the index the rebuild replaces stands as the start begins: kept aside by an
    /// earlier start of this rebuild, and whether data.mdb is no longer it.
    var asideAtStart: IndexAside {
        IndexAside(kept: (continuesRebuild || rebuildsIndex) && facts.indexKeptAside,
                   replaced: continuesRebuild || !facts.indexExists)
    }

    /// Why a log whose last `discardedBytes` (from byte `endOffset`) fail their SHA-256 stops
    /// the start (nil: the tail is cut as a torn write). `aside` is where the old index stands.
    func refusalOfTail(discardedBytes: UInt64, looksCutOff: Bool, endOffset: UInt64, aside: IndexAside) -> String? {
        guard !indexVouchesForTail, discardedBytes > 0, !looksCutOff else { return nil }
        let keep = facts.indexExists || aside.putsBackOnRefusal
            ? "if the LMDB index (data.mdb, back in place if it was kept aside) holds them, move append.log aside and " +
              "remove index-state: the log is written again from the index"
            : "there is no LMDB index to hold them: if you moved data.mdb aside, put it back and remove index-state, then move " +
              "append.log aside: the log is written again from the index"
        return "its last \(discardedBytes) bytes (from byte \(endOffset)) are a whole frame that fails its SHA-256, not a write " +
            "cut off by a crash, and may hold acknowledged records; \(keep); to give them up instead, cut the log to its whole " +
            "frames (truncate -s \(endOffset) \(facts.logPath)) and remove index-state"
    }

    /// Why a start without the log must not write it from an index holding `records`,
    /// `unfinished` if it carries the rebuild-unfinished flag (nil: it may).
    func refusalOfIndexWithoutLog(records: UInt64, unfinished: Bool) -> String? {
        // A ledger always holds its seed records: an index with none beside no log is a new
        // index whose rebuild stopped before its first commit, not a ledger.
        if records == 0 {
            return "the append log is missing and the LMDB index holds no records, so there is nothing to write the log from; " +
                "put the append log back, or restore a backup; for a new ledger, remove data.mdb and start again"
        }
        if unfinished {
            return "the append log is missing and the LMDB index is a rebuild from it that did not finish (it holds \(records) " +
                "records, perhaps not all); put the append log back, or move data.mdb.before-rebuild to data.mdb if it is there, " +
                "or restore a backup"
        }
        return nil
    }

    /// Why the index was (or is being) rebuilt, for the operator's journal, once the log
    /// (to `logLastSeq`) and the index (`indexRecords`) are open; nil if it was not.
    func rebuildReason(logLastSeq: UInt64, indexRecords: UInt64) -> String? {
        if indexTrusted {
            if continuesRebuild && logLastSeq > indexRecords {
                return "a rebuild from the log begun in this boot was cut short; it went on from record \(indexRecords + 1)"
            }
            // A trusted marker with no index (moved aside by hand, or emptied) is a rebuild too.
            return facts.indexExists || logLastSeq == 0 ? nil : Self.distrust(marker: facts.marker, boot: facts.boot, indexExists: false)
        }
        if repeatedUncleanStop { return UncleanStops.rebuildReason }
        return Self.distrust(marker: facts.marker, boot: facts.boot, indexExists: facts.indexExists) ?? "it was not trusted"
    }

    /// The marker under which the log's frames are taken in (LMDB then commits without fsync).
    func markerWhileTakingIn(logLastSeq: UInt64, indexRecords: UInt64) -> MarkerWhileTakingIn {
        guard logLastSeq > indexRecords else { return .openInBootWhenThereIsRoom }
        return rebuildsIndex || rebuildReason(logLastSeq: logLastSeq, indexRecords: indexRecords) != nil ? .rebuilding : .openInBoot
    }

    /// Why an index with `marker` is not trusted in boot `boot` (nil when it is): each cause
    /// named, so that an operator reading the journal is not told of a reboot that never was.
    static func distrust(marker: IndexMarker?, boot: String?, indexExists: Bool) -> String? {
        guard indexExists else { return "there was no LMDB index (data.mdb missing or empty)" }
        switch marker {
        case .clean?: return nil
        case nil: return "its marker (index-state) is missing, so the index was not known to be whole"
        case .openInBoot(let markedBoot)?:
            if IndexMarker.openInBoot(markedBoot) == IndexMarker.flushFailed {
                return "an earlier run marked it for a rebuild (a flush that failed, damage found, or a failed fdatasync of the log)"
            }
            guard let boot else { return "this machine's boot id cannot be read, so an index left open is not trusted" }
            return markedBoot == boot ? nil : "it was left open in an earlier boot of the machine"
        case .rebuilding(let markedBoot)?:
            guard let boot else { return "this machine's boot id cannot be read, so an index being rebuilt is not trusted" }
            return markedBoot == boot ? nil : "a rebuild from the log was under way in an earlier boot of the machine"
        case .rebuildStarting?: return "a rebuild from the log was starting when the last start stopped"
        case .refused?: return "an earlier start refused it"
        case .checking?: return "the last start stopped while it read the index (liblmdb may have crashed on a damaged page)"
        }
    }
}

/// Where the index a rebuild replaces stands while a start goes on: kept aside (by this
/// start or an earlier one of the same rebuild), and whether data.mdb is no longer it
/// (moved away, missing, or part of the rebuild).
struct IndexAside: Equatable {
    var kept: Bool
    var replaced: Bool
    static let untouched = IndexAside(kept: false, replaced: false)
    /// A refusal that stops the rebuild puts the kept index back as data.mdb: the remedies it
    /// names (README: Damage) work on data.mdb, and one of them writes the log from it.
    var putsBackOnRefusal: Bool { kept && replaced }
}

/// Which marker must be on disk before a start takes the log's frames into LMDB.
enum MarkerWhileTakingIn: Equatable {
    /// `rebuilding`: the index holds only part of the ledger (and carries the
    /// rebuild-unfinished flag, committed durably at open) until the frames are in.
    case rebuilding
    /// `openInBoot`, before LMDB's first commit without fsync.
    case openInBoot
    /// Nothing to take in: `openInBoot` may wait. LMDB was just flushed, so the marker on disk
    /// is still true, and on a full disk (no room for a new marker) the ledger still opens to
    /// serve reads; the first append tries again.
    case openInBootWhenThereIsRoom
}
