import Foundation

/// The id index of every committed record, in memory: IdSlots narrow an id key to candidate
/// seqs, and each candidate is confirmed against the id key stored with its seq in `digests`.
/// Built at open from `digests`; the writer adds each batch's ids once its transaction has
/// committed, so readers never see an id of a batch that may still fail. Appends therefore
/// write only seq-ordered pages: the on-disk index keyed by id hash it replaces put every
/// append on a random page (BENCHMARKS.md, 2026-11-27).
final class IdIndex: @unchecked Sendable {
    /// Held by readers, and by `add` only while it changes `slots`.
    private let lock = NSLock()
    /// Adds take turns: between them `slots` does not change, so an add may read it unlocked.
    private let addLock = NSLock()
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
    /// its slots are added does not matter.) A table too small for the batch is copied into
    /// a larger one outside the readers' lock, which is held only to swap it in: at about
    /// 1.5M records the copy fills 64 MB, and readers went on waiting tens of ms for it.
    func add(_ batch: IdSlots) {
        guard batch.count > 0 else { return }
        addLock.withLock {
            if slots.fits(adding: batch.count) {
                lock.withLock { batch.forEach { slots.insert(slotKey: $0, seq: $1) } }
                return
            }
            var grown = slots  // growing gives `grown` storage of its own; readers keep the old
            grown.reserve(adding: batch.count)
            batch.forEach { grown.insert(slotKey: $0, seq: $1) }
            lock.withLock { slots = grown }
        }
    }
}
