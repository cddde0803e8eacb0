import CLMDB
import Glibc
import GongkaiJSON

/// Writes the append log of a ledger made before the log existed, from its LMDB index (every
/// commit of which was fsynced): one frame per stored commit, as if the log had always been
/// there. Written beside the ledger and renamed into place when whole and durable, so a
/// crash half-way leaves no log and the next open starts again.
enum AppendLogMigration {
    static let temporaryFileName = AppendLog.fileName + ".new"
    /// Records read per read transaction; the pages each one maps stay in RSS until it ends.
    static let chunkRecords = 4_096

    /// `progress` hears the records written so far after each chunk.
    static func write(directory: String, env: LMDBEnvironment, log: MDB_dbi, digests: MDB_dbi, idIndex: IdIndex, commits: MDB_dbi,
                      progress: ((UInt64) -> Void)? = nil) throws -> AppendLog {
        let temporaryPath = directory + "/" + temporaryFileName
        guard unlink(temporaryPath) == 0 || errno == ENOENT else {
            throw AppendLogError.io("remove \(temporaryPath): \(FileSync.lastError())")
        }
        let target = try AppendLog(directory: directory, fileName: temporaryFileName)
        var nextSeq: UInt64 = 1
        var finished = false
        // Commits in chunks of read transactions, letting go of the pages read after each:
        // one pass over a large ledger would otherwise count all of it in RSS.
        while !finished {
            try env.read { txn in
                var records = 0
                finished = true
                try LMDBValues.scan(txn, commits, from: LedgerLayout.seqKey(nextSeq)) { key, value in
                    let lastSeq = try LedgerLayout.seq(fromKey: key)
                    let millis = Int64(bitPattern: try LedgerLayout.seq(fromKey: value))
                    guard lastSeq >= nextSeq else { throw AppendLogError.damaged("commits out of order at seq \(lastSeq)") }
                    var frame = AppendLogFrame.Builder(firstSeq: nextSeq)
                    try LMDBValues.scan(txn, log, from: LedgerLayout.seqKey(nextSeq)) { recordKey, record in
                        let seq = try LedgerLayout.seq(fromKey: recordKey)
                        guard seq == nextSeq else { throw AppendLogError.damaged("the LMDB log skips from \(nextSeq - 1) to \(seq)") }
                        let (idKey, eventDigest) = try indexEntry(of: record, seq: seq, txn: txn, digests: digests, idIndex: idIndex)
                        frame.add(idKey: idKey, eventDigest: eventDigest, record: Array(record))
                        nextSeq += 1
                        records += 1
                        return seq < lastSeq
                    }
                    guard nextSeq == lastSeq + 1 else { throw AppendLogError.damaged("the commit ending at \(lastSeq) lacks records") }
                    try target.append(frame.finish(commitMillis: millis), lastSeq: lastSeq, sync: false)
                    if records >= chunkRecords { finished = false }
                    return finished
                }
                if finished {
                    let lastSeq = try LMDBValues.lastKey(txn, log).map { try $0.withUnsafeBytes { try LedgerLayout.seq(fromKey: $0) } } ?? 0
                    guard lastSeq == nextSeq - 1 else { throw AppendLogError.damaged("records after seq \(nextSeq - 1) belong to no commit") }
                }
            }
            env.releaseResidentPages()
            progress?(nextSeq - 1)
        }
        try target.sync()
        guard rename(temporaryPath, directory + "/" + AppendLog.fileName) == 0 else {
            throw AppendLogError.io("rename \(temporaryPath): \(FileSync.lastError())")
        }
        try FileSync.fsync(path: directory, directory: true)
        return try AppendLog(directory: directory)
    }

    /// The id key of a stored record's event and the digest the index keeps for it; the id
    /// key stored with the record must be its event id's, and the id index must name this
    /// very record and no other.
    private static func indexEntry(of record: UnsafeRawBufferPointer, seq: UInt64, txn: OpaquePointer, digests: MDB_dbi,
                                   idIndex: IdIndex) throws -> ([UInt8], [UInt8]) {
        let bytes = record.bindMemory(to: UInt8.self)
        guard let event = RecordFormat.scan(bytes)?.event,
              case .object(let members) = try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[event])),
              let id = members["id"]?.stringValue else {
            throw AppendLogError.damaged("record \(seq) has no readable event id")
        }
        let idKey = LedgerLayout.idKey(id)
        guard let entry = try LedgerStore.idEntry(seq: seq, idKey: idKey, txn: txn, digests: digests),
              try LedgerStore.indexNamesOnly(seq: seq, idKey: idKey, index: idIndex, txn: txn, digests: digests) else {
            throw AppendLogError.damaged("the id index does not point event \(id) at record \(seq)")
        }
        return (idKey, entry.eventDigest)
    }
}
