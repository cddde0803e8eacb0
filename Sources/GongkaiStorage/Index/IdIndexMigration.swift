import CLMDB

/// Moves a ledger of format 1, whose id index was an LMDB database keyed by the id's hash
/// (`ids`, one random page written per append), to format 2: the same entries filed by seq in
/// `digests`, from which the id index in memory is built at open. Runs inside the open's
/// first write transaction, flushed in order (`LMDBEnvironment.writeDurably`), so a ledger is
/// wholly of one format or the other. Every check comes before the first write: a refused
/// ledger keeps format 1. At 1M records it holds 64 MB of entries and as many dirty pages.
enum IdIndexMigration {
    static func run(txn: OpaquePointer, env: LMDBEnvironment, log: MDB_dbi, digests: MDB_dbi) throws {
        let ids = try env.openDatabase(LedgerLayout.idsDatabase, txn: txn)
        let records = try LMDBValues.lastKey(txn, log).map { try $0.withUnsafeBytes { try LedgerLayout.seq(fromKey: $0) } } ?? 0
        // Each record's digests value at its seq's place: no sort, and a hole or a second
        // entry for one seq shows.
        var values = [UInt8](repeating: 0, count: Int(records) * 64)
        var filed = [Bool](repeating: false, count: Int(records))
        var entries = 0
        try LMDBValues.scan(txn, ids, from: []) { key, value in
            guard key.count == 32, let entry = IdEntry(bytes: value) else {
                throw LedgerMismatch("an entry of the format-1 id index is not a 32-byte key and a 40-byte value")
            }
            guard entry.seq >= 1, entry.seq <= records, !filed[Int(entry.seq - 1)] else {
                throw LedgerMismatch("the format-1 id index does not name each record once (seq \(entry.seq) of \(records))")
            }
            let at = Int(entry.seq - 1) * 64
            values.replaceSubrange(at..<at + 32, with: key)
            values.replaceSubrange(at + 32..<at + 64, with: entry.eventDigest)
            filed[Int(entry.seq - 1)] = true
            entries += 1
            if entries % 4_096 == 0 { env.releaseResidentPagesIfOverBudget() }
            return true
        }
        if let missing = filed.firstIndex(of: false) {
            throw LedgerMismatch("the format-1 id index does not name each record once (at seq \(missing + 1))")
        }
        for seq in stride(from: UInt64(1), through: records, by: 1) {
            let at = Int(seq - 1) * 64
            try LMDBValues.put(txn, digests, key: LedgerLayout.seqKey(seq), value: Array(values[at..<at + 64]), flags: MDB_APPEND)
        }
        try check("mdb_drop \(LedgerLayout.idsDatabase)", mdb_drop(txn, ids, 1))
    }
}
