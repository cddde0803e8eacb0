import CLMDB
import GongkaiMerkle
import XCTest
@testable import GongkaiStorage

/// Direct LMDB access to a closed ledger, bypassing LedgerStore, to plant what it must refuse.
private struct RawLedger {
    let path: String

    func write(creating: Bool = false, _ body: (_ txn: OpaquePointer, _ open: (String) throws -> MDB_dbi) throws -> Void) throws {
        var env: OpaquePointer?
        XCTAssertEqual(mdb_env_create(&env), 0)
        defer { mdb_env_close(env) }
        XCTAssertEqual(mdb_env_set_maxdbs(env, 8), 0)
        XCTAssertEqual(mdb_env_set_mapsize(env, 1 << 30), 0)
        XCTAssertEqual(mdb_env_open(env, path, 0, 0o600), 0)
        var txn: OpaquePointer?
        XCTAssertEqual(mdb_txn_begin(env, nil, 0, &txn), 0)
        do {
            try body(txn!) { name in
                var dbi: MDB_dbi = 0
                guard mdb_dbi_open(txn, name, creating ? UInt32(MDB_CREATE) : 0, &dbi) == 0 else {
                    throw StorageError("test dbi_open", message: name)
                }
                return dbi
            }
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        XCTAssertEqual(mdb_txn_commit(txn), 0)
    }

    static func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8], _ value: [UInt8]) {
        var key = key, value = value
        key.withUnsafeMutableBytes { keyBytes in
            value.withUnsafeMutableBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
                var v = MDB_val(mv_size: valueBytes.count, mv_data: valueBytes.baseAddress)
                XCTAssertEqual(mdb_put(txn, dbi, &k, &v, 0), 0)
            }
        }
    }

    static func get(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) -> [UInt8]? {
        var key = key
        return key.withUnsafeMutableBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            var v = MDB_val()
            guard mdb_get(txn, dbi, &k, &v) == 0 else { return nil }
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    static func delete(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: [UInt8]) {
        var key = key
        key.withUnsafeMutableBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            XCTAssertEqual(mdb_del(txn, dbi, &k, nil), 0)
        }
    }
}

private func seqKey(_ seq: UInt64) -> [UInt8] { withUnsafeBytes(of: seq.bigEndian) { Array($0) } }

/// The ledger records its storage format and refuses any other, or none once it holds records.
final class LedgerFormatTests: LedgerTestCase {
    private var raw: RawLedger { RawLedger(path: directory.path) }

