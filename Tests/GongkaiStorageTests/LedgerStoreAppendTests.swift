import XCTest
import GongkaiJSON
import GongkaiMerkle
@testable import GongkaiStorage

/// Appends produce the RFC 6962 tree of the record bytes, with seq from 1 and no gaps.
final class LedgerStoreAppendTests: LedgerTestCase {
    func testEmptyLedgerHasSizeZeroAndTheEmptyRoot() throws {
        let store = try openStore()
        XCTAssertEqual(store.head, LedgerHead(size: 0, root: RFC6962.emptyRoot, recordedMillis: nil))
        // SHA-256 of nothing.
        XCTAssertEqual(store.head.root.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(store.staleReadersCleared, 0)
        XCTAssertNil(try store.record(1))
        XCTAssertNil(try store.lookup(id: "evt-1"))
        XCTAssertEqual(try store.allRecords(), [])
    }

    func testHeadAfterABatchIsTheNaiveRootOfTheRecords() throws {
        let store = try openStore()
        let items = (1...7).map { TestRecord(seq: UInt64($0), millis: 1_700_000_000_000 + Int64($0)) }
        let (appended, head) = try store.append(items)
        XCTAssertEqual(head.size, 7)
        XCTAssertEqual(head.root, NaiveMTH.root(records: items.map(\.record)))
        XCTAssertEqual(head.recordedMillis, 1_700_000_000_007)
        XCTAssertEqual(store.head, head)
        // Each append answers its seq and its leaf.
        for (index, answer) in appended.enumerated() {
            XCTAssertEqual(answer.seq, UInt64(index + 1))
            XCTAssertEqual(answer.leaf, items[index].leaf)
        }
    }

    func testSeveralBatchesKeepTheRootRight() throws {
        let store = try openStore()
        var all: [TestRecord] = []
        for batchSize in [1, 1, 2, 3, 5, 8, 13, 1, 30] {
            let items = (0..<batchSize).map { TestRecord(seq: UInt64(all.count + $0 + 1)) }
            let (_, head) = try store.append(items)
            all += items
            XCTAssertEqual(head.size, UInt64(all.count))
            XCTAssertEqual(head.root, NaiveMTH.root(records: all.map(\.record)), "size \(all.count)")
        }
        XCTAssertEqual(try store.allRecords(), all.map(\.record))
    }

    func testBatchSeesItsOwnAppends() throws {
        let store = try openStore()
        try store.append([TestRecord(seq: 1)])
        let (sizes, _) = try store.appendBatch { batch -> [UInt64] in
            var sizes = [batch.size]
            XCTAssertEqual(batch.latestRecordedMillis, 1_700_000_000_000)
            try batch.append(TestRecord(seq: 2, millis: 1_700_000_000_500))
            sizes.append(batch.size)
            XCTAssertEqual(batch.latestRecordedMillis, 1_700_000_000_500)
            // The id index and the tree include this batch's append before commit.
            XCTAssertEqual(try batch.lookup(id: "evt-2")?.seq, 2)
            XCTAssertNil(try batch.receipt(forExisting: 2), "a record of this batch has no receipt until it commits")
            XCTAssertEqual(try batch.receipt(forExisting: 1)?.size, 1)
            XCTAssertEqual(try batch.leaf(of: 2), RFC6962.leafHash(TestRecord(seq: 2, millis: 1_700_000_000_500).record))
            return sizes
        }
        XCTAssertEqual(sizes, [1, 2])
    }

    /// The writer's path: one `find` per id, and a free id appended without a second lookup.
    func testFindTellsTakenIdsFromFreeOnesAndAFreeIdAppends() throws {
        let store = try openStore()
        try store.append([TestRecord(seq: 1, id: "a")])
        let second = TestRecord(seq: 2, id: "b"), third = TestRecord(seq: 3, id: "c")
        let (appended, head) = try store.appendBatch { batch -> [AppendedRecord] in
            guard case .taken(let committed) = try batch.find(idKey: IdEntry.key(forId: "a")) else {
                XCTFail("a committed id is taken"); return []
            }
            XCTAssertEqual(committed.seq, 1)
            var appended: [AppendedRecord] = []
            for item in [second, third] {
                guard case .free(let free) = try batch.find(idKey: IdEntry.key(forId: item.id)) else {
                    XCTFail("\(item.id) is new"); return []
                }
                appended.append(try batch.append(free, eventDigest: item.digest, record: item.record, leaf: item.leaf,
                                                 recordedMillis: item.millis))
            }
            // This batch's own append is taken at once, for `find` as for the checked append.
            guard case .taken(let own) = try batch.find(idKey: IdEntry.key(forId: "b")) else {
                XCTFail("an id of this batch is taken"); return []
            }
            XCTAssertEqual(own.seq, 2)
            XCTAssertThrowsError(try batch.append(TestRecord(seq: 4, id: "b")))
            return appended
        }
        XCTAssertEqual(appended.map(\.seq), [2, 3])
        XCTAssertEqual(appended.map(\.leaf), [second.leaf, third.leaf])
        XCTAssertEqual(head.size, 3)
        XCTAssertEqual(head.root, NaiveMTH.root(records: [TestRecord(seq: 1, id: "a"), second, third].map(\.record)))
        XCTAssertEqual(try store.lookup(id: "c"), IdEntry(seq: 3, eventDigest: third.digest))
    }

    func testEqualRecordedTimesAreAccepted() throws {
        // "Never decreasing" allows equal times, within a batch and across batches.
        let store = try openStore()
        try store.append([TestRecord(seq: 1, millis: 5_000), TestRecord(seq: 2, millis: 5_000)])
        let (_, head) = try store.append([TestRecord(seq: 3, millis: 5_000)])
        XCTAssertEqual(head.recordedMillis, 5_000)
        XCTAssertEqual(head.size, 3)
    }

    func testFirstRecordMayBeStampedAtTheEpoch() throws {
        let store = try openStore()
        let (_, head) = try store.append([TestRecord(seq: 1, millis: 0)])
        XCTAssertEqual(head.recordedMillis, 0)
    }

    func testRepeatedIdInOneBatchFailsTheWholeBatch() throws {
        // The writer must look ids up first; if it does not, LMDB's NOOVERWRITE stops the batch.
        let store = try openStore()
        try store.append([TestRecord(seq: 1, id: "a")])
        XCTAssertThrowsError(try store.append([TestRecord(seq: 2, id: "b"), TestRecord(seq: 3, id: "b")])) { error in
            XCTAssertTrue(error is StorageError, "\(error)")
        }
        XCTAssertEqual(store.head.size, 1)
        XCTAssertNil(try store.lookup(id: "b"))
        XCTAssertNil(try store.record(2))
        XCTAssertThrowsError(try store.append([TestRecord(seq: 2, id: "a")]))
        XCTAssertEqual(try store.lookup(id: "a")?.seq, 1)
    }

    /// Once a frame could not be taken back out of the log (it may end in a frame LMDB lacks),
    /// every batch is refused until a restart, also one with no new record, which would
    /// otherwise commit LMDB alone; reads go on, and a reopened store appends again.
    func testBrokenLogRefusesEveryBatchUntilReopened() throws {
        var store: LedgerStore? = try openStore()
        let first = (1...2).map { TestRecord(seq: UInt64($0)) }
        _ = try store!.append(first)
        store!.appendLog.markBroken("cutting the log back failed: Input/output error")
        for body in [{ (_: inout LedgerBatch) in [AppendedRecord]() }, { batch in [try batch.append(TestRecord(seq: 3))] }] {
            XCTAssertThrowsError(try store!.appendBatch(body)) { error in
                XCTAssertTrue("\(error)".contains("no appends until a restart: cutting the log back failed"), "\(error)")
            }
        }
        XCTAssertEqual(store!.head.size, 2)
        XCTAssertEqual(try store!.allRecords(), first.map(\.record))
        try store!.close()
        store = nil

        let reopened = try openStore()
        XCTAssertEqual(try reopened.append([TestRecord(seq: 3)]).1.size, 3)
    }
}
