import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
import GongkaiStorage

/// The projection behind every query, shared between the writer (which folds each admitted
/// event in) and the event loops (which answer queries). A readers–writer lock guards it:
/// the writer holds it exclusively only while folding one event or undoing a batch.
final class DomainState: @unchecked Sendable {
    private let facts = LedgerFacts()
    private var lock = pthread_rwlock_t()
    /// Per-unit COMPLIANCE digests, read and kept by queries.
    let digests = UnitDigestCache()

    init() {
        pthread_rwlock_init(&lock, nil)
    }

    deinit { pthread_rwlock_destroy(&lock) }

    /// Read access for queries.
    func read<T>(_ body: (LedgerFacts) throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return try body(facts)
    }

    /// Write access, for the writer thread only.
    func write<T>(_ body: (LedgerFacts) throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(&lock)
        defer { pthread_rwlock_unlock(&lock) }
        return try body(facts)
    }

    /// The writer reads without the lock: it is the only thread that changes the facts.
    func writerRead<T>(_ body: (LedgerFacts) throws -> T) rethrows -> T { try body(facts) }

    /// Records decoded together at start-up; bounds the memory of one chunk.
    static let rebuildChunkRecords = 16_384

    /// Folds every stored record into the facts, in seq order (start-up). Decoding a record
    /// is pure and takes nearly all the time, so each chunk is decoded on every core; the
    /// folding itself stays in seq order on this thread.
    func rebuild(from store: LedgerStore) throws {
        let size = store.head.size
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))
        var next: UInt64 = 1
        try write { facts in
            while next <= size {
                let first = next
                var chunk: [[UInt8]] = []
                chunk.reserveCapacity(Self.rebuildChunkRecords)
                next = try store.forEachRecord(from: next, limit: Self.rebuildChunkRecords) { _, bytes in
                    chunk.append(Array(bytes))
                    return true
                }
                for (offset, decoded) in Self.decodeConcurrently(chunk, firstSeq: first, workers: workers).enumerated() {
                    facts.apply(seq: first + UInt64(offset), event: try decoded.get())
                }
                // Pages already read stay in the page cache, not in the daemon's RSS.
                store.releaseResidentPages()
            }
        }
        precondition(read { $0.size } == size, "the projection covers the whole log")
    }

    private static func decodeConcurrently(_ chunk: [[UInt8]], firstSeq: UInt64, workers: Int) -> [Result<DomainEvent, Error>] {
        var results = [Result<DomainEvent, Error>](repeating: .failure(ServerError("not decoded")), count: chunk.count)
        results.withUnsafeMutableBufferPointer { slots in
            let slots = UncheckedSendable(slots)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: worker, to: chunk.count, by: workers) {
                    slots.value[index] = Result { try decodeStored(seq: firstSeq + UInt64(index), bytes: chunk[index]) }
                }
            }
        }
        return results
    }

    /// A stored record's event, decoded as it was when admitted. The daemon trusts its own
    /// log here: it neither re-encodes the record to check its canonical form nor checks the
    /// event's fields again — VERIFY checks every record's bytes against the Merkle tree.
    static func decodeStored(seq: UInt64, bytes: [UInt8]) throws -> DomainEvent {
        // Fast path: read the few folded fields straight from the bytes. Catalogs, calendars
        // and anything not plainly readable take the full decoder below.
        let scanned: DomainEvent? = bytes.withUnsafeBufferPointer { buffer in
            guard let (storedSeq, event) = RecordFormat.scan(buffer) else { return nil }
            precondition(storedSeq == seq, "record \(seq) says it is \(storedSeq)")
            return DomainEvent.scanStored(buffer, event: event)
        }
        if let scanned { return scanned }
        let record = try RecordFormat.decode(bytes, checkCanonical: false)
        precondition(record.seq == seq, "record \(seq) says it is \(record.seq)")
        do {
            let (id, type) = try EventEnvelope.header(of: record.event)
            return try DomainEvent.decode(value: record.event, id: id, type: type)
        } catch {
            throw ServerError("record \(seq) cannot be folded into the projections: \(error)")
        }
    }
}

/// Lets disjoint slots of one buffer be written from `concurrentPerform`'s workers.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Today's date in Asia/Shanghai (UTC+8, no daylight saving): the default `asof`.
enum ShanghaiClock {
    static func today(now: Date = Date()) -> BusinessDate {
        let days = Int((now.timeIntervalSince1970 + 8 * 3600) / 86_400)
        return BusinessDate(year: 1970, month: 1, day: 1).adding(days: days)
    }
}
