import XCTest
import GongkaiJSON
import GongkaiMerkle
@testable import GongkaiStorage

/// Reads return the stored bytes exactly, by seq, by range and by id.
final class LedgerStoreReadTests: LedgerTestCase {
    private var store: LedgerStore!
    private var items: [TestRecord] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        store = try openStore()
        items = (1...10).map { TestRecord(seq: UInt64($0), id: $0 == 4 ? "公开-😀-\"4\"" : nil, padding: $0 * 37) }
        try store.append(Array(items[0..<6]))
        try store.append(Array(items[6...]))
    }

    override func tearDown() {
        store = nil
        super.tearDown()
    }

    private func collect(from: UInt64, limit: Int, stopAfter stop: UInt64? = nil) throws -> ([UInt64], UInt64) {
        var seen: [UInt64] = []
        let next = try store.forEachRecord(from: from, limit: limit) { seq, bytes in
            XCTAssertEqual(Array(bytes), self.items[Int(seq) - 1].record, "seq \(seq)")
            seen.append(seq)
            return seq != stop
        }
        return (seen, next)
    }

    func testRecordBySeqIsByteIdentical() throws {
        for item in items {
            XCTAssertEqual(try store.record(item.seq), item.record)
        }
        XCTAssertNil(try store.record(0))
        XCTAssertNil(try store.record(11))
        XCTAssertNil(try store.record(.max))
    }

    func testForEachRecordFromTheStart() throws {
        let (seen, next) = try collect(from: 1, limit: 10)
        XCTAssertEqual(seen, Array(1...10))
        XCTAssertEqual(next, 11)
    }

    func testForEachRecordHonoursTheLimit() throws {
        XCTAssertEqual(try collect(from: 3, limit: 4).0, [3, 4, 5, 6])
        XCTAssertEqual(try collect(from: 3, limit: 4).1, 7)
        XCTAssertEqual(try collect(from: 10, limit: 1).0, [10])
        XCTAssertEqual(try collect(from: 10, limit: 1).1, 11)
        XCTAssertEqual(try collect(from: 1, limit: 1).0, [1])
        XCTAssertEqual(try collect(from: 8, limit: 3).0, [8, 9, 10])
        XCTAssertEqual(try collect(from: 8, limit: 3).1, 11)
    }

    func testForEachRecordWithLimitZeroCallsNothing() throws {
        XCTAssertEqual(try collect(from: 5, limit: 0).0, [])
        XCTAssertEqual(try collect(from: 5, limit: 0).1, 5)
    }

    func testForEachRecordStopsAfterTheBodyReturnsFalse() throws {
        let (seen, next) = try collect(from: 2, limit: 100, stopAfter: 5)
        XCTAssertEqual(seen, [2, 3, 4, 5])
        XCTAssertEqual(next, 6)
        XCTAssertEqual(try collect(from: 1, limit: 100, stopAfter: 1).0, [1])
        XCTAssertEqual(try collect(from: 1, limit: 100, stopAfter: 1).1, 2)
    }

    /// The caller bounds the limit by a head: records it covers that the index lacks are
    /// damage, not the end of the ledger.
    func testForEachRecordPastTheEndIsDamage() throws {
        for (from, limit, missing) in [(8, 100, 11), (11, 100, 11), (500, 1, 500)] as [(UInt64, Int, UInt64)] {
            XCTAssertThrowsError(try collect(from: from, limit: limit), "\(from) \(limit)") {
                XCTAssertTrue("\($0)".contains("the index is damaged: record \(missing) is missing"), "\($0)")
            }
        }
        XCTAssertEqual(try collect(from: 11, limit: 0).1, 11)
    }

    func testForEachRecordRethrowsFromTheBody() throws {
        struct Stop: Error {}
        XCTAssertThrowsError(try store.forEachRecord(from: 1, limit: 10) { seq, _ in
            if seq == 3 { throw Stop() }
            return true
        }) { XCTAssertTrue($0 is Stop) }
        // The read transaction was released: reads and writes go on.
        XCTAssertEqual(try store.record(3), items[2].record)
        XCTAssertEqual(try store.append([TestRecord(seq: 11)]).1.size, 11)
    }

    func testLookupReturnsSeqAndDigest() throws {
        for item in items {
            let entry = try XCTUnwrap(try store.lookup(id: item.id))
            XCTAssertEqual(entry, IdEntry(seq: item.seq, eventDigest: item.digest))
            XCTAssertEqual(entry.eventDigest.count, 32)
        }
        XCTAssertEqual(try store.lookup(id: "公开-😀-\"4\"")?.seq, 4)
        XCTAssertNil(try store.lookup(id: "evt-11"))
        XCTAssertNil(try store.lookup(id: "EVT-1"))
        XCTAssertNil(try store.lookup(id: ""))
    }

    func testDigestsDifferForDifferentEvents() {
        XCTAssertNotEqual(items[0].digest, items[1].digest)
        XCTAssertEqual(IdEntry.digest(ofCanonicalEvent: items[0].event), items[0].digest)
        // SHA-256 of the empty input, to pin the digest function.
        XCTAssertEqual(IdEntry.digest(ofCanonicalEvent: []).map { String(format: "%02x", $0) }.joined(),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testIdIndexComparesBytesNotCanonicalEquivalence() throws {
        // "é" precomposed and "e" + U+0301 are equal Swift strings but different ids on the wire.
        try store.append([TestRecord(seq: 11, id: "caf\u{E9}")])
        XCTAssertEqual(try store.lookup(id: "caf\u{E9}")?.seq, 11)
        XCTAssertNil(try store.lookup(id: "cafe\u{301}"))
    }

    func testReceiptNamesTheHeadOfTheCommitThatMadeTheRecordDurable() throws {
        let records = items.map(\.record)
        _ = try store.appendBatch { batch in
            for item in items {
                // Records 1–6 were committed together, then 7–10.
                let size: UInt64 = item.seq <= 6 ? 6 : 10
                let receipt = try batch.receipt(forExisting: item.seq)
                XCTAssertEqual(receipt, RecordReceipt(seq: item.seq, leaf: item.leaf, size: size,
                                                      root: NaiveMTH.root(records: Array(records[..<Int(size)]))))
                XCTAssertEqual(try batch.leaf(of: item.seq), item.leaf)
                XCTAssertEqual(try batch.lookup(id: item.id), IdEntry(seq: item.seq, eventDigest: item.digest))
            }
            XCTAssertNil(try batch.lookup(id: "nope"))
        }
        XCTAssertEqual(store.head.size, 10) // an empty batch changes nothing
        XCTAssertEqual(store.head.root, NaiveMTH.root(records: records))
    }

    func testStoredTreeGivesTheRootOfEveryPrefixAndProofsThatVerify() throws {
        let records = items.map(\.record)
        let total = UInt64(records.count)
        for size in 1...total {
            let root = NaiveMTH.root(records: Array(records[..<Int(size)]))
            for seq in 1...size {
                let proof = try store.inclusionProof(seq: seq, size: size)
                XCTAssertEqual(proof.root, root, "size \(size)")
                XCTAssertEqual(proof.leaf, items[Int(seq) - 1].leaf)
                XCTAssertNoThrow(try MerkleProof.verifyInclusion(leafIndex: seq - 1, size: size, leaf: proof.leaf,
                                                                 proof: proof.hashes, root: root))
            }
            let consistency = try store.consistencyProof(old: size, new: total)
            XCTAssertEqual(consistency.oldRoot, root)
            XCTAssertNoThrow(try MerkleProof.verifyConsistency(oldSize: size, newSize: total, oldRoot: root,
                                                               newRoot: consistency.newRoot, proof: consistency.hashes))
        }
    }

    func testVerifyRehashesTheWholeLog() throws {
        let report = try store.verify(head: store.head)
        XCTAssertTrue(report.ok, "\(report)")
        XCTAssertEqual(report.size, 10)
        let wrongHead = LedgerHead(size: 10, root: RFC6962.emptyRoot, recordedMillis: store.head.recordedMillis)
        let bad = try store.verify(head: wrongHead)
        XCTAssertFalse(bad.ok)
        XCTAssertNil(bad.badSeq, "only the root differs")
    }

    func testStorageBytesReportsFileAndMap() {
        let (file, map) = store.storageBytes
        XCTAssertGreaterThan(file, 0)
        XCTAssertGreaterThanOrEqual(map, file)
    }
}
