import Foundation
import XCTest
@testable import GongkaiStorage

/// The append log is the ledger's source of truth and LMDB its index: every way the two can
/// part (a crash between the log's fsync and LMDB's commit, a machine restart with LMDB
/// half on disk, a ledger from before the log) must end in the same ledger.
final class LedgerRecoveryTests: LedgerTestCase {
    private let thisBoot = "boot-a"
    private var path: String { directory.path }

    private func open(boot: String? = nil) throws -> LedgerStore {
        try LedgerStore(directory: path, boot: boot ?? thisBoot)
    }

    /// A ledger of three batches, closed cleanly; its head.
    private func closedLedgerOfThreeBatches() throws -> LedgerHead {
        let store = try open()
        try appendBatches(store, count: 3)
        try store.close()
        return store.head
    }

    /// Appends `batches` batches of 1–4 records from seq `from`; returns the records.
    @discardableResult
    private func appendBatches(_ store: LedgerStore, count batches: Int) throws -> [TestRecord] {
        var items: [TestRecord] = []
        for batch in 0..<batches {
            let start = store.head.size + 1
            let made = (0..<(batch % 4 + 1)).map { TestRecord(seq: start + UInt64($0), millis: 1_700_000_000_000 + Int64(start)) }
            try store.append(made)
            items += made
        }
        return items
    }

