import GongkaiMerkle

/// The outcome of rehashing the whole log: either every record, node and the root agree, or
/// the first record where they do not, and why.
public struct VerificationReport: Equatable, Sendable {
    public let size: UInt64
    public let root: MerkleHash
    public let ok: Bool
    /// The first seq found wrong (nil when ok, or when only the final root differs).
    public let badSeq: UInt64?
    public let reason: String?
}

extension LedgerStore {
    /// Records read per read transaction: verification never holds one snapshot for long, so
    /// it runs beside live appends without blocking them or pinning old pages.
    static let verifyChunkRecords = 1_024
    /// Records between looks at RSS (`LMDBEnvironment.residentFileBudgetBytes`). With the id
    /// index on disk (format 1) each record's lookup mapped 64 KiB to 2 MiB of a random page:
    /// letting go after each chunk of 1,024 peaked at ~250 MB with small folios but at 515 MB
    /// with large ones.
    static let verifyRecordsPerResidentCheck = 32

    /// Rehashes records 1…`head.size` as of `head`: each record must be canonical with the
    /// pinned shape and its own seq, each id must map back to it in the index, every perfect
    /// subtree rebuilt from the records must equal the stored node, and the rebuilt root must
    /// equal `head.root`; and the append log, the source of truth, must hold the same records
    /// with the same id keys and event digests as the index. Call it from any thread but the writer.
    public func verify(head: LedgerHead) throws -> VerificationReport {
        var frontier = MerkleFrontier()
        var next: UInt64 = 1
        var failure: (UInt64?, String)?
        var logged = LoggedRecords(reader: try appendLog.reader())
        defer { releaseResidentPages() }
        while next <= head.size, failure == nil {
            var expected = next
            func verifyChunk() throws {
                try env.read { txn in
                    let source = TreeNodeSource(txn: txn, tree: tree)
                    let end = min(head.size, next + UInt64(Self.verifyChunkRecords) - 1)
                    try LMDBValues.scan(txn, log, from: LedgerLayout.seqKey(next)) { key, value in
                        guard let seq = try? LedgerLayout.seq(fromKey: key) else {
                            failure = (expected, "the index holds a damaged key (\(key.count) bytes) where record \(expected) belongs")
                            return false
                        }
                        guard seq == expected else {
                            failure = (expected, "record \(expected) is missing (found \(seq))")
                            return false
                        }
                        if let damage = LedgerLayout.damagedLength(of: value, in: env) {
                            failure = (seq, "the index's record \(damage): its length is damaged")
                            return false
                        }
                        let bytes = Array(value)
                        let decoded: RecordFormat.Decoded
                        do {
                            decoded = try RecordFormat.decode(bytes)
                        } catch {
                            failure = (seq, "record is not a canonical record: \(error)")
                            return false
                        }
                        guard decoded.seq == seq else {
                            failure = (seq, "record says it is seq \(decoded.seq)")
                            return false
                        }
                        guard let id = decoded.event["id"]?.stringValue,
                              case let idKey = LedgerLayout.idKey(id),
                              let entry = try Self.idEntry(seq: seq, idKey: idKey, txn: txn, digests: digests) else {
                            failure = (seq, "the id key stored with this record is not its event id's")
                            return false
                        }
                        guard try Self.indexNamesOnly(seq: seq, idKey: idKey, index: idIndex, txn: txn, digests: digests) else {
                            failure = (seq, "the id index does not point at this record")
                            return false
                        }
                        if let why = try logged.mismatch(seq: seq, record: bytes, idKey: idKey, eventDigest: entry.eventDigest,
                                                         commits: { try Self.commit(endingFrom: $0, txn: txn, commits: commits) }) {
                            failure = (seq, why)
                            return false
                        }
                        for (address, hash) in frontier.append(leaf: RFC6962.leafHash(bytes)) {
                            guard try source.subtreeHash(address) == hash else {
                                failure = (seq, "stored Merkle node level \(address.level) index \(address.index) differs from the records")
                                return false
                            }
                        }
                        expected += 1
                        if expected % UInt64(Self.verifyRecordsPerResidentCheck) == 0 { env.releaseResidentPagesIfOverBudget() }
                        return expected <= end
                    }
                    if failure == nil && expected <= end { failure = (expected, "record \(expected) is missing") }
                    next = expected
                }
            }
            do {
                try verifyChunk()
            } catch let damage as StorageError {
                // LMDB or a stored node could not be read at this record (a damaged page says
                // MDB_PAGE_NOTFOUND, a missing tree node is named): a finding, not an error.
                failure = (expected, "the index cannot be read at record \(expected): \(damage.message)")
            }
        }
        if failure == nil, !logged.endsFrame {
            failure = (head.size, "the append log's frame holding record \(head.size) goes on past the head")
        }
        if let (seq, reason) = failure {
            return VerificationReport(size: head.size, root: head.root, ok: false, badSeq: seq, reason: reason)
        }
        guard frontier.root == head.root else {
            return VerificationReport(size: head.size, root: head.root, ok: false, badSeq: nil,
                                      reason: "the root rebuilt from the records differs from the head")
        }
        return VerificationReport(size: head.size, root: head.root, ok: true, badSeq: nil, reason: nil)
    }
}

/// The append log's records, one at a time, for VERIFY to compare with the index.
private struct LoggedRecords {
    let reader: AppendLog.FrameReader
    private var pending: ArraySlice<AppendLogFrame.Entry> = []

    init(reader: AppendLog.FrameReader) { self.reader = reader }

    var endsFrame: Bool { pending.isEmpty }

    /// Why record `seq` in the log differs from what the index holds; nil when it agrees.
    /// `commits(seq)` gives the index's first commit ending at or after `seq`: each frame
    /// must be exactly one commit, with the same recorded time.
    mutating func mismatch(seq: UInt64, record: [UInt8], idKey: [UInt8], eventDigest: [UInt8],
                           commits: (UInt64) throws -> (lastSeq: UInt64, millis: Int64)?) throws -> String? {
        if pending.isEmpty {
            let frame: AppendLogFrame?
            do {
                frame = try reader.next()
            } catch {
                return "the append log cannot be read at record \(seq): \(error)"
            }
            guard let frame else { return "the append log ends before record \(seq)" }
            guard frame.firstSeq == seq else { return "the append log's next frame starts at seq \(frame.firstSeq), not \(seq)" }
            let commit: (lastSeq: UInt64, millis: Int64)?
            do {
                commit = try commits(seq)
            } catch let damage as StorageError {
                return "the index's commit of record \(seq) is damaged: \(damage.message)"
            }
            guard let commit, commit.lastSeq == frame.lastSeq, commit.millis == frame.commitMillis else {
                return "the append log's frame of records \(seq)…\(frame.lastSeq) is not one commit of the index"
            }
            pending = frame.entries[...]
        }
        let entry = pending.removeFirst()
        guard entry.record == record else { return "the append log holds other bytes for this record" }
        guard entry.idKey == idKey, entry.eventDigest == eventDigest else { return "the append log's id key or event digest differs from the index" }
        return nil
    }
}
