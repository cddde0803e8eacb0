import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
import GongkaiStorage

/// The projection behind every query, shared between the writer (which folds each admitted
/// event in) and the event loops (which answer queries). A readers–writer lock guards it:
/// the writer holds it exclusively only while folding one event or undoing a batch, and a
/// waiting writer goes before new queries, so queries cannot hold appends back.
final class DomainState: @unchecked Sendable {
    private let facts = LedgerFacts()
    private let lock = WriterPreferringLock()
    /// Per-unit COMPLIANCE digests, read and kept by queries.
    let digests = UnitDigestCache()

    /// Read access for queries; not to be nested.
    func read<T>(_ body: (LedgerFacts) throws -> T) rethrows -> T {
        try lock.withReadLock { try body(facts) }
    }

    /// Write access, for the writer thread only.
    func write<T>(_ body: (LedgerFacts) throws -> T) rethrows -> T {
        try lock.withWriteLock { try body(facts) }
    }

    /// The writer reads without the lock: it is the only thread that changes the facts.
    func writerRead<T>(_ body: (LedgerFacts) throws -> T) rethrows -> T { try body(facts) }

    /// Records decoded together at start-up; bounds the memory of one chunk.
    static let rebuildChunkRecords = 16_384

    /// Folds every stored record into the facts, in seq order (start-up). Helper threads
    /// read each chunk from the append log and decode it while this thread folds the chunk
    /// before (and then helps decode what is left); the folding stays in seq order. A record
    /// that cannot be decoded stops the rebuild with an error naming the first such seq.
    func rebuild(from store: LedgerStore, chunkRecords: Int = rebuildChunkRecords,
                 helpers: Int = max(0, min(ProcessInfo.processInfo.activeProcessorCount, 16) - 1)) throws {
        precondition(chunkRecords > 0 && helpers >= 0)
        let size = store.head.size
        // The records come straight from the append log, which holds records 1...size once
        // the store is open (the open compares the last with the index; VERIFY compares all):
        // read with pread, no LMDB page is mapped and let go.
        let cursor = try store.recordCursor()
        precondition(cursor.lastSeq == size, "the log and the index end at the same seq")
        do {
            try fold(cursor: cursor, size: size, chunkRecords: chunkRecords, helpers: helpers)
        } catch let error as AppendLogError {
            guard case .damaged = error else {
                // A read that failed (EIO) says nothing of the bytes: stop, and try again later.
                throw ServerError("\(error); the projections could not be read from the append log")
            }
            // The source of truth itself is damaged (its middle frames are read only here and
            // by VERIFY): no projection is served from it, and no later start, in this boot or
            // another, takes it for whole (as the open does for damage it finds itself).
            store.refuseFromNowOn("\(error)")
            throw ServerError("\(error); the daemon does not start on a damaged ledger: restore a backup (README: Damage, for a way without losing records when the LMDB index is whole)")
        }
        precondition(read { $0.size } == size, "the projection covers the whole log")
    }

    private func fold(cursor: AppendLog.RecordCursor, size: UInt64, chunkRecords: Int, helpers: Int) throws {
        func chunk(from first: UInt64) -> StoredChunkDecoding? {
            guard first <= size else { return nil }
            return StoredChunkDecoding(cursor: cursor, from: first, count: Int(min(UInt64(chunkRecords), size - first + 1)),
                                       helpers: helpers)
        }
        let retired = DispatchGroup()
        defer { retired.wait() }
        try write { facts in
            var current = chunk(from: 1)
            // On an error, the next chunk's helpers are still reading: wait for them, so that
            // nothing touches the store after this returns.
            defer { current?.waitForHelpers() }
            while let decoding = current {
                try decoding.finish()
                current = chunk(from: decoding.nextSeq)
                try decoding.forEachEvent { seq, event in facts.apply(seq: seq, event: event) }
                if decoding.firstSeq == 1 { facts.reserveCapacity(records: size) }
                DispatchQueue.global().async(group: retired) { decoding.destroyEvents() }
            }
        }
    }

    /// What the projections fold of a stored record's event, decoded as it was when admitted. The daemon trusts its own
    /// log here: it neither re-encodes the record to check its canonical form nor checks the
    /// event's fields again — VERIFY checks every record's bytes against the Merkle tree.
    static func decodeStored(seq: UInt64, bytes: UnsafeBufferPointer<UInt8>) throws -> DomainEvent.Folded {
        // Fast path: read the few folded fields straight from the bytes. Catalogs, calendars
        // and anything not plainly readable take the full decoder below.
        if let (storedSeq, event) = RecordFormat.scan(bytes) {
            guard storedSeq == seq else { throw ServerError("record \(seq) says it is record \(storedSeq)") }
            if let scanned = DomainEvent.scanStored(bytes, event: event) { return scanned }
        }
        do {
            let record = try RecordFormat.decode(Array(bytes), checkCanonical: false)
            guard record.seq == seq else { throw ServerError("it says it is record \(record.seq)") }
            let (id, type) = try EventEnvelope.header(of: record.event)
            return try DomainEvent.decode(value: record.event, id: id, type: type).folded
        } catch {
            throw ServerError("record \(seq) cannot be folded into the projections: \(error)")
        }
    }
}

/// Today's date in Asia/Shanghai (UTC+8, no daylight saving): the default `asof`.
enum ShanghaiClock {
    static func today(now: Date = Date()) -> BusinessDate {
        BusinessDate.inShanghai(millis: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
