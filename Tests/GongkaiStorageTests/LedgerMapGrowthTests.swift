import XCTest
import GongkaiMerkle
@testable import GongkaiStorage

/// The memory map grows by itself: a small initial map never limits the ledger.
final class LedgerMapGrowthTests: LedgerTestCase {
    func testTwentyThousandRecordsFromAOneMiBMap() throws {
        let count = 20_000
        var leaves: [MerkleHash] = []
        leaves.reserveCapacity(count)
        var head: LedgerHead
        do {
            let store = try openStore(initialMapBytes: 1 << 20)
            var seq: UInt64 = 0
            for _ in 0..<(count / 1000) {
                let items = (0..<1000).map { offset in TestRecord(seq: seq + UInt64(offset) + 1, padding: 200) }
                seq += 1000
                leaves += items.map(\.leaf)
                try store.append(items)
            }
            head = store.head
            XCTAssertGreaterThan(TestRecord(seq: 1, padding: 200).record.count, 290)
            XCTAssertEqual(head.size, UInt64(count))
            XCTAssertEqual(head.root, NaiveMTH.root(leaves: leaves[...]))
            XCTAssertGreaterThan(store.storageBytes.map, 1 << 20)
            XCTAssertGreaterThan(store.storageBytes.file, count * 300)

            var seen = 0
            try store.forEachRecord(from: 1, limit: Int(head.size)) { seq, bytes in
                seen += 1
                if seq % 997 == 0 { XCTAssertEqual(Array(bytes), TestRecord(seq: seq, padding: 200).record) }
                return true
            }
            XCTAssertEqual(seen, count)
            for seq in [1, 999, 1000, 1001, 12_345, 20_000] as [UInt64] {
                XCTAssertEqual(try store.lookup(id: "evt-\(seq)")?.seq, seq)
            }
        }
        let reopened = try openStore(initialMapBytes: 1 << 20)
        XCTAssertEqual(reopened.head, head)
        XCTAssertEqual(try reopened.record(20_000), TestRecord(seq: 20_000, padding: 200).record)
    }

    /// Growing the map waits while a BACKUP copy holds it; the wait calls back about once a
    /// second (the server pings systemd's watchdog there) and then grows and appends.
    func testGrowingWaitsForTheMapsOtherUserAndCallsBackMeanwhile() throws {
        let store = try openStore(initialMapBytes: 1 << 20)
        let calls = Counter()
        store.whileWaitingToGrowMap = { calls.add() }
        let held = DispatchSemaphore(value: 0)
        let holder = Thread {
            store.env.withMapShared {
                held.signal()
                Thread.sleep(forTimeInterval: 2.6)
            }
        }
        holder.start()
        held.wait()
        let startMap = store.storageBytes.map
        var seq: UInt64 = 0
        while store.storageBytes.map == startMap && seq < 2_000 {
            let items = (0..<50).map { offset in TestRecord(seq: seq + UInt64(offset) + 1, padding: 2_000) }
            seq += 50
            try store.append(items)
        }
        XCTAssertGreaterThan(store.storageBytes.map, startMap, "the map grew")
        XCTAssertGreaterThanOrEqual(calls.value, 2, "called back while waiting about 2.6 s")
        XCTAssertEqual(store.head.size, seq)
    }

    func testMapGrowsWhenItFillsUp() throws {
        // Whatever the map starts at, writing past it must grow it, not fail.
        let padding = 60_000
        var leaves: [MerkleHash] = []
        let head: LedgerHead
        let startMap: Int
        do {
            let store = try openStore(initialMapBytes: 1 << 20)
            startMap = store.storageBytes.map
            var seq: UInt64 = 0
            while store.storageBytes.file < startMap + (8 << 20) {
                let items = (0..<100).map { offset in TestRecord(seq: seq + UInt64(offset) + 1, padding: padding) }
                seq += 100
                leaves += items.map(\.leaf)
                try store.append(items)
                XCTAssertLessThan(seq, 10_000, "the data file stopped growing")
                if seq >= 10_000 { break }
            }
            head = store.head
            XCTAssertGreaterThan(store.storageBytes.map, startMap)
            XCTAssertEqual(head.root, NaiveMTH.root(leaves: leaves[...]))
            XCTAssertEqual(try store.record(1), TestRecord(seq: 1, padding: padding).record)
            XCTAssertEqual(try store.record(head.size), TestRecord(seq: head.size, padding: padding).record)
        }
        // The file is now larger than the requested initial map; opening must still work.
        let reopened = try openStore(initialMapBytes: 1 << 20)
        XCTAssertEqual(reopened.head, head)
        XCTAssertGreaterThanOrEqual(reopened.storageBytes.map, reopened.storageBytes.file)
    }
}

/// After a pass over the whole ledger its pages leave the process's resident memory (they
/// stay in the page cache), also once the map has grown and moved.
final class ResidentPagesTests: LedgerTestCase {
    private func residentFileBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssFile:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    func testReleasingResidentPagesDropsTheLedgerFromRSS() throws {
        // A small first map, so appending 16 MiB of records makes it grow (and move).
        let store = try openStore(initialMapBytes: 1 << 20)
        try store.append((1...4_000).map { TestRecord(seq: UInt64($0), padding: 4_000) })
        store.releaseResidentPages()
        let before = residentFileBytes()
        var read = 0
        var next: UInt64 = 1
        while next <= store.head.size {
            next = try store.forEachRecord(from: next, limit: Int(min(1_000, store.head.size - next + 1))) { _, bytes in read += bytes.count; return true }
        }
        XCTAssertGreaterThan(read, 15 << 20)
        XCTAssertGreaterThan(residentFileBytes() - before, 3 << 20, "reading the log maps its pages")
        store.releaseResidentPages()
        XCTAssertLessThan(residentFileBytes() - before, 1 << 20, "released pages leave RSS")
    }
}

/// A count bumped from another thread.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
