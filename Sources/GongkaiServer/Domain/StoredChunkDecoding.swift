import Dispatch
import GongkaiDomain
import GongkaiStorage
import NIOConcurrencyHelpers

/// One chunk of stored records, copied out of LMDB into one buffer and decoded by several
/// threads that claim slices of it. Start-up folds one chunk while the next one decodes.
final class StoredChunkDecoding: @unchecked Sendable {
    /// Records a thread claims at a time: large enough that the lock is rare.
    static let claimRecords = 512

    let firstSeq: UInt64
    /// The seq after this chunk's last record.
    var nextSeq: UInt64 { firstSeq + UInt64(ends.count) }

    private let bytes: [UInt8]
    /// Record i is `bytes[ends[i - 1]..<ends[i]]` (from 0 for the first).
    private let ends: [Int]
    /// Slot i is written once, by the thread that claimed i, and read after all have finished.
    private let events: UnsafeMutableBufferPointer<Result<DomainEvent, Error>?>
    private let claimed = NIOLockedValueBox(0)
    private let helpers = DispatchGroup()

    /// Copies up to `limit` records from seq `first` on.
    init(store: LedgerStore, from first: UInt64, limit: Int) throws {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(limit)
        _ = try store.forEachRecord(from: first, limit: limit) { _, record in
            bytes.append(contentsOf: record)
            ends.append(bytes.count)
            return true
        }
        self.firstSeq = first
        self.bytes = bytes
        self.ends = ends
        events = .allocate(capacity: ends.count)
        events.initialize(repeating: nil)
    }

    // Helpers hold the chunk until they finish, so this runs only once none is decoding.
    deinit {
        _ = events.deinitialize()
        events.deallocate()
    }

    /// Starts `count` background threads decoding.
    func start(helpers count: Int) {
        for _ in 0..<count { DispatchQueue.global().async(group: helpers) { self.decodeClaimed() } }
    }

    /// Decodes on this thread what no helper has claimed yet and waits for the helpers.
    func finish() {
        decodeClaimed()
        helpers.wait()
    }

    /// Hands each decoded event to `body` in seq order, moving it out rather than copying
    /// (a copy costs atomic reference counts on every string of every event). After `finish`.
    func forEachEvent(_ body: (UInt64, DomainEvent) throws -> Void) throws {
        let slots = events.baseAddress!
        for index in 0..<ends.count {
            guard let decoded = (slots + index).move() else { preconditionFailure("record \(firstSeq + UInt64(index)) was not decoded") }
            (slots + index).initialize(to: nil)
            try body(firstSeq + UInt64(index), decoded.get())
        }
    }

    private func decodeClaimed() {
        while let range = claim() {
            bytes.withUnsafeBufferPointer { buffer in
                for index in range {
                    let start = index == 0 ? 0 : ends[index - 1]
                    let record = UnsafeBufferPointer(rebasing: buffer[start..<ends[index]])
                    events[index] = Result { try DomainState.decodeStored(seq: firstSeq + UInt64(index), bytes: record) }
                }
            }
        }
    }

    private func claim() -> Range<Int>? {
        claimed.withLockedValue { next in
            guard next < ends.count else { return nil }
            let range = next..<min(next + Self.claimRecords, ends.count)
            next = range.upperBound
            return range
        }
    }
}
