import Foundation
import GongkaiCheckpoint
import GongkaiJSON
import GongkaiMerkle
import GongkaiStorage

/// An export as written by `gongkai audit export`: `FILE` holds the records as NDJSON, one
/// per line, byte for byte as the daemon returned them, and `FILE.checkpoint` the signed note.
struct AuditExportFile {
    /// Each line's bytes, without its newline; line i (from 1) should be record seq i.
    let lines: [[UInt8]]
    /// The note exactly as stored.
    let note: String

    static func checkpointPath(_ path: String) -> String { path + ".checkpoint" }

    init(lines: [[UInt8]], note: String) {
        self.lines = lines
        self.note = note
    }

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditFailure("cannot read the export \(path)")
        }
        let notePath = Self.checkpointPath(path)
        guard let noteData = FileManager.default.contents(atPath: notePath) else {
            throw AuditFailure("cannot read \(notePath): the export has no signed checkpoint")
        }
        guard let note = String(data: noteData, encoding: .utf8) else {
            throw AuditFailure("\(notePath) is not UTF-8 text")
        }
        self.init(lines: Self.splitLines([UInt8](data)), note: note)
    }

    /// Splits on `\n`; a final newline ends the last line rather than starting an empty one.
    /// Any other empty line stays, and is then reported as empty.
    static func splitLines(_ bytes: [UInt8]) -> [[UInt8]] {
        guard !bytes.isEmpty else { return [] }
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if bytes.last == 0x0A { lines.removeLast() }
        return lines
    }
}

/// Why an audit did not pass; the message is what the auditor reads on stderr.
struct AuditFailure: Error, CustomStringConvertible {
    let description: String
    /// The first record (seq) the failure is about, when one is known.
    var seq: UInt64?
    /// The export line the failure is about, when one is known.
    var line: Int?

    init(_ description: String, seq: UInt64? = nil, line: Int? = nil) {
        self.description = description
        self.seq = seq
        self.line = line
    }
}

/// The offline checks of an export against its signed checkpoint, and against an earlier
/// checkpoint the auditor kept. Pure: no daemon, no file system.
struct AuditVerification {
    let checkpoint: Checkpoint
    let records: [RecordFormat.Decoded]
    /// Leaf hashes of the lines, leaf i-1 for line i.
    let leaves: [MerkleHash]
    /// The root recomputed over every line.
    let root: MerkleHash

    /// Verifies the signature, that every line is a canonical record, that line i holds seq i
    /// and that there are exactly `size` of them. The root is computed but not judged here:
    /// `rootMatches` says, and locating a changed record needs the leaves.
    init(export: AuditExportFile, verifier: CheckpointVerifier) throws {
        do {
            checkpoint = try verifier.verify(note: export.note)
        } catch {
            throw AuditFailure("checkpoint: \(error)")
        }
        var records: [RecordFormat.Decoded] = []
        records.reserveCapacity(export.lines.count)
        for (index, line) in export.lines.enumerated() {
            let number = index + 1
            let record: RecordFormat.Decoded
            guard !line.isEmpty else { throw AuditFailure("line \(number) is empty: an export holds one record per line", line: number) }
            guard line.withUnsafeBufferPointer(UTF8Text.isValid) else { throw AuditFailure("line \(number) is not valid UTF-8", line: number) }
            do {
                record = try RecordFormat.decode(line)
            } catch {
                throw AuditFailure("line \(number) is not a canonical record: \(error)", line: number)
            }
            guard record.seq == UInt64(number) else {
                throw AuditFailure("line \(number) holds seq \(record.seq): a record is missing, extra or out of order",
                                   seq: UInt64(number), line: number)
            }
            records.append(record)
        }
        guard UInt64(records.count) == checkpoint.size else {
            let first = min(UInt64(records.count), checkpoint.size) + 1
            throw AuditFailure("the export holds \(records.count) records but the checkpoint's size is \(checkpoint.size)"
                               + (UInt64(records.count) < checkpoint.size ? ": records from seq \(first) on are missing" : ""),
                               seq: first)
        }
        self.records = records
        leaves = export.lines.map { RFC6962.leafHash($0) }
        root = Self.root(of: leaves[...])
    }

    var rootMatches: Bool { root == checkpoint.root }

    /// The RFC 6962 root of the first `count` lines.
    func prefixRoot(_ count: UInt64) -> MerkleHash { Self.root(of: leaves.prefix(Int(count))) }

    static func root(of leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        var frontier = MerkleFrontier()
        for leaf in leaves { frontier.append(leaf: leaf) { _, _ in } }
        return frontier.root
    }

    /// Consistency with an earlier checkpoint by recomputation: the root of the first
    /// `previous.size` lines must be the earlier root.
    func checkConsistency(previous: Checkpoint) throws {
        // Origin first: checkpoints of two different logs are not a rewritten history.
        if previous.origin != checkpoint.origin {
            throw AuditFailure("the previous checkpoint's origin \"\(previous.origin)\" differs from \"\(checkpoint.origin)\": they are of different logs")
        }
        guard previous.size <= checkpoint.size else {
            throw AuditFailure("the previous checkpoint's size \(previous.size) is larger than this export's \(checkpoint.size): the log shrank or the checkpoints are not of one log")
        }
        guard prefixRoot(previous.size) == previous.root else {
            throw AuditFailure("the root of the first \(previous.size) records differs from the previous checkpoint's: history before seq \(previous.size + 1) was rewritten")
        }
    }
}

/// The export verified, but what was asked of it cannot be answered (a unit or year its
/// tables lack): a wrong question, not a tampered ledger, so it exits 64, not 1.
struct AuditQueryProblem: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}
