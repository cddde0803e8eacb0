import Foundation
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

    func testReserveGrowsOnceForWhatComes() {
        var slots = IdSlots()
        slots.reserve(adding: 1_000)
        let capacity = slots.capacity
        XCTAssertTrue(slots.fits(adding: 1_000))
        XCTAssertFalse(slots.fits(adding: capacity))
        for seq in 1...1_000 as ClosedRange<UInt64> { slots.insert(slotKey: seq &* 0x9E37_79B9_7F4A_7C15, seq: seq) }
        XCTAssertEqual(slots.capacity, capacity, "no growth while filing what was reserved")
    }

    /// The index grows its table on a copy while readers keep the old one; every id of every
    /// batch is found after its add, in the order filed, and none before.
    func testIndexFindsEveryBatchThroughGrowthWhileReadersRead() {
        let index = IdIndex(slots: IdSlots())
        let stop = DispatchSemaphore(value: 0), stopped = DispatchSemaphore(value: 0)
        Thread {
            while stop.wait(timeout: .now()) == .timedOut {
                let found = index.candidates(slotKey: 7)
                precondition(found == (0..<UInt64(found.count)).map { ($0 + 1) * 1_000 }, "seqs under one key come in order")
            }
            stopped.signal()
        }.start()
        var seq: UInt64 = 0
        for round in 0..<60 {
            var batch = IdSlots()
            for _ in 0..<(round * 50 + 1) {
                seq += 1
                batch.insert(slotKey: seq % 1_000 == 0 ? 7 : seq &* 0x9E37_79B9_7F4A_7C15, seq: seq)
            }
            if seq % 1_000 != 0 { XCTAssertEqual(index.candidates(slotKey: seq &* 0x9E37_79B9_7F4A_7C15), [], "not found before its add") }
            index.add(batch)
        }
        stop.signal()
        stopped.wait()
        for filed in 1...seq where filed % 1_000 != 0 {
            XCTAssertEqual(index.candidates(slotKey: filed &* 0x9E37_79B9_7F4A_7C15), [filed])
        }
        XCTAssertEqual(index.candidates(slotKey: 7), (1...(seq / 1_000)).map { $0 * 1_000 })
    }
}
