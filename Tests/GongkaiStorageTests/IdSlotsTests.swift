import XCTest
@testable import GongkaiStorage

/// The in-memory table that narrows an id key to candidate seqs.
final class IdSlotsTests: XCTestCase {
    private func candidates(_ slots: IdSlots, _ prefix: UInt64) -> [UInt64] {
        var seqs: [UInt64] = []
        slots.forEachCandidate(prefix: prefix) { seqs.append($0); return true }
        return seqs
    }

    func testEveryIdKeyFiledIsFoundAndOthersAreNot() {
        var slots = IdSlots()
        let keys = (0..<20_000).map { IdEntry.key(forId: "evt-\($0)") }
        for (index, key) in keys.enumerated() { slots.insert(prefix: IdSlots.prefix(ofIdKey: key), seq: UInt64(index + 1)) }
        XCTAssertEqual(slots.count, keys.count)
        XCTAssertLessThanOrEqual(slots.count * 10, slots.capacity * 7, "grown to keep the load at most 7/10")
        for (index, key) in keys.enumerated() {
            XCTAssertEqual(candidates(slots, IdSlots.prefix(ofIdKey: key)), [UInt64(index + 1)])
        }
        for other in 0..<2_000 {
            XCTAssertEqual(candidates(slots, IdSlots.prefix(ofIdKey: IdEntry.key(forId: "other-\(other)"))), [])
        }
    }

    func testPrefixesAreTheFirstEightBytesBigEndian() {
        XCTAssertEqual(IdSlots.prefix(ofIdKey: [1, 2, 3, 4, 5, 6, 7, 8] + [UInt8](repeating: 9, count: 24)), 0x0102_0304_0506_0708)
    }

    /// Seqs under one prefix come back in the order filed, also once the table has grown and
    /// when their probe run wraps around the end of the table.
    func testSharedPrefixesKeepTheirOrderThroughGrowthAndWrapAround() {
        var slots = IdSlots()
        let last = UInt64.max  // the top bits all ones: homed on the table's last slot
        let neighbour = UInt64.max - 1
        var filed: [UInt64: [UInt64]] = [:]
        var seq: UInt64 = 0
        for round in 0..<200 {
            for prefix in [last, neighbour, UInt64(round) << 40] {
                seq += 1
                slots.insert(prefix: prefix, seq: seq)
                filed[prefix, default: []].append(seq)
            }
            for (prefix, seqs) in filed { XCTAssertEqual(candidates(slots, prefix), seqs, "round \(round)") }
        }
        XCTAssertGreaterThan(slots.capacity, IdSlots.minCapacity)
    }

    func testCandidatesStopWhenTold() {
        var slots = IdSlots()
        for seq in 1...5 as ClosedRange<UInt64> { slots.insert(prefix: 42, seq: seq) }
        var seen: [UInt64] = []
        slots.forEachCandidate(prefix: 42) { seen.append($0); return $0 < 3 }
        XCTAssertEqual(seen, [1, 2, 3])
    }

    func testRoomIsMadeUpFront() {
        let slots = IdSlots(expected: 1_000_000)
        XCTAssertEqual(slots.capacity, 1 << 21)
        XCTAssertEqual(slots.bytes, 32 << 20)
    }
}
