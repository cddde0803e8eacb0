import Dispatch
import GongkaiDomain
import GongkaiStorage
import NIOConcurrencyHelpers

/// One chunk of stored records, copied out of the append log into one buffer and decoded by
/// several threads that claim slices of it. Start-up folds one chunk while the next is read
/// and decoded by helper threads; the folding thread then helps with what is left. Chunks
/// share one cursor over the log, each reading after the one before has finished reading.
final class StoredChunkDecoding: @unchecked Sendable {
    /// Records a thread claims at a time: large enough that the lock is rare.
    static let claimRecords = 512
    /// A stored record of the realistic mix is about 270 bytes (BENCHMARKS.md: 330 bytes per
    /// record in the append log, 68 of them the log's own).
    static let typicalRecordBytes = 320

    let firstSeq: UInt64
    let count: Int
    /// The seq after this chunk's last record.
    var nextSeq: UInt64 { firstSeq + UInt64(count) }

    private let cursor: AppendLog.RecordCursor
    /// With no helpers, `finish` reads the records itself.
    private let readsInFinish: Bool
    /// Written once by the reading thread before `read` is signalled; read-only after.
    private var bytes: [UInt8] = []
    /// Record i is `bytes[ends[i - 1]..<ends[i]]` (from 0 for the first).
    private var ends: [Int] = []
    private var readError: Error?
    private let read = DispatchGroup()
    /// Slot i is written once, by the thread that claimed i, and read after all have finished;
    /// `decoded[i]` says whether it holds an event. Events are kept in place, not in Optionals
    /// or Results, so that the fold can borrow them without copying.
    private let events: UnsafeMutablePointer<DomainEvent.Folded>
    private let decoded: UnsafeMutableBufferPointer<Bool>
    /// The decoding error of the lowest record index, so the error names the first bad seq.
    private let failure = NIOLockedValueBox<(index: Int, error: Error)?>(nil)
    private var eventsDestroyed = false
    private let claimed = NIOLockedValueBox(0)
    private let helpers = DispatchGroup()

    /// Starts reading the `count` records from seq `first` on (the cursor's next; all of them
    /// must be in the log) and decoding them on `helperCount` background threads; with none,
    /// `finish` does it all. The chunk before must have finished reading.
    init(cursor: AppendLog.RecordCursor, from first: UInt64, count: Int, helpers helperCount: Int) {
        precondition(count > 0 && cursor.nextSeq == first, "chunks read the log in order")
        self.cursor = cursor
        self.firstSeq = first
        self.count = count
        readsInFinish = helperCount == 0
        events = .allocate(capacity: count)
        decoded = .allocate(capacity: count)
        decoded.initialize(repeating: false)
        read.enter()
        guard helperCount > 0 else { return }
        DispatchQueue.global().async(group: helpers) {
            self.readRecords()
            self.decodeClaimed()
        }
        for _ in 1..<max(1, helperCount) {
            DispatchQueue.global().async(group: helpers) {
                self.read.wait()
                self.decodeClaimed()
            }
        }
    }

    /// Waits for the helper threads without decoding on this one (a rebuild that stops).
    func waitForHelpers() {
        helpers.wait()
    }

    // Helpers hold the chunk until they finish, so this runs only once none is decoding.
    deinit {
        destroyEvents()
        events.deallocate()
        decoded.deallocate()
    }

    /// Releases the decoded events (every string in them). Start-up calls it on a helper
    /// thread so that the folding thread does not spend its time freeing.
    func destroyEvents() {
        guard !eventsDestroyed else { return }
        eventsDestroyed = true
        for index in 0..<count where decoded[index] { (events + index).deinitialize(count: 1) }
    }

    /// Reads (if no helper has) and decodes on this thread what no helper has claimed yet,
    /// then waits for the helpers.
    func finish() throws {
        if readsInFinish { readRecords() }
        read.wait()
        if let readError { throw readError }
        decodeClaimed()
        helpers.wait()
    }

    /// Hands each decoded event to `body` in seq order, borrowed where it lies rather than
    /// copied (a copy costs atomic reference counts on every string of every event); they
    /// are freed later by `destroyEvents`. After `finish`.
    func forEachEvent(_ body: (UInt64, DomainEvent.Folded) throws -> Void) throws {
        if let (_, error) = failure.withLockedValue({ $0 }) { throw error }
        for index in 0..<count {
            precondition(decoded[index], "record \(firstSeq + UInt64(index)) was decoded")
            try body(firstSeq + UInt64(index), events[index])
        }
    }

    private func readRecords() {
        defer { read.leave() }
        do {
            var ends: [Int] = []
            ends.reserveCapacity(count)
            // Room for records of a typical size up front, so the chunk is not copied again
            // each time the buffer doubles.
            bytes.reserveCapacity(count * Self.typicalRecordBytes)
            try cursor.read(count: count) { _, record in
                bytes.append(contentsOf: record)
                ends.append(bytes.count)
            }
            precondition(ends.count == count, "records \(firstSeq)..<\(nextSeq) are in the log")
            self.ends = ends
        } catch {
            readError = error
        }
    }

    private func decodeClaimed() {
        guard readError == nil else { return }
        while let range = claim() {
            bytes.withUnsafeBufferPointer { buffer in
                for index in range {
                    let start = index == 0 ? 0 : ends[index - 1]
                    let record = UnsafeBufferPointer(rebasing: buffer[start..<ends[index]])
                    do {
                        (events + index).initialize(to: try DomainState.decodeStored(seq: firstSeq + UInt64(index), bytes: record))
                        decoded[index] = true
                    } catch {
                        failure.withLockedValue { first in
                            if first.map({ index < $0.index }) ?? true { first = (index, error) }
                        }
                    }
                }
            }
        }
    }

    private func claim() -> Range<Int>? {
        claimed.withLockedValue { next in
            guard next < count else { return nil }
            let range = next..<min(next + Self.claimRecords, count)
            next = range.upperBound
            return range
        }
    }
}
