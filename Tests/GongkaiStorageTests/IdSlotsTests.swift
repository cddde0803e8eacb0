import XCTest
@testable import GongkaiStorage

/// The in-memory table that narrows an id key to candidate seqs.
final class IdSlotsTests: XCTestCase {
    private func candidates(_ slots: IdSlots, _ key: UInt64) -> [UInt64] { slots.candidates(slotKey: key) }

    func testEveryIdKeyFiledIsFoundAndOthersAreNot() {
        var slots = IdSlots()
        let keys = (0..<20_000).map { IdEntry.key(forId: "evt-\($0)") }
        for (index, key) in keys.enumerated() { slots.insert(slotKey: IdSlots.slotKey(ofIdKey: key), seq: UInt64(index + 1)) }
        XCTAssertEqual(slots.count, keys.count)
        XCTAssertLessThanOrEqual(slots.count * 10, slots.capacity * 7, "grown to keep the load at most 7/10")
        for (index, key) in keys.enumerated() {
            XCTAssertEqual(candidates(slots, IdSlots.slotKey(ofIdKey: key)), [UInt64(index + 1)])
        }
        for other in 0..<2_000 {
            XCTAssertEqual(candidates(slots, IdSlots.slotKey(ofIdKey: IdEntry.key(forId: "other-\(other)"))), [])
        }
    }

    /// Slot keys mix an id key's first 8 bytes with a per-process secret: id keys that share
    /// all but their last leading byte (which a client can search out) still spread over the
    /// table, since every bit of the key depends on every bit mixed.
    func testSlotKeysSpreadIdKeysThatShareLeadingBytes() {
        let base = [UInt8](repeating: 7, count: 32)
        XCTAssertEqual(IdSlots.slotKey(ofIdKey: base), IdSlots.slotKey(ofIdKey: base))
        var keys = Set<UInt64>()
        for last in 0..<256 {
            var idKey = base
            idKey[7] = UInt8(last)
            keys.insert(IdSlots.slotKey(ofIdKey: idKey))
        }
        XCTAssertEqual(keys.count, 256)
        XCTAssertGreaterThan(Set(keys.map { $0 >> 56 }).count, 128, "the top bits, which pick the home slot, differ too")
    }

    /// Seqs under one slot key come back in the order filed, also once the table has grown and
    /// when their probe run wraps around the end of the table.
    func testSharedPrefixesKeepTheirOrderThroughGrowthAndWrapAround() {
        var slots = IdSlots()
        let last = UInt64.max  // the top bits all ones: homed on the table's last slot
        let neighbour = UInt64.max - 1
        var filed: [UInt64: [UInt64]] = [:]
        var seq: UInt64 = 0
        for round in 0..<200 {
            for key in [last, neighbour, UInt64(round) << 40] {
                seq += 1
                slots.insert(slotKey: key, seq: seq)
                filed[key, default: []].append(seq)
            }
            for (key, seqs) in filed { XCTAssertEqual(candidates(slots, key), seqs, "round \(round)") }
        }
        XCTAssertGreaterThan(slots.capacity, IdSlots.minCapacity)
    }

    func testCandidatesStopWhenTold() {
        var slots = IdSlots()
        for seq in 1...5 as ClosedRange<UInt64> { slots.insert(slotKey: 42, seq: seq) }
        var seen: [UInt64] = []
        slots.forEachCandidate(slotKey: 42) { seen.append($0); return $0 < 3 }
        XCTAssertEqual(seen, [1, 2, 3])
    }

    func testRoomIsMadeUpFront() {
        let slots = IdSlots(expected: 1_000_000)
        XCTAssertEqual(slots.capacity, 1 << 21)
        XCTAssertEqual(slots.bytes, 32 << 20)
    }
}
