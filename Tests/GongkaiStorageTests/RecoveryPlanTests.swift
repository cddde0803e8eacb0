import XCTest
@testable import GongkaiStorage

/// Each rule of how a start recovers, on its own and without files (`RecoveryPlan`); then
/// every combination of what a start can find, against the promises the rules keep.
/// LedgerRecoveryTests drives the same rules through real files, LMDB and logs.
final class RecoveryPlanTests: XCTestCase {
    private let thisBoot = "boot-a"

    private func facts(log: Bool = true, index: Bool = true, keptAside: Bool = false, refusedAside: Bool = false,
                       marker: IndexMarker? = .clean, boot: String? = "boot-a", uncleanStops: Int = 0) -> LedgerDirectoryFacts {
        LedgerDirectoryFacts(directory: "/state/ledger", logExists: log, indexExists: index, indexKeptAside: keptAside,
                             indexRefusedAside: refusedAside, marker: marker, boot: boot, uncleanStopsCounted: uncleanStops)
    }

    private func refusal(_ facts: LedgerDirectoryFacts, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let plan = try RecoveryPlan(facts)
            XCTFail("expected a refusal, got \(plan)", file: file, line: line)
            return ""
        } catch let error as StorageError {
            XCTAssertEqual(error.operation, "open /state/ledger", file: file, line: line)
            return error.message
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return ""
        }
    }

    // MARK: refusals before anything changes

    func testARefusalSticksWhateverElseIsThere() {
        for log in [true, false] {
            XCTAssertTrue(refusal(facts(log: log, marker: .refused("the log is short"))).contains("an earlier start refused this ledger: the log is short"))
            XCTAssertTrue(refusal(facts(log: log, refusedAside: true)).contains("moved to data.mdb.refused"))
        }
    }

    func testWithoutTheLogAnIndexKeptAsideByARebuildIsRefused() {
        XCTAssertTrue(refusal(facts(log: false, keptAside: true)).contains("move data.mdb.before-rebuild to data.mdb"))
        XCTAssertTrue(refusal(facts(log: false, keptAside: true, marker: nil)).contains("did not finish"))
    }

    func testWithoutTheLogARebuildMarkerIsRefused() {
        XCTAssertTrue(refusal(facts(log: false, marker: .rebuildStarting)).contains("index-state says rebuild-starting"))
        // Trusted in this boot with the log, never without it.
        XCTAssertTrue(refusal(facts(log: false, marker: .rebuilding(thisBoot))).contains("index-state says rebuilding"))
    }

    func testWithoutTheLogAnIndexNotKnownWholeIsRefusedWithItsCause() {
        XCTAssertTrue(refusal(facts(log: false, marker: .openInBoot("boot-z"))).contains("it was left open in an earlier boot"))
        XCTAssertTrue(refusal(facts(log: false, marker: .checking)).contains("stopped while it read the index"))
        XCTAssertTrue(refusal(facts(log: false, marker: IndexMarker.flushFailed)).contains("marked it for a rebuild"))
        XCTAssertTrue(refusal(facts(log: false, marker: .openInBoot(thisBoot), boot: nil)).contains("boot id cannot be read"))
        XCTAssertTrue(refusal(facts(log: false, index: false, marker: .clean)).contains("both the append log and the LMDB index are missing"))
    }

    // MARK: what a start does

    func testWithoutTheLogAWholeIndexWritesIt() throws {
        for marker in [nil, IndexMarker.clean, .openInBoot(thisBoot)] {
            let plan = try RecoveryPlan(facts(log: false, marker: marker))
            XCTAssertFalse(plan.opensLog, "\(String(describing: marker))")
            XCTAssertTrue(plan.indexTrusted)
            XCTAssertFalse(plan.rebuildsIndex || plan.setsIndexAside || plan.stoppedUncleanly)
        }
    }

    func testANewLedgerIsBuiltFromAnEmptyLog() throws {
        let plan = try RecoveryPlan(facts(log: false, index: false, marker: nil))
        XCTAssertTrue(plan.opensLog && plan.rebuildsIndex)
        XCTAssertFalse(plan.setsIndexAside)
        XCTAssertNil(plan.rebuildReason(logLastSeq: 0, indexRecords: 0))
    }

    func testACleanIndexIsTrustedReadUnderCheckAndVouchesForTheTail() throws {
        let plan = try RecoveryPlan(facts(marker: .clean, boot: nil))
        XCTAssertTrue(plan.indexTrusted && plan.indexVouchesForTail && plan.readsTrustedIndexUnderCheck)
        XCTAssertFalse(plan.rebuildsIndex || plan.setsIndexAside || plan.continuesRebuild || plan.stoppedUncleanly)
        XCTAssertNil(plan.uncleanStopsToRecord)
        XCTAssertNil(plan.rebuildReason(logLastSeq: 9, indexRecords: 7))
        XCTAssertEqual(plan.markerWhileTakingIn(logLastSeq: 9, indexRecords: 7), .openInBoot)
        XCTAssertEqual(plan.markerWhileTakingIn(logLastSeq: 7, indexRecords: 7), .openInBootWhenThereIsRoom)
    }

    func testOneUncleanStopInThisBootIsTrustedAndCounted() throws {
        let plan = try RecoveryPlan(facts(marker: .openInBoot(thisBoot)))
        XCTAssertTrue(plan.indexTrusted && plan.stoppedUncleanly && plan.indexVouchesForTail)
        XCTAssertEqual(plan.uncleanStopsToRecord, 1)
        XCTAssertNil(plan.rebuildReason(logLastSeq: 9, indexRecords: 7))
        // Its index gone, the rebuild from the log holds no page of the run that stopped.
        XCTAssertNil(try RecoveryPlan(facts(index: false, marker: .openInBoot(thisBoot))).uncleanStopsToRecord)
    }

    func testTheSecondUncleanStopInARowRebuildsAndStartsTheCountAgain() throws {
        let plan = try RecoveryPlan(facts(marker: .openInBoot(thisBoot), uncleanStops: 1))
        XCTAssertFalse(plan.indexTrusted)
        XCTAssertTrue(plan.rebuildsIndex && plan.setsIndexAside && plan.repeatedUncleanStop)
        XCTAssertNil(plan.uncleanStopsToRecord)
        XCTAssertEqual(plan.rebuildReason(logLastSeq: 9, indexRecords: 0), UncleanStops.rebuildReason)
        XCTAssertEqual(plan.markerWhileTakingIn(logLastSeq: 9, indexRecords: 0), .rebuilding)
    }

    func testAnIndexLeftOpenInAnotherBootIsRebuiltWithItsCause() throws {
        let plan = try RecoveryPlan(facts(marker: .openInBoot("boot-z"), uncleanStops: 1))
        XCTAssertFalse(plan.indexTrusted || plan.stoppedUncleanly)
        XCTAssertTrue(plan.rebuildsIndex && plan.setsIndexAside)
        XCTAssertNil(plan.uncleanStopsToRecord, "a rebuild starts the count again")
        XCTAssertEqual(plan.rebuildReason(logLastSeq: 9, indexRecords: 0), "it was left open in an earlier boot of the machine")
        let unknownBoot = try RecoveryPlan(facts(marker: .openInBoot(thisBoot), boot: nil))
        XCTAssertFalse(unknownBoot.indexTrusted)
    }

    func testEveryMarkerThatDistrustsTheIndexRebuildsIt() throws {
        let causes: [(IndexMarker?, String)] = [
            (nil, "its marker (index-state) is missing"), (.checking, "stopped while it read the index"),
            (.rebuildStarting, "a rebuild from the log was starting"), (.rebuilding("boot-z"), "under way in an earlier boot"),
            (IndexMarker.flushFailed, "marked it for a rebuild"),
        ]
        for (marker, cause) in causes {
            let plan = try RecoveryPlan(facts(marker: marker))
            XCTAssertTrue(plan.rebuildsIndex && plan.setsIndexAside && !plan.indexVouchesForTail, "\(String(describing: marker))")
            XCTAssertTrue(plan.rebuildReason(logLastSeq: 9, indexRecords: 0)?.contains(cause) ?? false, "\(String(describing: marker))")
        }
    }

    func testARebuildBegunInThisBootGoesOnWithoutVouchingForTheTail() throws {
        let plan = try RecoveryPlan(facts(keptAside: true, marker: .rebuilding(thisBoot)))
        XCTAssertTrue(plan.indexTrusted && plan.continuesRebuild)
        XCTAssertFalse(plan.rebuildsIndex || plan.setsIndexAside || plan.indexVouchesForTail || plan.stoppedUncleanly)
        XCTAssertEqual(plan.asideAtStart, IndexAside(kept: true, replaced: true), "data.mdb is the rebuild's; the old index is aside")
        XCTAssertEqual(plan.rebuildReason(logLastSeq: 9, indexRecords: 4),
                       "a rebuild from the log begun in this boot was cut short; it went on from record 5")
        XCTAssertEqual(plan.markerWhileTakingIn(logLastSeq: 9, indexRecords: 4), .rebuilding)
        XCTAssertNil(plan.rebuildReason(logLastSeq: 9, indexRecords: 9), "it had finished but for its marker")
    }

    func testATrustedMarkerWithoutAnIndexRebuildsIt() throws {
        let plan = try RecoveryPlan(facts(index: false, marker: .clean))
        XCTAssertTrue(plan.indexTrusted && plan.rebuildsIndex)
        XCTAssertFalse(plan.setsIndexAside || plan.indexVouchesForTail || plan.readsTrustedIndexUnderCheck)
        XCTAssertEqual(plan.rebuildReason(logLastSeq: 9, indexRecords: 0), "there was no LMDB index (data.mdb missing or empty)")
        XCTAssertEqual(plan.markerWhileTakingIn(logLastSeq: 9, indexRecords: 0), .rebuilding)
    }

    func testAnIndexKeptAsideIsPutBackOnlyOnceDataMdbIsNoLongerIt() throws {
        // An earlier start moved the old index aside and was killed before `rebuilding`.
        let restarted = try RecoveryPlan(facts(keptAside: true, marker: .rebuildStarting))
        XCTAssertEqual(restarted.asideAtStart, IndexAside(kept: true, replaced: false))
        XCTAssertFalse(restarted.asideAtStart.putsBackOnRefusal, "data.mdb is still in place until it is set aside")
        // A trusted, whole index is never replaced by what lies aside.
        XCTAssertFalse(try RecoveryPlan(facts(keptAside: true, marker: .clean)).asideAtStart.putsBackOnRefusal)
        XCTAssertTrue(try RecoveryPlan(facts(index: false, keptAside: true, marker: nil)).asideAtStart.putsBackOnRefusal)
    }

    // MARK: the log's tail

    func testAWholeFrameFailingItsDigestIsCutOnlyUnderAnIndexThatVouchesForIt() throws {
        let trusted = try RecoveryPlan(facts(marker: .clean))
        XCTAssertNil(trusted.refusalOfTail(discardedBytes: 300, looksCutOff: false, endOffset: 4096, aside: trusted.asideAtStart))
        let rebuilding = try RecoveryPlan(facts(marker: nil))
        XCTAssertNil(rebuilding.refusalOfTail(discardedBytes: 300, looksCutOff: true, endOffset: 4096, aside: rebuilding.asideAtStart))
        XCTAssertNil(rebuilding.refusalOfTail(discardedBytes: 0, looksCutOff: false, endOffset: 4096, aside: rebuilding.asideAtStart))
        let why = try XCTUnwrap(rebuilding.refusalOfTail(discardedBytes: 300, looksCutOff: false, endOffset: 4096,
                                                         aside: rebuilding.asideAtStart))
        XCTAssertTrue(why.contains("its last 300 bytes (from byte 4096) are a whole frame"))
        XCTAssertTrue(why.contains("truncate -s 4096 /state/ledger/append.log"))
        XCTAssertTrue(why.contains("if the LMDB index (data.mdb"))
        let noIndex = try RecoveryPlan(facts(index: false, marker: .clean))
        let advice = try XCTUnwrap(noIndex.refusalOfTail(discardedBytes: 300, looksCutOff: false, endOffset: 4096, aside: noIndex.asideAtStart))
        XCTAssertTrue(advice.contains("there is no LMDB index to hold them"))
    }

    func testAnIndexWithoutItsLogMustHoldRecordsAndAFinishedRebuild() throws {
        let plan = try RecoveryPlan(facts(log: false, marker: nil))
        XCTAssertNil(plan.refusalOfIndexWithoutLog(records: 5, unfinished: false))
        XCTAssertTrue(plan.refusalOfIndexWithoutLog(records: 0, unfinished: false)?.contains("holds no records") ?? false)
        XCTAssertTrue(plan.refusalOfIndexWithoutLog(records: 5, unfinished: true)?.contains("did not finish (it holds 5 records") ?? false)
    }

    // MARK: every combination

    /// Every start the directory can present (960 of them), against what the rules promise,
    /// each promise worked out here from the facts alone.
    func testEveryCombinationKeepsThePromises() {
        let markers: [IndexMarker?] = [nil, .clean, .openInBoot(thisBoot), .openInBoot("boot-z"), IndexMarker.flushFailed,
                                       .refused("why"), .checking, .rebuilding(thisBoot), .rebuilding("boot-z"), .rebuildStarting]
        var planned = 0
        for log in [false, true] { for index in [false, true] { for keptAside in [false, true] { for refusedAside in [false, true] {
            for marker in markers { for boot in [thisBoot, nil] { for uncleanStops in 0...2 {
                let found = facts(log: log, index: index, keptAside: keptAside, refusedAside: refusedAside,
                                  marker: marker, boot: boot, uncleanStops: uncleanStops)
                let what = "\(found)"
                // Whole in this boot: closed cleanly, or left open (or mid-rebuild) by a run of
                // this very boot, which the machine has not restarted since.
                let markedWhole = marker == .clean || (boot == thisBoot && (marker == .openInBoot(thisBoot) || marker == .rebuilding(thisBoot)))
                let secondUncleanStop = marker == .openInBoot(thisBoot) && uncleanStops >= 1
                let midRebuild = marker == .rebuildStarting || marker == .rebuilding(thisBoot) || marker == .rebuilding("boot-z")
                let refusedBefore = marker == .refused("why") || refusedAside
                // Without the log, its copy is written from an index flushed whole (no marker:
                // from before the log; a trusted one), never from part of a rebuild.
                let writableFromIndex = index && !keptAside && !midRebuild && (marker == nil || markedWhole)
                let plan: RecoveryPlan
                do {
                    plan = try RecoveryPlan(found)
                } catch {
                    let startable = !refusedBefore && (log || writableFromIndex || (!index && !keptAside && marker == nil))
                    XCTAssertFalse(startable, "refused: \(error); \(what)")
                    continue
                }
                planned += 1
                XCTAssertFalse(refusedBefore, "a refusal is never undone by a start: \(what)")
                if !log {
                    XCTAssertTrue(writableFromIndex || (!index && marker == nil), what)
                    XCTAssertEqual(plan.opensLog, !index, "a new ledger opens an empty log: \(what)")
                    continue
                }
                // With the log: an index is used only when marked whole, and not after the
                // second unclean stop in a row; any other is rebuilt from the log.
                let used = markedWhole && !secondUncleanStop
                XCTAssertEqual(plan.indexTrusted, used, what)
                XCTAssertEqual(plan.rebuildsIndex, !used || !index, what)
                XCTAssertEqual(plan.continuesRebuild, used && marker == .rebuilding(thisBoot), what)
                // A whole index is never moved or deleted; one not known to be is set aside.
                XCTAssertEqual(plan.setsIndexAside, index && !used, what)
                // A damaged whole last frame is cut only when a whole index, not mid-rebuild,
                // stands for what was acknowledged; a frame cut short is always cut.
                let vouches = used && index && marker != .rebuilding(thisBoot)
                XCTAssertEqual(plan.refusalOfTail(discardedBytes: 64, looksCutOff: false, endOffset: 8, aside: plan.asideAtStart) == nil,
                               vouches, what)
                XCTAssertNil(plan.refusalOfTail(discardedBytes: 64, looksCutOff: true, endOffset: 8, aside: plan.asideAtStart), what)
                // What lies aside replaces data.mdb only when data.mdb is not an index in use.
                XCTAssertEqual(plan.asideAtStart.putsBackOnRefusal,
                               keptAside && (plan.continuesRebuild || (plan.rebuildsIndex && !index)), what)
                // Unclean stops are counted only toward an index that stays in use.
                XCTAssertEqual(plan.uncleanStopsToRecord, marker == .openInBoot(thisBoot) && used && index ? uncleanStops + 1 : nil, what)
                // While the index holds part of the ledger, the marker says a rebuild.
                let partial = plan.rebuildsIndex || plan.continuesRebuild
                XCTAssertEqual(plan.markerWhileTakingIn(logLastSeq: 9, indexRecords: 4), partial ? .rebuilding : .openInBoot, what)
            } } }
        } } } }
        // With the log: 9 markers (not `refused`) × index × kept aside × boot × 3 counts = 216;
        // without it, no index kept aside and: no marker (2 × 2 × 3 = 12), or a trusted one over
        // an index (`clean` in either boot, `openInBoot` of this one: 3 × 3 = 9).
        XCTAssertEqual(planned, 237, "starts that go on")
    }
}
