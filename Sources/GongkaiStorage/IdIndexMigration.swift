import CLMDB

/// Moves a ledger of format 1, whose id index was an LMDB database keyed by the id's hash
/// (`ids`, one random page written per append), to format 2: the same entries filed by seq in
/// `digests`, from which the id index in memory is built at open. Runs inside the open's
/// first write transaction, so a ledger is wholly of one format or the other.
enum IdIndexMigration {
    static func run(txn: OpaquePointer, env: LMDBEnvironment, digests: MDB_dbi) throws {
        let ids = try env.openDatabase(LedgerLayout.idsDatabase, txn: txn)
        var entries: [(seq: UInt64, value: [UInt8])] = []
        // Every key is 32 bytes, so 32 zero bytes sort first.
        try LMDBValues.scan(txn, ids, from: [UInt8](repeating: 0, count: 32)) { key, value in
            guard key.count == 32, let entry = IdEntry(bytes: value) else {
                throw LedgerMismatch("an entry of the format-1 id index is not a 32-byte key and a 40-byte value")
            }
            entries.append((entry.seq, LedgerLayout.digestsValue(idKey: Array(key), eventDigest: entry.eventDigest)))
            return true
        }
        entries.sort { $0.seq < $1.seq }
        for (index, entry) in entries.enumerated() {
            guard entry.seq == UInt64(index) + 1 else {
                throw LedgerMismatch("the format-1 id index does not name each record once (at seq \(index + 1))")
            }
            try LMDBValues.put(txn, digests, key: LedgerLayout.seqKey(entry.seq), value: entry.value, flags: MDB_APPEND)
        }
        try check("mdb_drop \(LedgerLayout.idsDatabase)", mdb_drop(txn, ids, 1))
    }
}
