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

    var count: Int { lock.withLock { slots.count } }
    var bytes: Int { lock.withLock { slots.bytes } }

    /// The first candidate for `prefix` that `confirm` turns into an entry.
    func first(prefix: UInt64, confirm: (UInt64) throws -> IdEntry?) rethrows -> IdEntry? {
        try lock.withLock {
            var found: IdEntry?
            try slots.forEachCandidate(prefix: prefix) { seq in
                found = try confirm(seq)
                return found == nil
            }
            return found
        }
    }

    /// Adds a committed batch's ids.
    func add(_ batch: IdSlots) {
        guard batch.count > 0 else { return }
        lock.withLock { batch.forEach { slots.insert(prefix: $0, seq: $1) } }
    }
}