    private func assertOpenFails(containing parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try openStore(), file: file, line: line) { error in
            guard let error = error as? StorageError else { return XCTFail("not a StorageError: \(error)", file: file, line: line) }
            for part in parts {
                XCTAssertTrue(error.description.contains(part), "\"\(error.description)\" lacks \"\(part)\"", file: file, line: line)
            }
        }
    }

    /// Flips a bit of the node over leaves 0...3: a peak of the 5-leaf tree.
    private func flipAPeak() throws {
        try raw.write { txn, open in
            let tree = try open(LedgerLayout.treeDatabase)
            let key = LedgerLayout.treeKey(SubtreeAddress(level: 2, index: 0))
            var node = try XCTUnwrap(RawLedger.get(txn, tree, key))
            node[0] ^= 1
            RawLedger.put(txn, tree, key, node)
        }
    }

    /// Appends five records in one batch and closes the ledger; returns its head.
    private func closedLedgerOfFiveRecords() throws -> LedgerHead {
        let store = try openStore()
        let head = try store.append((1...5).map { TestRecord(seq: UInt64($0)) }).1
        try store.close()
        return head
    }

    /// LMDB keeps no checksums: a flipped bit in a stored peak would change the head read at
    /// open. The open checks each peak against its children and refuses once, marking the
    /// index to be rebuilt from the log, which holds all of its records; the next open
    /// rebuilds it with the right root.
    func testAFlippedBitInAStoredMerkleNodeIsRefusedOnceAndTheIndexRebuiltFromTheLog() throws {
        let head = try closedLedgerOfFiveRecords()
        try flipAPeak()
        assertOpenFails(containing: ["Merkle node at level 2 index 0", "rebuilt from the log at the next start"])
        let rebuilt = try openStore()
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(rebuilt.head, head)
        try rebuilt.close()
        let again = try openStore()
        XCTAssertFalse(again.recovery.indexRebuilt, "the rebuilt index's peaks are right")
        XCTAssertEqual(again.head, head)
        try again.close()
    }

    /// A ledger without an append log (a restored backup, a ledger from before the log) has
    /// its log written from the index's records, which the tree does not enter: a damaged
    /// peak refuses that open and the next rebuilds the index from the log, right root.
    func testADamagedPeakWithoutALogIsMendedFromTheLogWrittenFromTheRecords() throws {
        let head = try closedLedgerOfFiveRecords()
        try flipAPeak()
        for name in [AppendLog.fileName, IndexMarker.fileName] { try FileManager.default.removeItem(atPath: directory.path + "/" + name) }
        assertOpenFails(containing: ["Merkle node at level 2 index 0", "marked to be rebuilt"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/" + AppendLog.fileName), "the log was written")
        let rebuilt = try openStore()
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(rebuilt.head, head)
        try rebuilt.close()
    }

    /// The peaks are checked before the log's tail is taken in on top of them. Checked after,
    /// the tail's first merge would hash the damaged peak into a new stored node, whose
    /// children then agree with it, and the wrong root would be served.
    func testADamagedPeakIsFoundBeforeTheLogsTailIsTakenIn() throws {
        let aside = directory.path + "/aside"
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: true)
        let head: LedgerHead
        do {
            let store = try openStore()
            _ = try store.append((1...4).map { TestRecord(seq: UInt64($0)) })
            try store.close()
            // The index as a process killed after these four records left it.
            for name in ["data.mdb", IndexMarker.fileName] {
                try FileManager.default.copyItem(atPath: directory.path + "/" + name, toPath: aside + "/" + name)
            }
            let more = try openStore()
            head = try more.append((5...8).map { TestRecord(seq: UInt64($0)) }).1
            try more.close()
            for name in ["data.mdb", IndexMarker.fileName] {
                try FileManager.default.removeItem(atPath: directory.path + "/" + name)
                try FileManager.default.copyItem(atPath: aside + "/" + name, toPath: directory.path + "/" + name)
            }
        }
        try flipAPeak()  // the node over leaves 0...3, the 4-leaf index's only peak
        assertOpenFails(containing: ["Merkle node at level 2 index 0", "rebuilt from the log at the next start"])
        let rebuilt = try openStore()
        XCTAssertTrue(rebuilt.recovery.indexRebuilt)
        XCTAssertEqual(rebuilt.head, head)
        try rebuilt.close()
    }

    /// A damaged peak in an index that holds records the log lacks is refused for good: a
    /// later start must not rebuild the index from the shorter log.
    func testADamagedPeakWithALogShorterThanTheIndexIsRefusedForGood() throws {
        let log = directory.path + "/" + AppendLog.fileName
        let shortLog = directory.path + "/short.log"
        do {
            let store = try openStore()
            _ = try store.append((1...4).map { TestRecord(seq: UInt64($0)) })
            try store.close()
            try FileManager.default.copyItem(atPath: log, toPath: shortLog)
            let more = try openStore()
            _ = try more.append((5...7).map { TestRecord(seq: UInt64($0)) })
            try more.close()
            try FileManager.default.removeItem(atPath: log)
            try FileManager.default.moveItem(atPath: shortLog, toPath: log)
        }
        try flipAPeak()  // a peak of the 7-leaf index too
        for _ in 0..<2 {
            assertOpenFails(containing: ["restore a backup"])
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/data.mdb"), "the index is kept")
    }

    func testNewLedgerRecordsFormatVersionTwo() throws {
        do { _ = try openStore() }
        try raw.write { txn, open in
            XCTAssertEqual(RawLedger.get(txn, try open("meta"), Array("format".utf8)), Array("gongkai-ledger/2".utf8))
        }
    }

    func testOtherFormatIsRefusedNamingBothFormats() throws {
        do { try openStore().append([TestRecord(seq: 1)]) }
        try raw.write { txn, open in RawLedger.put(txn, try open("meta"), Array("format".utf8), Array("gongkai-ledger/3".utf8)) }
        assertOpenFails(containing: ["open \(directory.path)", #"storage format "gongkai-ledger/3""#, #"reads only "gongkai-ledger/2""#])
    }

    /// Turns the closed ledger into format 1: its id index an LMDB database keyed by id key.
    private func makeFormatOne(records: Int, leaving dropped: UInt64? = nil) throws {
        try raw.write(creating: true) { txn, open in
            let digests = try open("digests"), ids = try open("ids")
            for seq in 1...UInt64(records) where seq != dropped {
                let value = try XCTUnwrap(RawLedger.get(txn, digests, seqKey(seq)))
                RawLedger.put(txn, ids, Array(value[0..<32]), seqKey(seq) + Array(value[32..<64]))
            }
            XCTAssertEqual(mdb_drop(txn, digests, 1), 0)
            RawLedger.put(txn, try open("meta"), Array("format".utf8), Array("gongkai-ledger/1".utf8))
        }
    }

    func testFormatOneIsMovedToFormatTwoAtOpen() throws {
        let records = (1...300).map { TestRecord(seq: UInt64($0)) }
        let head: LedgerHead
        do {
            let store = try openStore()
            for start in stride(from: 0, to: records.count, by: 100) { try store.append(Array(records[start..<start + 100])) }
            head = store.head
        }
        try makeFormatOne(records: records.count)
        do {
            let store = try openStore()
            XCTAssertEqual(store.head, head)
            var flags: UInt32 = 0
            XCTAssertEqual(mdb_env_get_flags(store.env.handle, &flags), 0)
            XCTAssertNotEqual(flags & UInt32(MDB_NOSYNC), 0, "only the opening transaction is flushed in order")
            for record in records { XCTAssertEqual(try store.lookup(id: record.id), IdEntry(seq: record.seq, eventDigest: record.digest)) }
            XCTAssertNil(try store.lookup(id: "evt-301x"))
            XCTAssertThrowsError(try store.append([TestRecord(seq: 301, id: "evt-7")]), "a taken id stays taken")
            try store.append([TestRecord(seq: 301)])
            XCTAssertEqual(try store.lookup(id: "evt-301")?.seq, 301)
            XCTAssertTrue(try store.verify(head: store.head).ok)
        }
        try raw.write { txn, open in
            XCTAssertEqual(RawLedger.get(txn, try open("meta"), Array("format".utf8)), Array("gongkai-ledger/2".utf8))
            XCTAssertThrowsError(try open("ids"), "the format-1 index is dropped")
        }
        XCTAssertEqual(try openStore().lookup(id: "evt-300")?.seq, 300)
    }

    /// A damaged key in the records' table (LMDB keeps no checksums: one flipped byte can
    /// make one) is a storage error for READ and a finding of VERIFY, never a trap: a trap
    /// let an operator's test stop the daemon at every READ and VERIFY.
    func testADamagedRecordKeyIsAnErrorNotATrap() throws {
        _ = try closedLedgerOfFiveRecords()
        try raw.write { txn, open in
            // Nine bytes sort between the keys of records 2 and 3.
            RawLedger.put(txn, try open(LedgerLayout.logDatabase), seqKey(2) + [0], Array("damaged".utf8))
        }
        let store = try openStore()
        var read: [UInt64] = []
        XCTAssertThrowsError(try store.forEachRecord(from: 1, limit: 10) { seq, _ in read.append(seq); return true }) { error in
            XCTAssertTrue("\(error)".contains("damaged: a seq key or time of 9 bytes"), "\(error)")
        }
        XCTAssertEqual(read, [1, 2])
        let report = try store.verify(head: store.head)
        XCTAssertEqual(report.badSeq, 3)
        XCTAssertEqual(report.reason, "the index holds a damaged key (9 bytes) where record 3 belongs")
        try store.close()
        // The same for the recorded time of a commit (the frame of records 1…5 is one).
        try raw.write { txn, open in
            RawLedger.delete(txn, try open(LedgerLayout.logDatabase), seqKey(2) + [0])
            RawLedger.put(txn, try open(LedgerLayout.commitsDatabase), seqKey(5), [0, 0, 0, 0, 0, 0, 7])
        }
        let reopened = try openStore()
        let commitReport = try reopened.verify(head: reopened.head)
        XCTAssertEqual(commitReport.badSeq, 1)
        XCTAssertTrue(commitReport.reason?.hasPrefix("the index's commit of record 1 is damaged") ?? false, commitReport.reason ?? "ok")
    }

    /// A record whose stored length is damaged (longer than any record can be) is a storage
    /// error for reads and a VERIFY finding: copying it could run past the end of the mapped
    /// file and stop the daemon with SIGBUS (a re-test's flipped bits did).
    func testARecordLongerThanAnyRecordIsDamageNotACopy() throws {
        _ = try closedLedgerOfFiveRecords()
        try raw.write { txn, open in
            RawLedger.put(txn, try open(LedgerLayout.logDatabase), seqKey(4), [UInt8](repeating: 0x20, count: LedgerLayout.maxRecordBytes + 1))
        }
        let store = try openStore()
        XCTAssertThrowsError(try store.record(4)) { XCTAssertTrue("\($0)".contains("damaged: record 4 claims 524289 bytes"), "\($0)") }
        XCTAssertThrowsError(try store.forEachRecord(from: 3, limit: 5) { _, _ in true })
        let report = try store.verify(head: store.head)
        XCTAssertEqual(report.badSeq, 4)
        XCTAssertEqual(report.reason, "the index's record claims 524289 bytes: its length is damaged")
    }

    /// A damaged length still under any record's bound but running past the end of data.mdb
    /// (flipped bits in a node's size field) would stop the daemon with SIGBUS once read: it
    /// is damage, for GET, READ and VERIFY alike.
    /// Sets the stored length of record `seq`'s node in data.mdb (a closed ledger of the
    /// five `TestRecord`s) to what `length` makes of the true one, as flipped bits would.
    private func damageStoredLength(ofRecord seq: UInt64, _ length: @escaping (Int) -> Int) throws {
        let url = URL(fileURLWithPath: directory.path + "/data.mdb")
        var bytes = [UInt8](try Data(contentsOf: url))
        let record = TestRecord(seq: seq).record
        func field(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        var nodes = 0
        // LMDB's leaf node: data size (low and high 16 bits), flags, key size, key, data.
        for at in bytes.indices.dropLast(record.count) where bytes[at] == record[0] && bytes[at..<(at + record.count)].elementsEqual(record) {
            let node = at - 8 - 8
            guard node >= 0, field(node) | field(node + 2) << 16 == record.count, field(node + 6) == 8 else { continue }
            let damaged = length(record.count)
            bytes[node] = UInt8(damaged & 0xFF); bytes[node + 1] = UInt8(damaged >> 8 & 0xFF)
            bytes[node + 2] = UInt8(damaged >> 16 & 0xFF); bytes[node + 3] = UInt8(damaged >> 24 & 0xFF)
            nodes += 1
        }
        XCTAssertGreaterThan(nodes, 0, "record \(seq)'s node was found in data.mdb")
        try Data(bytes).write(to: url)
    }

    /// A stored length a little off (longer, shorter, zero) is damage too: the bytes it gives
    /// are not a whole record (they were served as OK, with a newline among them that put a
    /// pipelined client's answers out of step).
    func testARecordLengthALittleOffIsDamageNotAnAnswer() throws {
        let lengths: [(String, (Int) -> Int)] = [("longer", { $0 + 40 }), ("shorter", { $0 - 10 }), ("zero", { _ in 0 })]
        for (name, length) in lengths {
            directory.remove()
            directory = try TemporaryDirectory()
            _ = try closedLedgerOfFiveRecords()
            try damageStoredLength(ofRecord: 2, length)
            let store = try openStore()
            XCTAssertThrowsError(try store.record(2), name) {
                XCTAssertTrue("\($0)".contains("damaged: record 2 is not a whole record"), "\(name): \($0)")
            }
            XCTAssertThrowsError(try store.forEachRecord(from: 1, limit: 5) { _, _ in true }, name)
            XCTAssertEqual(try store.record(3), TestRecord(seq: 3).record, name)
            XCTAssertEqual(try store.verify(head: store.head).badSeq, 2, name)
            try store.close()
        }
    }

    /// Seq has no gaps: a record a head covers but the index lacks (a damaged key, a lost
    /// page) is damage, not "no such record" (GET answered not-found).
    func testARecordTheHeadCoversButTheIndexLacksIsDamage() throws {
        _ = try closedLedgerOfFiveRecords()
        try raw.write { txn, open in RawLedger.delete(txn, try open(LedgerLayout.logDatabase), seqKey(3)) }
        let store = try openStore()
        let head = store.head
        XCTAssertEqual(head.size, 5)
        XCTAssertThrowsError(try store.record(3, within: head)) {
            XCTAssertTrue("\($0)".contains("the index is damaged: record 3 is missing"), "\($0)")
        }
        XCTAssertEqual(try store.record(4, within: head), TestRecord(seq: 4).record)
        // A run the caller bounds by a head may not end early either.
        var read: [UInt64] = []
        XCTAssertThrowsError(try store.forEachRecord(from: 4, limit: 3) { seq, _ in read.append(seq); return true }) {
            XCTAssertTrue("\($0)".contains("the index is damaged: record 6 is missing"), "\($0)")
        }
        XCTAssertEqual(read, [4, 5])
        try store.close()
    }

    func testARecordRunningPastTheEndOfTheFileIsDamageNotACrash() throws {
        _ = try closedLedgerOfFiveRecords()
        let damaged = 400 << 10  // under LedgerLayout.maxRecordBytes, far past a file of a few pages
        XCTAssertLessThan(damaged, LedgerLayout.maxRecordBytes)
        XCTAssertLessThan(LMDBEnvironment.fileSize(directory.path + "/data.mdb"), damaged)
        try damageStoredLength(ofRecord: 4) { _ in damaged }

        let store = try openStore()
        XCTAssertThrowsError(try store.record(4)) {
            XCTAssertTrue("\($0)".contains("damaged: record 4 claims 409600 bytes, past the end of data.mdb"), "\($0)")
        }
        XCTAssertEqual(try store.record(3), TestRecord(seq: 3).record)
        XCTAssertThrowsError(try store.forEachRecord(from: 3, limit: 5) { _, _ in true })
        let report = try store.verify(head: store.head)
        XCTAssertEqual(report.badSeq, 4)
        XCTAssertEqual(report.reason, "the index's record claims 409600 bytes, past the end of data.mdb: its length is damaged")
    }

    /// A stored node or page that cannot be read in the middle of the tree (not a peak, which
    /// the open checks) is a VERIFY finding naming the record, not an error without one.
    func testAnIndexThatCannotBeReadInTheMiddleIsAVerifyFinding() throws {
        _ = try closedLedgerOfFiveRecords()
        try raw.write { txn, open in
            RawLedger.delete(txn, try open(LedgerLayout.treeDatabase), LedgerLayout.treeKey(SubtreeAddress(level: 0, index: 1)))
        }
        let store = try openStore()
        let report = try store.verify(head: store.head)
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.badSeq, 2, "record 2's leaf node is checked when record 2 is")
        XCTAssertEqual(report.reason, "the index cannot be read at record 2: missing node level 0 index 1")
    }

    /// VERIFY checks the id key stored with each record against the record's event id, and
    /// that no two records hold the same id key (planted here past the append check).
    func testVerifyFindsAWrongStoredIdKeyAndARepeatedId() throws {
        // Each store is closed: a second unclean stop in a row would rebuild the index (UncleanStops).
        do {
            let store = try openStore()
            try store.append((1...4).map { TestRecord(seq: UInt64($0)) })
            try store.close()
        }
        try raw.write { txn, open in
            let digests = try open("digests")
            let second = try XCTUnwrap(RawLedger.get(txn, digests, seqKey(2)))
            RawLedger.put(txn, digests, seqKey(3), Array(second[0..<32]) + TestRecord(seq: 3).digest)
        }
        do {
            let store = try openStore()
            let report = try store.verify(head: store.head)
            XCTAssertEqual(report.badSeq, 2, "record 3 now holds record 2's id key: id 2 names two records")
            XCTAssertEqual(report.reason, "the id index does not point at this record")
            try store.close()
        }
        try raw.write { txn, open in
            let digests = try open("digests")
            let fourth = try XCTUnwrap(RawLedger.get(txn, digests, seqKey(4)))
            RawLedger.put(txn, digests, seqKey(3), Array(fourth[0..<32]) + TestRecord(seq: 3).digest)
            RawLedger.put(txn, digests, seqKey(4), TestRecord(seq: 3).idKeyAndDigest)
        }
        let store = try openStore()
        let report = try store.verify(head: store.head)
        XCTAssertEqual(report.badSeq, 3)
        XCTAssertEqual(report.reason, "the id key stored with this record is not its event id's")
    }

    func testFormatOneIndexMissingARecordIsRefused() throws {
        for dropped: UInt64 in [7, 20] {
            directory.remove()
            directory = try TemporaryDirectory()
            do { try openStore().append((1...20).map { TestRecord(seq: UInt64($0)) }) }
            try makeFormatOne(records: 20, leaving: dropped)
            assertOpenFails(containing: ["does not name each record once (at seq \(dropped))", "restore a backup"])
            // Refusing changes nothing of the ledger's format or index.
            try raw.write { txn, open in
                XCTAssertEqual(RawLedger.get(txn, try open("meta"), Array("format".utf8)), Array("gongkai-ledger/1".utf8))
                XCTAssertNotNil(RawLedger.get(txn, try open("ids"), IdEntry.key(forId: "evt-1")))
            }
        }
    }

    func testFormatOneIndexNamingARecordTwiceOrBeyondTheLogIsRefused() throws {
        let plantings: [(id: String, seq: UInt64, message: String)] = [
            ("stray", 21, "does not name each record once (seq 21 of 20)"),
            ("again", 5, "does not name each record once (seq 5 of 20)"),
        ]
        for planted in plantings {
            directory.remove()
            directory = try TemporaryDirectory()
            do { try openStore().append((1...20).map { TestRecord(seq: UInt64($0)) }) }
            try makeFormatOne(records: 20)
            try raw.write { txn, open in
                RawLedger.put(txn, try open("ids"), IdEntry.key(forId: planted.id), seqKey(planted.seq) + TestRecord(seq: 1).digest)
            }
            assertOpenFails(containing: [planted.message])
        }
    }

    func testOtherFormatIsRefusedEvenWhenEmpty() throws {
        do { _ = try openStore() }
        try raw.write { txn, open in RawLedger.put(txn, try open("meta"), Array("format".utf8), Array("something-else".utf8)) }
        assertOpenFails(containing: [#""something-else""#, #""gongkai-ledger/2""#])
        // Refusing does not rewrite it.
        try raw.write { txn, open in
            XCTAssertEqual(RawLedger.get(txn, try open("meta"), Array("format".utf8)), Array("something-else".utf8))
        }
    }

    func testRecordsWithoutFormatAreRefused() throws {
        do { try openStore().append([TestRecord(seq: 1)]) }
        try raw.write { txn, open in RawLedger.delete(txn, try open("meta"), Array("format".utf8)) }
        assertOpenFails(containing: ["holds records but no storage format version"])
    }

    func testEmptyLedgerWithoutFormatGetsOne() throws {
        do { _ = try openStore() }
        try raw.write { txn, open in RawLedger.delete(txn, try open("meta"), Array("format".utf8)) }
        do { XCTAssertEqual(try openStore().head.size, 0) }
        try raw.write { txn, open in
            XCTAssertEqual(RawLedger.get(txn, try open("meta"), Array("format".utf8)), Array("gongkai-ledger/2".utf8))
        }
    }

    func testNonCanonicalLastRecordIsRefusedAtOpen() throws {
        do { try openStore().append([TestRecord(seq: 1), TestRecord(seq: 2)]) }
        let spaced = Array(String(decoding: TestRecord(seq: 2).record, as: UTF8.self)
            .replacingOccurrences(of: #","seq":"#, with: #", "seq":"#).utf8)
        try raw.write { txn, open in RawLedger.put(txn, try open("log"), seqKey(2), spaced) }
        assertOpenFails(containing: ["record 2 is not in canonical form"])
    }

    /// A damaged index the append log covers is refused once, then rebuilt from the log:
    /// the log checks every frame, LMDB nothing.
    func testLastRecordWithWrongSeqIsRefusedAtOpenThenRebuiltFromTheLog() throws {
        let head = try { let store = try openStore(); return try store.append([TestRecord(seq: 1), TestRecord(seq: 2)]).1 }()
        try raw.write { txn, open in RawLedger.put(txn, try open("log"), seqKey(2), TestRecord(seq: 5).record) }
        assertOpenFails(containing: ["record stored under seq 2 says seq 5", "rebuilt from the log at the next start"])
        let reopened = try openStore()
        XCTAssertTrue(reopened.recovery.indexRebuilt)
        XCTAssertEqual(reopened.head, head)
        XCTAssertEqual(try reopened.record(2), TestRecord(seq: 2).record)
    }

    func testIdKeysShortOfTheRecordsAreRebuiltFromTheLog() throws {
        let head = try { let store = try openStore(); return try store.append((1...3).map { TestRecord(seq: UInt64($0)) }).1 }()
        try raw.write { txn, open in RawLedger.delete(txn, try open("digests"), seqKey(3)) }
        assertOpenFails(containing: ["id keys for 2 of its 3 records", "rebuilt from the log at the next start"])
        let reopened = try openStore()
        XCTAssertEqual(reopened.head, head)
        XCTAssertEqual(try reopened.lookup(id: TestRecord(seq: 3).id)?.seq, 3)
    }

    /// An index holding a record the log lacks is refused for good, in every later boot too:
    /// it is never rebuilt from the shorter log (which would delete it).
    func testMissingTreeNodesAreRefusedAtOpen() throws {
        // A log record beyond what the tree covers (seq 3 without its leaf node).
        do { try openStore().append([TestRecord(seq: 1), TestRecord(seq: 2)]) }
        try raw.write { txn, open in RawLedger.put(txn, try open("log"), seqKey(3), TestRecord(seq: 3).record) }
        assertOpenFails(containing: ["holds records up to seq 3", "to seq 2", "restore a backup"])
        for boot in [IndexMarker.currentBoot(), "another-boot"] {
            XCTAssertThrowsError(try LedgerStore(directory: directory.path, boot: boot)) { error in
                XCTAssertTrue("\(error)".contains("an earlier start refused this ledger"), "\(error)")
            }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/data.mdb"), "the index is kept")
        try raw.write { txn, open in XCTAssertNotNil(RawLedger.get(txn, try open("log"), seqKey(3))) }
    }

    /// Coverage is judged by every table keyed by seq, not only by the one that may be damaged.
    func testIdKeysBeyondTheLogAreRefusedEvenWhenTheRecordsLookShort() throws {
        do { try openStore().append([TestRecord(seq: 1), TestRecord(seq: 2)]) }
        try raw.write { txn, open in
            RawLedger.put(txn, try open("digests"), seqKey(3), TestRecord(seq: 3).idKeyAndDigest)
        }
        assertOpenFails(containing: ["holds records up to seq 3", "restore a backup"])
    }
}
