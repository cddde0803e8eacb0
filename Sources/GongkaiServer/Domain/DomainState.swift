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

    /// Folds every stored record into the facts, in seq order (start-up).
    func rebuild(from store: LedgerStore) throws {
        let size = store.head.size
        var next: UInt64 = 1
        try write { facts in
            while next <= size {
                next = try store.forEachRecord(from: next, limit: 10_000) { seq, bytes in
                    facts.apply(seq: seq, event: try Self.decodeStored(seq: seq, bytes: Array(bytes)))
                    return true
                }
            }
        }
        precondition(read { $0.size } == size, "the projection covers the whole log")
    }

    /// A stored record's event, decoded as it was when admitted.
    static func decodeStored(seq: UInt64, bytes: [UInt8]) throws -> DomainEvent {
        let record = try RecordFormat.decode(bytes)
        precondition(record.seq == seq, "record \(seq) says it is \(record.seq)")
        do {
            return try DomainEvent.decode(try EventEnvelope(value: record.event))
        } catch {
            throw ServerError("record \(seq) cannot be folded into the projections: \(error)")
        }
    }
}

/// Today's date in Asia/Shanghai (UTC+8, no daylight saving): the default `asof`.
enum ShanghaiClock {
    static func today(now: Date = Date()) -> BusinessDate {
        let days = Int((now.timeIntervalSince1970 + 8 * 3600) / 86_400)
        return BusinessDate(year: 1970, month: 1, day: 1).adding(days: days)
    }
}
