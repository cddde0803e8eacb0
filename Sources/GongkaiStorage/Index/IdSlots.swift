/// Which seqs may hold an event id: an open-addressing table (linear probing) from a 64-bit
/// slot key of an id key to the seqs filed under it. It only narrows the search: callers
/// confirm a candidate against the full id key stored with its seq (`digests`). Kept in
/// memory so that an append looks up and adds its id without touching a random page of an
/// on-disk B-tree. A value type; the slot keys are seeded per process.
struct IdSlots {
    /// Slots filled at most to 7/10, where a probe for an absent id reads about 6 slots of
    /// 16 bytes, one or two cache lines.
    static let maxLoadNumerator = 7, maxLoadDenominator = 10
    static let minCapacity = 16

    private struct Slot {
        /// The slot key of the id key filed.
        var key: UInt64
        /// 0 for an empty slot (seqs start at 1).
        var seq: UInt64
    }

    private var slots: [Slot]
    private(set) var count = 0

    /// Room for `expected` ids before the table grows.
    init(expected: Int = 0) {
        var capacity = Self.minCapacity
        while !Self.fits(expected, capacity: capacity) { capacity *= 2 }
        slots = Array(repeating: Slot(key: 0, seq: 0), count: capacity)
    }

    var capacity: Int { slots.count }

    /// Bytes the table holds, for memory accounting.
    var bytes: Int { slots.count * MemoryLayout<Slot>.stride }

    /// The key an id key is filed under: its first 8 bytes (already uniform, being SHA-256)
    /// mixed with a secret drawn afresh in each process. Clients choose event ids; were the
    /// home slot read from the id key's own bits, they could search out ids whose homes all
    /// lie on one run of slots and make every insert and lookup walk it. The mix is
    /// SplitMix64's finalizer, a bijection whose every output bit depends on every input bit.
    static func slotKey(ofIdKey idKey: UnsafeRawBufferPointer) -> UInt64 {
        precondition(idKey.count == 32, "id keys are SHA-256 digests")
        var value = UInt64(bigEndian: idKey.loadUnaligned(as: UInt64.self)) ^ secret
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    static func slotKey(ofIdKey idKey: [UInt8]) -> UInt64 {
        idKey.withUnsafeBytes { slotKey(ofIdKey: $0) }
    }

    private static let secret = UInt64.random(in: .min ... .max)

    /// Files `seq` under `slotKey`. Seqs under one key come back in the order filed.
    mutating func insert(slotKey: UInt64, seq: UInt64) {
        precondition(seq > 0, "seqs start at 1")
        if !Self.fits(count + 1, capacity: slots.count) { grow() }
        var index = home(of: slotKey)
        while slots[index].seq != 0 { index = (index + 1) & (slots.count - 1) }
        slots[index] = Slot(key: slotKey, seq: seq)
        count += 1
    }

    /// Files each (slot key, seq) in order. In a loop of nothing but inserts the processor
    /// waits for several random slots at once; an insert per record read from LMDB waited for
    /// each in turn, about 230 ns at 1M records here.
    mutating func insert(contentsOf entries: [(slotKey: UInt64, seq: UInt64)]) {
        for entry in entries { insert(slotKey: entry.slotKey, seq: entry.seq) }
    }

    /// Calls `body` with each seq filed under `slotKey`, in the order filed, until it returns
    /// false. Usually none (a new id) or one (a repeated id).
    func forEachCandidate(slotKey: UInt64, _ body: (UInt64) throws -> Bool) rethrows {
        var index = home(of: slotKey)
        while slots[index].seq != 0 {
            if slots[index].key == slotKey, try !body(slots[index].seq) { return }
            index = (index + 1) & (slots.count - 1)
        }
    }

    /// The seqs filed under `slotKey`, in the order filed; none (no allocation) for a new id.
    func candidates(slotKey: UInt64) -> [UInt64] {
        var seqs: [UInt64] = []
        forEachCandidate(slotKey: slotKey) { seqs.append($0); return true }
        return seqs
    }

    /// Every (slot key, seq) filed, in slot order.
    func forEach(_ body: (UInt64, UInt64) -> Void) {
        for slot in slots where slot.seq != 0 { body(slot.key, slot.seq) }
    }

    /// The slot a key starts probing from: its top bits, so growing needs only the key.
    private func home(of slotKey: UInt64) -> Int {
        Int(truncatingIfNeeded: slotKey >> UInt64(64 - slots.count.trailingZeroBitCount))
    }

    /// Whether `more` entries can be filed without the table growing.
    func fits(adding more: Int) -> Bool { Self.fits(count + more, capacity: slots.count) }

    /// Grows the table now, if needed, so that `more` entries can be filed without growing.
    mutating func reserve(adding more: Int) {
        while !fits(adding: more) { grow() }
    }

    private static func fits(_ count: Int, capacity: Int) -> Bool {
        count * maxLoadDenominator <= capacity * maxLoadNumerator
    }

    /// Doubles the table. Entries are put back in their old slot order, which keeps the seqs
    /// under one key in the order filed: a key's entries all start from one home and were
    /// placed along one probe run.
    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(key: 0, seq: 0), count: old.count * 2)
        count = 0
        // Start at an empty slot so that no probe run is split across the wrap-around.
        let start = old.firstIndex { $0.seq == 0 } ?? 0
        for offset in 0..<old.count {
            let slot = old[(start + offset) & (old.count - 1)]
            if slot.seq != 0 { insert(slotKey: slot.key, seq: slot.seq) }
        }
    }
}
