import Foundation
import XCTest
import GongkaiJSON
import GongkaiMerkle
@testable import GongkaiStorage

/// A fresh directory under NSTemporaryDirectory() for one test's ledger, removed afterwards.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("gongkai-storage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A test case with its own ledger directory.
class LedgerTestCase: XCTestCase {
    var directory: TemporaryDirectory!

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory.remove()
        directory = nil
    }

    func openStore(initialMapBytes: Int = LedgerStore.defaultInitialMapBytes) throws -> LedgerStore {
        try LedgerStore(directory: directory.path, initialMapBytes: initialMapBytes)
    }
}

/// One event and its record, derived only from (seq, id, millis) so tests can rebuild them.
struct TestRecord {
    let seq: UInt64
    let id: String
    let millis: Int64
    let event: [UInt8]
    let record: [UInt8]

    init(seq: UInt64, id: String? = nil, millis: Int64 = 1_700_000_000_000, padding: Int = 0, by: String = "uid:1000") {
        self.seq = seq
        self.id = id ?? "evt-\(seq)"
        self.millis = millis
        var members: [String: JSONValue] = ["id": .string(self.id), "type": "interview.held", "unit": "u-1"]
        if padding > 0 { members["note"] = .string(String(repeating: "n", count: padding)) }
        event = CanonicalJSON.encode(.object(members))
        record = RecordFormat.encode(by: by, canonicalEvent: event, recordedMillis: millis, seq: seq)
    }

    var digest: [UInt8] { IdEntry.digest(ofCanonicalEvent: event) }
    /// Its value in the `digests` database.
    var idKeyAndDigest: [UInt8] { IdEntry.key(forId: id) + digest }
    var leaf: MerkleHash { RFC6962.leafHash(record) }
}

extension LedgerBatch {
    /// Appends a test record (its seq must be the next one).
    @discardableResult
    mutating func append(_ item: TestRecord) throws -> AppendedRecord {
        precondition(item.seq == size + 1, "test record built for the wrong seq")
        return try append(id: item.id, eventDigest: item.digest, record: item.record, recordedMillis: item.millis)
    }
}

extension LedgerStore {
    /// Appends records in one batch; returns what each append answered and the new head.
    @discardableResult
    func append(_ items: [TestRecord]) throws -> ([AppendedRecord], LedgerHead) {
        try appendBatch { batch in try items.map { try batch.append($0) } }
    }

    /// All records, through forEachRecord.
    func allRecords() throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        try forEachRecord(from: 1, limit: Int(head.size)) { _, bytes in
            records.append(Array(bytes))
            return true
        }
        return records
    }
}

/// RFC 6962 section 2.1 MTH straight from the definition, independent of MerkleFrontier.
enum NaiveMTH {
    static func root(records: [[UInt8]]) -> MerkleHash {
        root(leaves: records.map { RFC6962.leafHash($0) }[...])
    }

    static func root(leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        switch leaves.count {
        case 0: return RFC6962.emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            var k = 1
            while k < leaves.count - k { k *= 2 } // largest power of two below the count
            let middle = leaves.startIndex + k
            return RFC6962.nodeHash(root(leaves: leaves[..<middle]), root(leaves: leaves[middle...]))
        }
    }
}