    /// A directory beside the test's ledger, for a second ledger or a copy; removed afterwards.
    private func siblingDirectory(_ name: String) throws -> String {
        let sibling = path + "-" + name
        try FileManager.default.createDirectory(atPath: sibling, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: sibling) }
        return sibling
    }

    private func copyFiles(_ names: [String], from source: String, to target: String) throws {
        for name in names {
            try? FileManager.default.removeItem(atPath: target + "/" + name)
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: target + "/" + name)
        }
    }

    /// Everything a ledger answers from LMDB: head, records, id lookups and receipts.
    private struct Answers: Equatable {
        let head: LedgerHead
        let records: [[UInt8]]
        let lookups: [IdEntry?]
        let receipts: [RecordReceipt?]

        init(_ store: LedgerStore) throws {
            head = store.head
            records = try store.allRecords()
            let sampled = Array(stride(from: UInt64(1), through: max(head.size, 1), by: 3))
            lookups = try sampled.map { try store.lookup(id: "evt-\($0)") }
            receipts = try store.appendBatch { batch in try sampled.map { try batch.receipt(forExisting: $0) } }.0
        }
    }

    func testEveryBatchIsOneFrameHoldingExactlyItsRecords() throws {
        let store = try open()
        let items = try appendBatches(store, count: 9)
        _ = try store.appendBatch { _ in }  // an empty batch writes no frame
        var frames: [AppendLogFrame] = []
        try store.appendLog.forEachFrame { frame, _ in frames.append(frame) }
        XCTAssertEqual(frames.map(\.entries.count), (0..<9).map { $0 % 4 + 1 })
        XCTAssertEqual(frames.flatMap(\.entries).map(\.record), items.map(\.record))
        XCTAssertEqual(frames.flatMap(\.entries).map(\.idKey), items.map { IdEntry.key(forId: $0.id) })
        XCTAssertEqual(store.appendLog.lastSeq, store.head.size)
    }

    func testAFailedBatchLeavesNoFrame() throws {
        let store = try open()
        try appendBatches(store, count: 2)
        let end = store.appendLog.endOffset
        XCTAssertThrowsError(try store.appendBatch { batch in
            try batch.append(TestRecord(seq: batch.size + 1, millis: 1_800_000_000_000))
            throw StorageError("test", message: "refused after an append")
        })
        // A taken id fails inside LMDB, after the batch's first record.
        let late: Int64 = 1_800_000_000_000
        XCTAssertThrowsError(try store.append([TestRecord(seq: store.head.size + 1, id: "x", millis: late),
                                               TestRecord(seq: store.head.size + 2, id: "evt-1", millis: late)]))
        XCTAssertEqual(store.appendLog.endOffset, end)
        try appendBatches(store, count: 1)
        let head = store.head
        XCTAssertEqual(store.appendLog.lastSeq, head.size)
    }

    func testFramesLMDBLacksAfterAProcessCrashAreTakenIn() throws {
        let snapshot = try siblingDirectory("snapshot")
        let expected: Answers
        do {
            let store = try open()
            try appendBatches(store, count: 5)
            // LMDB as a process killed after batch 5 left it; the log got three more frames.
            try copyFiles(["data.mdb", IndexMarker.fileName], from: path, to: snapshot)
            try appendBatches(store, count: 3)
            try copyFiles([AppendLog.fileName], from: path, to: snapshot)
            expected = try Answers(store)
        }
        let head: LedgerHead
        do {
            let recovered = try LedgerStore(directory: snapshot, boot: thisBoot)
            XCTAssertFalse(recovered.recovery.indexRebuilt)
            XCTAssertEqual(try Answers(recovered), expected)
            try appendBatches(recovered, count: 1)
            head = recovered.head
        }
        XCTAssertEqual(try LedgerStore(directory: snapshot, boot: thisBoot).head, head)
    }

    /// Appends and a rebuild from the log both look at RSS every `recordsPerResidentCheck`
    /// records and let go of LMDB's mapped pages when file-backed RSS is over the budget, so
    /// fault-around cannot make RSS count the whole index. A budget of 0 is always over; no
    /// process is over `Int.max`.
    func testAppendsAndRebuildsLetGoOfMappedPagesWhenOverBudget() throws {
        let per = LMDBEnvironment.recordsPerResidentCheck
        let total = 2 * per + 5
        func appendAll(_ store: LedgerStore) throws {
            var appended = 0
            while appended < total {
                let count = min(100, total - appended)
                let start = store.head.size + 1
                try store.append((0..<count).map { TestRecord(seq: start + UInt64($0), millis: 1_700_000_000_000) })
                appended += count
            }
            XCTAssertEqual(store.head.size, UInt64(total))
        }
        do {
            let store = try LedgerStore(directory: path, boot: thisBoot, residentFileBudgetBytes: 0)
            try appendAll(store)
            XCTAssertEqual(store.env.putReleases, 2, "one release per \(per) records appended, across batches")
        }
        let rebuilt = try LedgerStore(directory: path, boot: "boot-b", residentFileBudgetBytes: 0)
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(rebuilt.env.putReleases, 2, "the rebuild lets go as it takes the records in")

        let other = try TemporaryDirectory()
        defer { other.remove() }
        let roomy = try LedgerStore(directory: other.path, boot: thisBoot, residentFileBudgetBytes: .max)
        try appendAll(roomy)
        XCTAssertEqual(roomy.env.putReleases, 0, "under budget nothing is let go")
    }

    func testFileBackedResidentMemoryIsReadFromStatm() throws {
        XCTAssertEqual(LMDBEnvironment.sharedPages(statm: ArraySlice("1057 311 56 7 0 123 0\n".utf8)), 56)
        XCTAssertNil(LMDBEnvironment.sharedPages(statm: ArraySlice("1057 311".utf8)))
        XCTAssertNil(LMDBEnvironment.sharedPages(statm: ArraySlice("1057 311 x 7".utf8)))
        // This test's own process has its program's pages mapped from files.
        let resident = try XCTUnwrap(LMDBEnvironment.fileBackedResidentBytes())
        XCTAssertGreaterThan(resident, 1 << 20)
    }

    func testAnIndexLeftOpenInAnotherBootIsRebuiltFromTheLog() throws {
        let expected: Answers
        do {
            let store = try open()
            try appendBatches(store, count: 12)
            expected = try Answers(store)
        }
        // The machine lost power: LMDB's file is garbage from its first page on.
        let data = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/data.mdb"))
        try data.write(contentsOf: Data(repeating: 0xA5, count: 3 * 4096))
        try data.close()
        do {
            let rebuilt = try open(boot: "boot-b")
            XCTAssertTrue(rebuilt.recovery.indexRebuilt)
            XCTAssertEqual(rebuilt.recovery.rebuildReason, "it was left open in an earlier boot of the machine")
            XCTAssertEqual(try Answers(rebuilt), expected)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/data.mdb.before-rebuild"), "the old index goes once the new one is in place")
        XCTAssertFalse(try open(boot: "boot-b").recovery.indexRebuilt, "the rebuilt index is trusted in its own boot")
    }

    /// A trusted index is read under the `checking` marker: a start that dies inside LMDB
    /// (damaged pages can crash liblmdb itself, with SIGSEGV) or cannot read the index at all
    /// leaves it behind, and the next start rebuilds the index from the log instead of
    /// failing the same way at every restart. A start that read it whole puts back the marker
    /// it stood for.
    func testAStartThatDiedReadingTheIndexIsFollowedByARebuild() throws {
        let expected: Answers
        do {
            let store = try open()
            try appendBatches(store, count: 12)
            expected = try Answers(store)
            try store.close()
        }
        XCTAssertEqual(try IndexMarker.read(directory: path), .clean)
        do {
            let reopened = try open()
            XCTAssertFalse(reopened.recovery.indexRebuilt)
            XCTAssertEqual(try IndexMarker.read(directory: path), .openInBoot(thisBoot), "read whole: not left checking")
            try reopened.close()
        }
        // Damage that stops LMDB in this boot, with the marker trusting the index.
        let data = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/data.mdb"))
        try data.write(contentsOf: Data(repeating: 0xA5, count: 3 * 4096))
        try data.close()
        XCTAssertEqual(try IndexMarker.read(directory: path), .clean)
        XCTAssertThrowsError(try open(), "LMDB cannot read the index")
        XCTAssertEqual(try IndexMarker.read(directory: path), .checking, "the start that failed left its mark")
        let rebuilt = try open()
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(rebuilt.recovery.rebuildReason, "the last start stopped while it read the index (liblmdb may have crashed on a damaged page)")
        XCTAssertEqual(try Answers(rebuilt), expected)
    }

    /// A run that died (no close) leaves its index trusted in this boot; the second such stop
    /// in a row has it rebuilt from the log, since damaged LMDB pages can crash liblmdb on a
    /// read and a restart would serve them again. A clean close starts the count again.
    func testTheSecondUncleanStopInARowRebuildsTheIndex() throws {
        let expected: Answers
        do {
            let store = try open()
            try appendBatches(store, count: 6)
            expected = try Answers(store)
        }  // died: no close
        let counter = UncleanStops(directory: path)
        do {
            let first = try open()
            XCTAssertFalse(first.recovery.indexRebuilt)
            XCTAssertTrue(first.recovery.stoppedUncleanly)
            XCTAssertEqual(counter.counted(), 1)
            try first.close()
        }
        XCTAssertEqual(counter.counted(), 0, "a clean close starts the count again")
        do { _ = try open() }  // died again, after a clean run: the first in a row
        do { _ = try open() }  // and again: the second in a row
        XCTAssertEqual(counter.counted(), 1)
        let rebuilt = try open()
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(rebuilt.recovery.rebuildReason, UncleanStops.rebuildReason)
        XCTAssertEqual(try Answers(rebuilt), expected)
        XCTAssertEqual(counter.counted(), 0, "a rebuild starts the count again")
    }

    /// A run that died and took its index with it: the rebuild from the log holds no page of
    /// that run, so the stop is not counted toward the next rebuild.
    func testAnUncleanStopWhoseIndexIsGoneIsNotCounted() throws {
        do {
            let store = try open()
            try appendBatches(store, count: 3)
        }  // died: no close
        try FileManager.default.removeItem(atPath: path + "/data.mdb")
        try FileManager.default.removeItem(atPath: path + "/lock.mdb")
        XCTAssertEqual(try IndexMarker.read(directory: path), .openInBoot(thisBoot))
        let rebuilt = try open()
        XCTAssertEqual(rebuilt.recovery.rebuildReason, "there was no LMDB index (data.mdb missing or empty)")
        XCTAssertEqual(UncleanStops(directory: path).counted(), 0)
    }

    func testACleanCloseIsTrustedInAnyBoot() throws {
        let head = try closedLedgerOfThreeBatches()
        XCTAssertEqual(try IndexMarker.read(directory: path), .clean)
        let reopened = try open(boot: "boot-b")
        XCTAssertFalse(reopened.recovery.indexRebuilt)
        XCTAssertEqual(reopened.head, head)
        XCTAssertEqual(try IndexMarker.read(directory: path), .openInBoot("boot-b"), "open again: no longer clean")
    }

    /// An index moved aside (README: Damage) or left empty under a clean marker is rebuilt
    /// from the log like any other, and the start says why (it said nothing).
    func testAMissingOrEmptyIndexUnderACleanMarkerIsARebuildThatSaysSo() throws {
        let head = try closedLedgerOfThreeBatches()
        for empty in [false, true] {
            XCTAssertEqual(try IndexMarker.read(directory: path), .clean)
            try FileManager.default.removeItem(atPath: path + "/data.mdb")
            try FileManager.default.removeItem(atPath: path + "/lock.mdb")
            if empty { XCTAssertTrue(FileManager.default.createFile(atPath: path + "/data.mdb", contents: nil)) }
            let rebuilt = try open()
            XCTAssertEqual(rebuilt.recovery.rebuildReason, "there was no LMDB index (data.mdb missing or empty)", "empty: \(empty)")
            XCTAssertEqual(rebuilt.head, head)
            try rebuilt.close()
        }
        XCTAssertNil(try open().recovery.rebuildReason, "a whole index under a clean marker is no rebuild")
    }

    func testAnUnknownBootOrAMissingMarkerTrustsNothing() throws {
        let head: LedgerHead
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            head = store.head
        }
        XCTAssertTrue(try LedgerStore(directory: path, boot: nil).recovery.indexRebuilt)
        let unknown = try LedgerStore(directory: path, boot: nil).recovery
        XCTAssertTrue(unknown.indexRebuilt, "unknown never equals unknown")
        XCTAssertEqual(unknown.rebuildReason, "this machine's boot id cannot be read, so an index left open is not trusted")
        try FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName)
        let reopened = try open()
        XCTAssertTrue(reopened.recovery.indexRebuilt)
        XCTAssertEqual(reopened.recovery.rebuildReason, "its marker (index-state) is missing, so the index was not known to be whole",
                       "not a reboot: the journal names the cause")
        XCTAssertEqual(reopened.head, head)
        XCTAssertTrue(LedgerStore.markIndexForRebuild(directory: path))
        XCTAssertEqual(try open().recovery.rebuildReason,
                       "an earlier run marked it for a rebuild (a flush that failed, damage found, or a failed fdatasync of the log)")
    }

    func testALedgerFromBeforeTheLogGetsItsLogWrittenFromLMDB() throws {
        let expected: Answers, items: [TestRecord], written: [AppendLogFrame]
        do {
            let store = try open()
            items = try appendBatches(store, count: 7)
            expected = try Answers(store)
            written = try frames(of: store)
            try store.close()
        }
        for name in [AppendLog.fileName, IndexMarker.fileName] { try FileManager.default.removeItem(atPath: path + "/" + name) }
        do {
            let migrated = try open()
            XCTAssertTrue(migrated.recovery.logWritten)
            XCTAssertFalse(migrated.recovery.logLost, "no marker: a ledger from before the log")
            XCTAssertEqual(try Answers(migrated), expected)
            let frames = try frames(of: migrated)
            XCTAssertEqual(frames, written, "the same frames as the log written by the appends")
            XCTAssertEqual(frames.map(\.entries.count), (0..<7).map { $0 % 4 + 1 }, "one frame per stored commit")
            XCTAssertEqual(frames.flatMap(\.entries).map(\.record), items.map(\.record))
        }
        // The written log alone rebuilds the same ledger.
        let rebuilt = try open(boot: "boot-b")
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(try Answers(rebuilt), expected)
    }

    func testALogWrittenFromALedgerOfManyReadChunks() throws {
        let batch = AppendLogMigration.chunkRecords * 2 / 3
        let expected: Answers, written: [AppendLogFrame]
        do {
            let store = try open()
            for round in 0..<3 {
                let start = store.head.size + 1
                try store.append((0..<UInt64(batch)).map { TestRecord(seq: start + $0, millis: 1_700_000_000_000 + Int64(round)) })
            }
            expected = try Answers(store)
            written = try frames(of: store)
        }
        for name in [AppendLog.fileName, IndexMarker.fileName] { try FileManager.default.removeItem(atPath: path + "/" + name) }
        do {
            let migrated = try open()
            XCTAssertTrue(migrated.recovery.logWritten)
            XCTAssertEqual(try frames(of: migrated), written)
        }
        let rebuilt = try open(boot: "boot-b")
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(try Answers(rebuilt), expected)
    }

    private func frames(of store: LedgerStore) throws -> [AppendLogFrame] {
        var frames: [AppendLogFrame] = []
        try store.appendLog.forEachFrame { frame, _ in frames.append(frame) }
        return frames
    }

    /// A ledger of six batches whose run died (no close): its head, and its index's bytes.
    private func ledgerOfSixBatchesLeftOpen() throws -> (head: LedgerHead, indexBytes: Data) {
        let head: LedgerHead
        do {
            let store = try open()
            try appendBatches(store, count: 6)
            head = store.head
        }
        return (head, try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")))
    }

    /// README: Damage's remedy for a damaged log: move it aside, remove index-state, start;
    /// the log is written again from the index.
    private func writeTheLogAgainFromTheIndex(boot: String? = nil) throws -> LedgerStore {
        try FileManager.default.moveItem(atPath: path + "/" + AppendLog.fileName, toPath: path + "/append.log.damaged")
        try FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName)
        return try open(boot: boot)
    }

    /// A rebuild stopped by a damaged frame puts the index it was to replace back as data.mdb,
    /// so README: Damage's remedy for a damaged log (write the log again from the index) gets
    /// the whole index, not the rebuild's first records (a helper's run lost 3,327
    /// acknowledged records that way, and their seqs went to new appends).
    func testADamagedLogStopsARebuildAndPutsTheOldIndexBack() throws {
        let (head, indexBytes) = try ledgerOfSixBatchesLeftOpen()
        let logURL = URL(fileURLWithPath: path + "/" + AppendLog.fileName)
        // A frame past the first ones: the rebuild commits those before it meets the damage.
        var frameEnds: [UInt64] = []
        try AppendLog(directory: path).forEachFrame { _, end in frameEnds.append(end) }
        var bytes = try Data(contentsOf: logURL)
        bytes[Int(frameEnds[3]) + 40] ^= 8
        try bytes.write(to: logURL)
        XCTAssertThrowsError(try open(boot: "boot-b")) { error in
            XCTAssertTrue("\(error)".contains("append log damaged"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/data.mdb.before-rebuild"))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), indexBytes, "the index as it was")
        XCTAssertThrowsError(try open(boot: "boot-b"), "the refusal sticks")
        // README: Damage, a frame that fails its SHA-256: move the log aside, remove index-state, start.
        let mended = try writeTheLogAgainFromTheIndex(boot: "boot-b")
        XCTAssertTrue(mended.recovery.logWritten)
        XCTAssertEqual(mended.head, head, "every record, under the same root")
    }

    /// A process stopped in the middle of a rebuild leaves the old index aside and part of the
    /// new one as data.mdb: without the log, the start is refused rather than writing a log
    /// from that part.
    func testWithoutTheLogAnUnfinishedRebuildStopsTheOpen() throws {
        do { try appendBatches(try open(), count: 4) }
        let indexBytes = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        try FileManager.default.copyItem(atPath: path + "/data.mdb", toPath: path + "/data.mdb.before-rebuild")
        try FileManager.default.removeItem(atPath: path + "/" + AppendLog.fileName)
        try FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName)
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("a rebuild of the index from the log did not finish"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/" + AppendLog.fileName), "no log written from data.mdb")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb.before-rebuild")), indexBytes)
    }

    /// The log's last frame, rewritten by `change`; returns the offset it starts at.
    @discardableResult
    private func changeLastFrame(_ change: (inout Data, Range<Int>) -> Void) throws -> Int {
        var frameEnds: [UInt64] = []
        try AppendLog(directory: path).forEachFrame { _, end in frameEnds.append(end) }
        let logURL = URL(fileURLWithPath: path + "/" + AppendLog.fileName)
        var bytes = try Data(contentsOf: logURL)
        let start = frameEnds.count > 1 ? Int(frameEnds[frameEnds.count - 2]) : Int(AppendLog.startOffset)
        change(&bytes, start..<bytes.count)
        try bytes.write(to: logURL)
        return start
    }

    /// A last frame with all its bytes that only fails its SHA-256 is damage, not a write a
    /// crash cut off: when the index is to be rebuilt it is not cut off (it may be
    /// acknowledged records that only the old index still holds; a helper lost 88 that way),
    /// and nothing is moved; README: Damage's remedy then gives back every record.
    func testADamagedWholeLastFrameIsNotCutOffWhenTheIndexIsRebuilt() throws {
        let (head, indexBytes) = try ledgerOfSixBatchesLeftOpen()
        try changeLastFrame { bytes, frame in bytes[frame.lowerBound + 40] ^= 8 }
        let logBytes = try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        for boot in ["boot-b", thisBoot] {
            try? FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName)
            XCTAssertThrowsError(try open(boot: boot)) { error in
                XCTAssertTrue("\(error)".contains("a whole frame that fails its SHA-256"), "\(error)")
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName)), logBytes, "not cut")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), indexBytes, "the index untouched")
            XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/data.mdb.before-rebuild"))
        }
        XCTAssertEqual(try writeTheLogAgainFromTheIndex(boot: "boot-b").head, head, "every record, under the same root")
    }

    /// What a crash leaves is still cut off when the index is rebuilt: a last frame cut short,
    /// or one whose blocks a power cut left as zeros (all its length there): its end, or all of
    /// it but its first bytes.
    func testALastFrameACrashCutShortOrLeftAsZerosIsCutOffWhenTheIndexIsRebuilt() throws {
        for zeros in [0, 8, 400] {
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let records: [TestRecord]
            do { records = try appendBatches(try open(), count: 6) }  // left open: its last frame may be torn
            let start = try changeLastFrame { bytes, frame in
                if zeros > 0 {
                    bytes.replaceSubrange(frame.upperBound - zeros..<frame.upperBound, with: Data(count: zeros))
                } else {
                    bytes.removeSubrange((frame.lowerBound + frame.count / 2)..<frame.upperBound)
                }
            }
            let rebuilt = try open(boot: "boot-b")
            XCTAssertTrue(rebuilt.recovery.indexRebuilt)
            XCTAssertGreaterThan(rebuilt.recovery.discardedTailBytes, 0, "zeros: \(zeros)")
            XCTAssertEqual(rebuilt.head.size, UInt64(records.count - 2), "the last batch (of 2) is gone: zeros: \(zeros)")
            XCTAssertEqual(rebuilt.appendLog.endOffset, UInt64(start))
        }
    }

    /// The other ways a helper found to have such a frame cut off: a flip in the header's
    /// length (the trailer still says the frame is whole), an index missing under a trusted
    /// marker (rebuilt all the same), and a rebuild going on in the same boot (its index does
    /// not hold the frame yet). Without data.mdb the message does not send the operator to
    /// write the log from an index that is not there.
    func testEveryWayOfRebuildingKeepsADamagedWholeLastFrame() throws {
        let partial = try siblingDirectory("partial")
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            try store.close()
            try copyFiles(["data.mdb"], from: path, to: partial)
            let more = try open()
            try appendBatches(more, count: 3)
            try more.close()
        }
        let pristine = try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        func restoreLog() throws { try pristine.write(to: URL(fileURLWithPath: path + "/" + AppendLog.fileName)) }
        func refusal(_ boot: String? = nil) -> String {
            do {
                _ = try open(boot: boot)
                return "opened"
            } catch {
                return "\(error)"
            }
        }
        // The header's payload length raised by a flip: the header claims more than is there.
        try changeLastFrame { bytes, frame in bytes[frame.lowerBound + 25] ^= 0x10 }
        try FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName)
        XCTAssertTrue(refusal("boot-b").contains("a whole frame that fails its SHA-256"), refusal("boot-b"))
        // An index missing under a clean marker.
        try restoreLog()
        try changeLastFrame { bytes, frame in bytes[frame.lowerBound + 40] ^= 8 }
        try IndexMarker.clean.write(directory: path)
        try FileManager.default.moveItem(atPath: path + "/data.mdb", toPath: path + "/data.mdb.moved")
        try? FileManager.default.removeItem(atPath: path + "/lock.mdb")
        let withoutIndex = refusal()
        XCTAssertTrue(withoutIndex.contains("a whole frame that fails its SHA-256"), withoutIndex)
        XCTAssertTrue(withoutIndex.contains("there is no LMDB index to hold them"), withoutIndex)
        // A rebuild going on in this boot, from part of the index, the old one waiting aside:
        // the refusal puts the old one back.
        try copyFiles(["data.mdb"], from: partial, to: path)
        try FileManager.default.moveItem(atPath: path + "/data.mdb.moved", toPath: path + "/data.mdb.before-rebuild")
        let oldIndex = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb.before-rebuild"))
        try IndexMarker.rebuilding(thisBoot).write(directory: path)
        let goingOn = refusal()
        XCTAssertTrue(goingOn.contains("a whole frame that fails its SHA-256"), goingOn)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName)).count, pristine.count, "not cut")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), oldIndex, "the old index back in place")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/data.mdb.before-rebuild"))
    }

    /// The index of an unfinished rebuild says so itself, in LMDB: a start without the log is
    /// refused even when the marker beside it was replaced by a refusal and then removed (a
    /// helper lost 2,858 records that way following README: Damage).
    func testAnIndexFromAnUnfinishedRebuildIsNeverTakenForWholeWithoutTheLog() throws {
        let head: LedgerHead
        do {
            let store = try open()
            try appendBatches(store, count: 6)
            head = store.head
        }
        // A copy of the index taken during a rebuild, between two of its transactions.
        let during = try siblingDirectory("during")
        let directory = path
        var copied = false
        let rebuilt = try LedgerStore(directory: directory, boot: "boot-b", progress: { _, _ in
            guard !copied else { return }
            copied = (try? FileManager.default.copyItem(atPath: directory + "/data.mdb", toPath: during + "/data.mdb")) != nil
        })
        XCTAssertTrue(copied)
        XCTAssertEqual(rebuilt.head, head)
        try rebuilt.close()
        try copyFiles(["data.mdb"], from: during, to: path)
        try? FileManager.default.removeItem(atPath: path + "/lock.mdb")
        try FileManager.default.moveItem(atPath: path + "/" + AppendLog.fileName, toPath: path + "/append.log.aside")
        for marker in [IndexMarker.refused("a damaged frame"), nil] {
            if let marker { try marker.write(directory: path) } else { try FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName) }
            XCTAssertThrowsError(try open()) { error in
                let expected = marker == nil ? "a rebuild from it that did not finish" : "an earlier start refused"
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/" + AppendLog.fileName), "no log written from the rebuild's index")
        // The finished rebuild's index is not flagged: without its log it is whole.
        try FileManager.default.moveItem(atPath: path + "/append.log.aside", toPath: path + "/" + AppendLog.fileName)
        try FileManager.default.removeItem(atPath: path + "/data.mdb")
        _ = try open(boot: "boot-c")
        try FileManager.default.moveItem(atPath: path + "/" + AppendLog.fileName, toPath: path + "/append.log.aside")
        try IndexMarker.clean.write(directory: path)
        XCTAssertEqual(try open().head, head)
    }

    /// The marker says `rebuilding` before the untrusted index is moved: a start that fails
    /// (or is killed) while moving it leaves nothing a later start takes for a whole index.
    func testARebuildIsMarkedBeforeTheOldIndexIsMoved() throws {
        do { try appendBatches(try open(), count: 3) }
        try FileManager.default.removeItem(atPath: path + "/lock.mdb")
        try FileManager.default.createDirectory(atPath: path + "/lock.mdb/held", withIntermediateDirectories: true)
        XCTAssertThrowsError(try open(boot: "boot-b")) { error in
            XCTAssertTrue("\(error)".contains("aside"), "\(error)")
        }
        XCTAssertEqual(try IndexMarker.read(directory: path), .rebuildStarting)
    }

    /// `rebuild-starting` (a start stopped before its new index was flagged unfinished) trusts
    /// nothing: data.mdb may be the old index it distrusted or a new, empty one. With the log
    /// the rebuild begins again; without it the start is refused.
    func testARebuildThatWasStartingBeginsAgainAndIsRefusedWithoutTheLog() throws {
        let expected: Answers
        do {
            let store = try open()
            try appendBatches(store, count: 5)
            expected = try Answers(store)
            try store.close()
        }
        for emptyIndex in [false, true] {
            try IndexMarker.rebuildStarting.write(directory: path)
            if emptyIndex {
                try FileManager.default.removeItem(atPath: path + "/data.mdb")
                try? FileManager.default.removeItem(atPath: path + "/lock.mdb")
                _ = try LMDBEnvironment(path: path, initialMapBytes: 1 << 20, residentFileBudgetBytes: 1 << 20)
            }
            let rebuilt = try open()
            XCTAssertEqual(rebuilt.recovery.rebuildReason, "a rebuild from the log was starting when the last start stopped", "empty: \(emptyIndex)")
            XCTAssertEqual(try Answers(rebuilt), expected, "empty: \(emptyIndex)")
            try rebuilt.close()
        }
        try IndexMarker.rebuildStarting.write(directory: path)
        try FileManager.default.moveItem(atPath: path + "/" + AppendLog.fileName, toPath: path + "/append.log.aside")
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("index-state says rebuild-starting"), "\(error)")
        }
        // A start that stopped reading the index, without the log, is told so.
        try IndexMarker.checking.write(directory: path)
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("the last start stopped while it read the index"), "\(error)")
        }
    }

    /// A start killed after moving the old index aside, before making the new one, leaves no
    /// data.mdb: a refusal of the next start (a damaged last frame) puts the kept index back,
    /// and its advice names it; without the log, an index with no records (a new one whose
    /// first commit never came) is not taken for a ledger to write the log from.
    func testAnIndexKeptAsideByAStartThatWasKilledIsPutBackAndAnEmptyIndexIsNoLedger() throws {
        let head: LedgerHead
        do {
            let store = try open()
            try appendBatches(store, count: 6)
            head = store.head
            try store.close()
        }
        let indexBytes = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        try FileManager.default.moveItem(atPath: path + "/data.mdb", toPath: path + "/data.mdb.before-rebuild")
        try? FileManager.default.removeItem(atPath: path + "/lock.mdb")
        try IndexMarker.rebuildStarting.write(directory: path)
        try changeLastFrame { bytes, frame in bytes[frame.lowerBound + 40] ^= 8 }
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("back in place if it was kept aside"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), indexBytes, "the kept index back")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/data.mdb.before-rebuild"))
        XCTAssertEqual(try writeTheLogAgainFromTheIndex().head, head)
        // An empty new index, no log, no marker.
        let empty = try siblingDirectory("empty")
        _ = try LMDBEnvironment(path: empty, initialMapBytes: 1 << 20, residentFileBudgetBytes: 1 << 20)
        XCTAssertThrowsError(try LedgerStore(directory: empty, boot: thisBoot)) { error in
            XCTAssertTrue("\(error)".contains("the LMDB index holds no records"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty + "/" + AppendLog.fileName))
    }

    /// A whole last frame whose header was damaged, followed by zeros (a later write that never
    /// reached the disk), is still a whole frame by its trailer: not cut off in a rebuild.
    func testAWholeFrameFollowedByZerosIsNotTakenForACutOffWrite() throws {
        do { try appendBatches(try open(), count: 6) }
        try changeLastFrame { bytes, frame in
            bytes[frame.lowerBound] ^= 0x01
            bytes.append(Data(count: 4096))
        }
        try FileManager.default.removeItem(atPath: path + "/" + IndexMarker.fileName)
        XCTAssertThrowsError(try open(boot: "boot-b")) { error in
            XCTAssertTrue("\(error)".contains("a whole frame that fails its SHA-256"), "\(error)")
        }
    }

    /// A rebuild marks the index `rebuilding` until it is done: in the same boot the next
    /// start goes on from the records the index holds, in another it begins again, and
    /// without the log it is refused (the old index may have had no room to be kept aside,
    /// so nothing else shows the index is part of the ledger).
    func testAnIndexMarkedRebuildingGoesOnInItsBootAndIsNotTakenForWholeWithoutTheLog() throws {
        let partial = try siblingDirectory("partial")
        let expected: Answers
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            try store.close()
            try copyFiles(["data.mdb"], from: path, to: partial)
            let more = try open()
            try appendBatches(more, count: 5)
            expected = try Answers(more)
            try more.close()
        }
        // The state a start killed in the middle of a rebuild leaves: part of the index.
        func leaveAPartialRebuild(boot: String) throws {
            try copyFiles(["data.mdb"], from: partial, to: path)
            try? FileManager.default.removeItem(atPath: path + "/lock.mdb")
            try IndexMarker.rebuilding(boot).write(directory: path)
        }
        try leaveAPartialRebuild(boot: thisBoot)
        do {
            let resumed = try open()
            XCTAssertEqual(resumed.recovery.rebuildReason, "a rebuild from the log begun in this boot was cut short; it went on from record 7")
            XCTAssertEqual(try Answers(resumed), expected)
            XCTAssertEqual(try IndexMarker.read(directory: path), .openInBoot(thisBoot), "done: no longer rebuilding")
            try resumed.close()
        }
        try leaveAPartialRebuild(boot: "boot-b")
        do {
            let again = try open()
            XCTAssertEqual(again.recovery.rebuildReason, "a rebuild from the log was under way in an earlier boot of the machine")
            XCTAssertEqual(try Answers(again), expected)
            try again.close()
        }
        try leaveAPartialRebuild(boot: thisBoot)
        try FileManager.default.moveItem(atPath: path + "/" + AppendLog.fileName, toPath: path + "/append.log.elsewhere")
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("the index was being rebuilt from it"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/" + AppendLog.fileName), "no log written from part of the index")
    }

    /// While a rebuild from the log runs the index is marked `rebuilding`; once it is done,
    /// open in its boot.
    func testARebuildIsMarkedAsSuchUntilItEndsOpenInItsBoot() throws {
        do { try appendBatches(try open(), count: 4) }
        var markers: [IndexMarker?] = []
        let directory = path
        _ = try LedgerStore(directory: directory, boot: "boot-b", progress: { _, _ in markers.append(try? IndexMarker.read(directory: directory)) })
        XCTAssertFalse(markers.isEmpty)
        XCTAssertEqual(Set(markers.map { "\($0.map(String.init(describing:)) ?? "none")" }), [#"rebuilding("boot-b")"#])
        XCTAssertEqual(try IndexMarker.read(directory: path), .openInBoot("boot-b"))
    }

    /// When the untrusted index cannot be kept aside (an older aside is there, or the disk is
    /// short of room) it is deleted, but only after the whole log was checked: a damaged
    /// frame stops the open with the index still in place.
    func testAnIndexThatCannotBeKeptAsideIsNotDeletedForADamagedLog() throws {
        do { try appendBatches(try open(), count: 4) }
        let indexBytes = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        XCTAssertTrue(FileManager.default.createFile(atPath: path + "/data.mdb.before-rebuild", contents: Data("older".utf8)))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        bytes[Int(AppendLog.startOffset) + 50] ^= 8
        try bytes.write(to: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        XCTAssertThrowsError(try open(boot: "boot-b")) { error in
            XCTAssertTrue("\(error)".contains("damaged"), "\(error)")
        }
        XCTAssertEqual(try? Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), indexBytes,
                       "the index is still there, not deleted and begun again")
    }

    /// A marker that reads as nothing known was damaged, and may have been a refusal: the
    /// open is refused, in any boot, and nothing is rebuilt.
    func testADamagedMarkerStopsTheOpen() throws {
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            try store.close()
        }
        let indexBytes = try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb"))
        try Data("refu\u{0}ed shorter log\n".utf8).write(to: URL(fileURLWithPath: path + "/" + IndexMarker.fileName))
        for boot in [thisBoot, "boot-b"] {
            XCTAssertThrowsError(try open(boot: boot)) { error in
                XCTAssertTrue("\(error)".contains("is damaged"), "\(error)")
            }
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/data.mdb")), indexBytes, "the index is untouched")
    }

    func testALostLogWithAnIndexLeftOpenInAnotherBootStopsTheOpen() throws {
        do { try appendBatches(try open(), count: 2) }
        try FileManager.default.removeItem(atPath: path + "/" + AppendLog.fileName)
        XCTAssertThrowsError(try open(boot: "boot-b")) { error in
            XCTAssertTrue("\(error)".contains("the append log is missing"), "\(error)")
        }
        // In the boot that left it open the index is whole, and the log is written from it.
        let store = try open()
        XCTAssertTrue(store.recovery.logWritten)
        XCTAssertTrue(store.recovery.logLost, "the marker says the ledger had a log")
        XCTAssertEqual(store.head.size, 3)
    }

    func testALogShorterThanTheIndexStopsTheOpen() throws {
        let older = try siblingDirectory("older")
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            try copyFiles([AppendLog.fileName], from: path, to: older)
            try appendBatches(store, count: 2)
            try store.close()
        }
        try copyFiles([AppendLog.fileName], from: older, to: path)
        for boot in [thisBoot, "boot-b"] {
            XCTAssertThrowsError(try open(boot: boot)) { error in
                XCTAssertTrue("\(error)".contains("lacks acknowledged records"), "\(error)")
                // Every later start repeats the remedy, not just "remove index-state".
                XCTAssertTrue("\(error)".contains("move append.log aside and remove index-state"), "\(error)")
            }
            guard case .refused = try IndexMarker.read(directory: path) else {
                return XCTFail("a refused open stays refused in any later boot, never rebuilt from the shorter log")
            }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "/data.mdb"), "the index with the extra records is untouched")
    }

    /// A refusal whose marker could not be written (a full disk) moves the index aside to
    /// data.mdb.refused; the marker still says clean and data.mdb is gone, so without its own
    /// check the next open would build a new index from the log, shorter than the one refused.
    func testAnIndexMovedAsideByARefusalStopsEveryLaterOpen() throws {
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            try store.close()
        }
        XCTAssertEqual(rename(path + "/data.mdb", path + "/data.mdb.refused"), 0)
        for boot in [thisBoot, "boot-b"] {
            XCTAssertThrowsError(try open(boot: boot)) { error in
                XCTAssertTrue("\(error)".contains("data.mdb.refused"), "\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "/data.mdb"), "no new index was made")
        XCTAssertEqual(try IndexMarker.read(directory: path), .clean, "nothing was written")
    }

    /// After appends were refused for a broken log (or a fatal LMDB error) the index is not
    /// marked clean at close: the next open, in this boot too, rebuilds it from the log.
    func testACloseAfterABrokenLogMarksTheIndexForARebuild() throws {
        let head: LedgerHead
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            store.appendLog.markBroken("cutting the log back failed: Input/output error")
            try store.close()
            head = store.head
        }
        XCTAssertEqual(try IndexMarker.read(directory: path), IndexMarker.flushFailed)
        let reopened = try open(boot: thisBoot)
        XCTAssertTrue(reopened.recovery.indexRebuilt)
        XCTAssertEqual(reopened.head, head)
    }

    /// Marked at once, not only at `close`: a daemon killed after appends were refused must
    /// not trust its index at the next start in the same boot.
    func testABrokenLogMarksTheIndexForARebuildBeforeAnyClose() throws {
        let store = try open()
        try appendBatches(store, count: 3)
        XCTAssertEqual(try IndexMarker.read(directory: path), .openInBoot(thisBoot))
        store.appendLog.markBroken("cutting the log back failed: Input/output error")
        XCTAssertEqual(try IndexMarker.read(directory: path), IndexMarker.flushFailed)
    }

    func testATornLastFrameThatTheIndexHoldsIsNeverCut() throws {
        do { try appendBatches(try open(), count: 3) }
        // The last frame damaged although the index (same boot, trusted) holds its records:
        // acknowledged data gone bad, not a torn write.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        bytes[bytes.count - 60] ^= 2
        try bytes.write(to: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        XCTAssertThrowsError(try open())
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path + "/" + AppendLog.fileName)), bytes, "the log was not cut")
        XCTAssertThrowsError(try open(boot: "boot-b"), "still refused after a reboot")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "/data.mdb"))
    }

    func testALastRecordThatDiffersStopsTheOpen() throws {
        let other = try siblingDirectory("other")
        let size: UInt64
        do {
            let store = try open()
            try appendBatches(store, count: 3)
            size = store.head.size
        }
        // Another ledger of the same length whose last record differs.
        do {
            let second = try LedgerStore(directory: other, boot: thisBoot)
            try second.append((1...size).map { TestRecord(seq: $0, padding: $0 == size ? 3 : 0) })
        }
        try copyFiles([AppendLog.fileName], from: other, to: path)
        XCTAssertThrowsError(try open()) { error in
            XCTAssertTrue("\(error)".contains("differs"), "\(error)")
            // LMDB keeps no checksums: the remedy names the rebuild from a log that is this
            // ledger's own before a backup, which would lose what came after it.
            XCTAssertTrue("\(error)".contains("move data.mdb aside, remove lock.mdb and index-state"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("otherwise restore a backup"), "\(error)")
        }
    }

    func testVerifyWantsEachFrameToBeOneCommitOfTheIndex() throws {
        let other = try siblingDirectory("other")
        let items = (1...9).map { TestRecord(seq: UInt64($0)) }
        do {
            let store = try open()
            try store.append(Array(items[..<4]))
            try store.append(Array(items[4...]))
        }
        do { try LedgerStore(directory: other, boot: thisBoot).append(items) }
        // The same records in one frame instead of two: every record agrees, the commits do not.
        try copyFiles([AppendLog.fileName], from: other, to: path)
        let store = try open()
        let report = try store.verify(head: store.head)
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.badSeq, 1)
        XCTAssertEqual(report.reason, "the append log's frame of records 1…9 is not one commit of the index")
    }

    func testVerifyComparesTheLogWithTheIndex() throws {
        let other = try siblingDirectory("other")
        let items = (1...9).map { TestRecord(seq: UInt64($0)) }
        let altered = items.map { $0.seq == 5 ? TestRecord(seq: 5, padding: 2) : $0 }
        for (directory, records) in [(path, items), (other, altered)] {
            let store = try LedgerStore(directory: directory, boot: thisBoot)
            try store.append(Array(records[..<4]))
            try store.append(Array(records[4...]))
            XCTAssertTrue(try store.verify(head: store.head).ok)
            try store.close()  // a second unclean stop in a row would rebuild the index (UncleanStops)
        }
        // A log that differs from the index before its last record still opens; VERIFY finds it.
        try copyFiles([AppendLog.fileName], from: other, to: path)
        do {
            let store = try open()
            let report = try store.verify(head: store.head)
            XCTAssertFalse(report.ok)
            XCTAssertEqual(report.badSeq, 5)
            XCTAssertEqual(report.reason, "the append log holds other bytes for this record")
            try store.close()
        }
        // A damaged byte inside the first frame.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: other + "/" + AppendLog.fileName))
        bytes[Int(AppendLog.startOffset) + 100] ^= 4
        try bytes.write(to: URL(fileURLWithPath: path + "/" + AppendLog.fileName))
        let store = try open()
        let report = try store.verify(head: store.head)
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.badSeq, 1)
        XCTAssertTrue(report.reason?.hasPrefix("the append log cannot be read at record 1") ?? false, "\(report)")
    }

    /// A broken log marks the index for a rebuild before it cuts anything off; without room
    /// for the marker (here a directory where its temporary file goes), removing the marker
    /// marks it as well, and the next open, in this boot too, rebuilds the index.
    func testWithoutRoomForTheMarkerTheIndexIsMarkedForRebuildByRemovingIt() throws {
        do {
            // One named boot for both opens: without a boot id an index is never trusted.
            let store = try LedgerStore(directory: directory.path, boot: "this-boot")
            try store.append([TestRecord(seq: 1), TestRecord(seq: 2)])
            XCTAssertEqual(try IndexMarker.read(directory: directory.path), .openInBoot("this-boot"))
            XCTAssertEqual(mkdir(directory.path + "/" + IndexMarker.fileName + ".new", 0o700), 0)
            XCTAssertTrue(LedgerStore.markIndexForRebuild(directory: directory.path))
            XCTAssertNil(try IndexMarker.read(directory: directory.path))
            // The store is dropped without `close`, as a daemon that stopped at once would be.
        }
        XCTAssertEqual(rmdir(directory.path + "/" + IndexMarker.fileName + ".new"), 0, "room again")
        let reopened = try LedgerStore(directory: directory.path, boot: "this-boot")
        XCTAssertTrue(reopened.recovery.indexRebuilt)
        XCTAssertEqual(reopened.head.size, 2)
    }
}
