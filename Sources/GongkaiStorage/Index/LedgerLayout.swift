import Crypto
import GongkaiJSON
import GongkaiMerkle

/// How the ledger lays out its LMDB databases. Changing any of this is a new format version.
enum LedgerLayout {
    /// Written into `meta` when a ledger is created; a daemon refuses any other value than
    /// these two, and moves a ledger of the first to the second at open (`IdIndexMigration`).
    static let formatVersion = "gongkai-ledger/2"
    static let formatWithIdsDatabase = "gongkai-ledger/1"
    static let formatKey = Array("format".utf8)
    /// In `meta` while the index is being rebuilt from the append log: from the rebuild's
    /// first transaction to its last. An index holding it is part of the ledger, whatever the
    /// marker beside it says (an operator may remove that), and no log is written from it.
    static let rebuildUnfinishedKey = Array("rebuild-unfinished".utf8)

    /// `meta`: format version and other ledger-wide facts.
    static let metaDatabase = "meta"
    /// `log`: seq (8-byte big-endian) → canonical record bytes. Appended in seq order.
    static let logDatabase = "log"
    /// `digests`: seq (8 bytes) → SHA-256 of the event id ‖ SHA-256 of the canonical event.
    /// Appended in seq order; the id index in memory (`IdIndex`) is built from it at open.
    static let digestsDatabase = "digests"
    /// `ids` (format 1 only): SHA-256 of the event id → seq (8 bytes) ‖ SHA-256 of the
    /// canonical event. Each append put its key on a random page of this B-tree.
    static let idsDatabase = "ids"
    /// `tree`: perfect Merkle subtrees, keyed by the last leaf they cover (8 bytes) then
    /// their level (1 byte), so the nodes an append completes sort after all earlier ones.
    static let treeDatabase = "tree"

    /// `commits`: the last seq of each commit (8 bytes) → its recorded time in ms (8 bytes),
    /// so the head that first made any record durable can be named again (duplicate answers).
    static let commitsDatabase = "commits"

    /// No record is longer (an event is at most 256 KiB, and its record adds a few hundred
    /// bytes): a longer value is a damaged node.
    static let maxRecordBytes = 512 << 10

    /// What is wrong with the length of `value`, a record read from the index in a
    /// transaction of `environment`, or nil. A damaged length could run past the end of the
    /// mapped file, and reading the bytes would stop the daemon with SIGBUS instead of
    /// reporting the damage: a record must end inside data.mdb's written pages, and be no
    /// longer than any record can be.
    static func damagedLength(of value: UnsafeRawBufferPointer, in environment: LMDBEnvironment) -> String? {
        if value.count > maxRecordBytes { return "claims \(value.count) bytes" }
        if environment.endsInsideFile(value) == false { return "claims \(value.count) bytes, past the end of data.mdb" }
        return nil
    }

    /// `value`, a record read from the index to be served, or a storage error if its length
    /// or bytes are damaged. Besides the length, a record must look whole: canonical JSON
    /// `{"by":"…}` holds no control byte (JSON escapes them) and is UTF-8. A length a little
    /// off, or flipped bits, were served as OK, and a newline among the bytes put a pipelined
    /// client's answers out of step. (VERIFY checks every record in full.)
    static func checkedRecord(_ value: UnsafeRawBufferPointer, seq: UInt64, in environment: LMDBEnvironment) throws -> UnsafeRawBufferPointer {
        if let damage = damagedLength(of: value, in: environment) ?? damagedShape(of: value) {
            throw StorageError("read", message: "damaged: record \(seq) \(damage) (VERIFY names the first damage; README: Damage)")
        }
        return value
    }

    /// Record `seq` is not in the index although a head covers it: seq has no gaps, so the
    /// index is damaged (a damaged key, or a lost page), `found` the next key it holds.
    static func missingRecord(_ seq: UInt64, found: UInt64?) -> StorageError {
        StorageError("read", message: "the index is damaged: record \(seq) is missing\(found.map { " (found \($0))" } ?? ""); " +
                     "VERIFY names it (README: Damage)")
    }

