import Foundation

/// The id index of every committed record, in memory: IdSlots narrow an id key to candidate
/// seqs, and each candidate is confirmed against the id key stored with its seq in `digests`.
/// Built at open from `digests`; the writer adds each batch's ids once its transaction has
/// committed, so readers never see an id of a batch that may still fail. Appends therefore
/// write only seq-ordered pages: the on-disk index keyed by id hash it replaces put every
/// append on a random page (BENCHMARKS.md, 2026-11-27).
final class IdIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: IdSlots

    init(slots: IdSlots) {
        self.slots = slots
    }

    /// The seqs filed under `slotKey`, copied out so that callers confirm them without the
    /// lock: none for a new id, which allocates nothing.
    func candidates(slotKey: UInt64) -> [UInt64] {
        lock.withLock { slots.candidates(slotKey: slotKey) }
    }

    /// Adds a committed batch's ids. (Within a batch ids are distinct, so the order in which
    /// its slots are added does not matter.) Growing the table happens here, under the lock:
    /// at about 1.5M records a copy into 64 MB.
    func add(_ batch: IdSlots) {
        guard batch.count > 0 else { return }
        lock.withLock { batch.forEach { slots.insert(slotKey: $0, seq: $1) } }
    }
}
