/// Which seqs may hold an event id: an open-addressing table (linear probing) from the first
/// 8 bytes of an id key (SHA-256 of the id, so already uniform) to the seqs whose id key
/// begins with them. It only narrows the search: callers confirm a candidate against the
/// full id key stored with its seq (`digests`). Kept in memory so that an append looks up
/// and adds its id without touching a random page of an on-disk B-tree. Pure value type.
struct IdSlots {
    /// Slots filled at most to 7/10, where a probe for an absent id reads about 6 slots of
    /// 16 bytes, one or two cache lines.
    static let maxLoadNumerator = 7, maxLoadDenominator = 10
    static let minCapacity = 16

    private struct Slot {
        /// The id key's first 8 bytes, big-endian.
        var prefix: UInt64
        /// 0 for an empty slot (seqs start at 1).
        var seq: UInt64
    }

    private var slots: [Slot]
    private(set) var count = 0

    /// Room for `expected` ids before the table grows.
    init(expected: Int = 0) {
        var capacity = Self.minCapacity
        while !Self.fits(expected, capacity: capacity) { capacity *= 2 }
        slots = Array(repeating: Slot(prefix: 0, seq: 0), count: capacity)
    }

    var capacity: Int { slots.count }

    /// Bytes the table holds, for memory accounting.
    var bytes: Int { slots.count * MemoryLayout<Slot>.stride }

    /// The prefix an id key is filed under.
    static func prefix(ofIdKey idKey: [UInt8]) -> UInt64 {
        precondition(idKey.count >= 8, "id keys are SHA-256 digests")
        var value: UInt64 = 0
        for byte in idKey[0..<8] { value = value << 8 | UInt64(byte) }
        return value
    }

    /// Files `seq` under `prefix`. Seqs under one prefix come back in the order filed.
    mutating func insert(prefix: UInt64, seq: UInt64) {
        precondition(seq > 0, "seqs start at 1")
        if !Self.fits(count + 1, capacity: slots.count) { grow() }
        var index = home(of: prefix)
        while slots[index].seq != 0 { index = (index + 1) & (slots.count - 1) }
        slots[index] = Slot(prefix: prefix, seq: seq)
        count += 1
    }

    /// Calls `body` with each seq filed under `prefix`, in the order filed, until it returns
    /// false. Usually none (a new id) or one (a repeated id).
    func forEachCandidate(prefix: UInt64, _ body: (UInt64) throws -> Bool) rethrows {
        var index = home(of: prefix)
        while slots[index].seq != 0 {
            if slots[index].prefix == prefix, try !body(slots[index].seq) { return }
            index = (index + 1) & (slots.count - 1)
        }
    }

    /// Every (prefix, seq) filed, in slot order.
    func forEach(_ body: (UInt64, UInt64) -> Void) {
        for slot in slots where slot.seq != 0 { body(slot.prefix, slot.seq) }
    }

    /// The slot a prefix starts probing from: its top bits, so growing only needs the prefix.
    private func home(of prefix: UInt64) -> Int {
        Int(truncatingIfNeeded: prefix >> UInt64(64 - slots.count.trailingZeroBitCount))
    }

    private static func fits(_ count: Int, capacity: Int) -> Bool {
        count * maxLoadDenominator <= capacity * maxLoadNumerator
    }

    /// Doubles the table. Entries are put back in their old slot order, which keeps the seqs
    /// under one prefix in the order filed: a prefix's entries all start from one home and
    /// were placed along one probe run.
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(prefix: 0, seq: 0), count: old.count * 2)
        count = 0
        // Start at an empty slot so that no probe run is split across the wrap-around.
        let start = old.firstIndex { $0.seq == 0 } ?? 0
        for offset in 0..<old.count {
            let slot = old[(start + offset) & (old.count - 1)]
            if slot.seq != 0 { insert(prefix: slot.prefix, seq: slot.seq) }
        }
    }
}