    private static let recordStart = Array(#"{"by":""#.utf8)

    /// What is wrong with the shape of a stored record, or nil when it looks whole.
    static func damagedShape(of value: UnsafeRawBufferPointer) -> String? {
        guard value.count > recordStart.count, value.starts(with: recordStart), value.last == UInt8(ascii: "}"),
              !value.contains(where: { $0 < 0x20 }),
              UTF8Text.isValid(UnsafeBufferPointer(start: value.baseAddress?.assumingMemoryBound(to: UInt8.self), count: value.count)) else {
            return "is not a whole record (\(value.count) bytes; its stored length or bytes are damaged)"
        }
        return nil
    }

    static func seqKey(_ seq: UInt64) -> [UInt8] {
        withSeqKey(seq) { Array($0) }
    }

    /// The seq key of `seq` (8 bytes, big-endian) on the stack.
    static func withSeqKey<Result>(_ seq: UInt64, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeBytes(of: seq.bigEndian, body)
    }

    /// A seq from its 8-byte key. LMDB keeps no checksums: a key of another length is a
    /// damaged index, refused as a storage error rather than trapped on (a trap would let one
    /// flipped byte stop the daemon at every READ and VERIFY).
    static func seq(fromKey bytes: UnsafeRawBufferPointer) throws -> UInt64 {
        guard bytes.count == 8 else {
            throw StorageError("index", message: "damaged: a seq key or time of \(bytes.count) bytes, not 8 (VERIFY names the record; README: Damage)")
        }
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return value
    }

    static func treeKey(_ address: SubtreeAddress) -> [UInt8] {
        withTreeKey(address) { Array($0) }
    }

    /// The tree key of `address` (9 bytes) on the stack.
    static func withTreeKey<Result>(_ address: SubtreeAddress, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let lastLeaf = (address.index + 1) << UInt64(address.level) - 1
        var key: (UInt64, UInt8) = (lastLeaf.bigEndian, UInt8(address.level))
        return try withUnsafeBytes(of: &key) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<treeKeyBytes])) }
    }

    static let treeKeyBytes = 9

    static func idKey(_ id: String) -> [UInt8] {
        var id = id
        return id.withUTF8 { sha256Bytes(UnsafeRawBufferPointer($0)) }
    }

    /// SHA-256 as 32 bytes copied in one piece: `Array(digest)` walks the digest as a generic
    /// sequence, a byte at a time (about 1% of the daemon's CPU under append load). The bytes
    /// go in through `update(bufferPointer:)`: `hash(data:)` takes them as a generic
    /// `DataProtocol` and walks its regions.
    static func sha256Bytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var sha = SHA256()
        sha.update(bufferPointer: bytes)
        return sha.finalize().withUnsafeBytes { Array($0) }
    }

    static func digestsValue(idKey: [UInt8], eventDigest: [UInt8]) -> [UInt8] {
        withDigestsValue(idKey: idKey, eventDigest: eventDigest) { Array($0) }
    }

    /// A `digests` value (the id key, then the event's digest: 64 bytes) on the stack.
    static func withDigestsValue<Result>(idKey: [UInt8], eventDigest: [UInt8],
                                         _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        precondition(idKey.count == 32 && eventDigest.count == 32, "both are SHA-256 digests")
        return try withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { value in
            value.copyBytes(from: idKey)
            UnsafeMutableRawBufferPointer(rebasing: value[32...]).copyBytes(from: eventDigest)
            return try body(UnsafeRawBufferPointer(value))
        }
    }

    /// Record `seq`'s entry from its `digests` value, if that value files `idKey`.
    static func idEntry(seq: UInt64, digestsValue bytes: UnsafeRawBufferPointer, idKey: [UInt8]) -> IdEntry? {
        guard bytes.count == 64, bytes[0..<32].elementsEqual(idKey) else { return nil }
        return IdEntry(seq: seq, eventDigest: Array(bytes[32..<64]))
    }
}

/// What the id index knows about an event id: its record and a digest of its event.
public struct IdEntry: Equatable, Sendable {
    public let seq: UInt64
    public let eventDigest: [UInt8]

    public init(seq: UInt64, eventDigest: [UInt8]) {
        self.seq = seq
        self.eventDigest = eventDigest
    }

    /// From a value of the format-1 `ids` database: seq (8 bytes) ‖ event digest.
    init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == 40 else { return nil }
        guard let seq = try? LedgerLayout.seq(fromKey: UnsafeRawBufferPointer(rebasing: bytes[0..<8])) else { return nil }
        self.seq = seq
        eventDigest = Array(bytes[8..<40])
    }

    /// The id index key of an event id (SHA-256 of its UTF-8 bytes).
    public static func key(forId id: String) -> [UInt8] { LedgerLayout.idKey(id) }

    /// The digest stored for an event's canonical bytes.
    public static func digest(ofCanonicalEvent bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { LedgerLayout.sha256Bytes($0) }
    }
}
