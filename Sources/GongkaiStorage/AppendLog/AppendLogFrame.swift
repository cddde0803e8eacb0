import Crypto

/// One group commit as the append log stores it: the records of one LMDB transaction with
/// what the index needs to take them in again without parsing them (id key, event digest),
/// and the commit's recorded time. Pure encoding; `AppendLog` does the file I/O.
///
/// Layout, little-endian:
///   header  (32 bytes) magic "GKF1" · record count u32 · first seq u64 · commit millis i64 ·
///                      payload bytes u64
///   payload            per record: record bytes u32 · id key (32) · event digest (32) · record
///   trailer (48 bytes) SHA-256 of header ‖ payload (32) · frame bytes u64 · magic "GKT1" ·
///                      zero u32
/// The trailer ends with the frame's length, so the log can be read from its end backwards.
public struct AppendLogFrame: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let idKey: [UInt8]
        public let eventDigest: [UInt8]
        public let record: [UInt8]

        public init(idKey: [UInt8], eventDigest: [UInt8], record: [UInt8]) {
            precondition(idKey.count == 32 && eventDigest.count == 32, "id keys and event digests are SHA-256 digests")
            self.idKey = idKey
            self.eventDigest = eventDigest
            self.record = record
        }
    }

    public let firstSeq: UInt64
    public let commitMillis: Int64
    public let entries: [Entry]

    public init(firstSeq: UInt64, commitMillis: Int64, entries: [Entry]) {
        precondition(firstSeq >= 1 && !entries.isEmpty, "a frame holds at least one record from seq 1 on")
        self.firstSeq = firstSeq
        self.commitMillis = commitMillis
        self.entries = entries
    }

    /// The seq of the frame's last record: the size of the log once it is committed.
    public var lastSeq: UInt64 { firstSeq + UInt64(entries.count) - 1 }

    static let headerBytes = 32
    public static let trailerBytes = 48
    static let entryOverheadBytes = 4 + 32 + 32
    static let headerMagic: [UInt8] = Array("GKF1".utf8)
    static let trailerMagic: [UInt8] = Array("GKT1".utf8)
    /// Bound on one frame, header to trailer. The writer's largest batch (8,192 records of
    /// events of at most 256 KiB, ProtocolLimits) is about 2 GiB, half of it.
    static let maxFrameBytes: UInt64 = 1 << 32

    /// The frame's bytes, ready for one write.
    public var bytes: [UInt8] {
        var builder = Builder(firstSeq: firstSeq)
        for entry in entries { builder.add(idKey: entry.idKey, eventDigest: entry.eventDigest, record: entry.record) }
        return builder.finish(commitMillis: commitMillis)
    }

    /// Accumulates a frame's payload while a batch appends, so the records are copied once.
    public struct Builder {
        public let firstSeq: UInt64
        private(set) var count: UInt32 = 0
        private var buffer: [UInt8]

        public init(firstSeq: UInt64) {
            self.firstSeq = firstSeq
            buffer = [UInt8](repeating: 0, count: AppendLogFrame.headerBytes)
        }

        /// Room for `records` more records of `recordBytes` bytes in all, so that a batch's
        /// frame is not copied again each time it doubles: the writer knows its batch's size.
        public mutating func reserve(records: Int, recordBytes: Int) {
            precondition(records >= 0 && recordBytes >= 0)
            buffer.reserveCapacity(buffer.count + records * AppendLogFrame.entryOverheadBytes + recordBytes + AppendLogFrame.trailerBytes)
        }

        public var isEmpty: Bool { count == 0 }

        public mutating func add(idKey: [UInt8], eventDigest: [UInt8], record: [UInt8]) {
            precondition(idKey.count == 32 && eventDigest.count == 32, "id keys and event digests are SHA-256 digests")
            precondition(record.count <= Int(UInt32.max), "a record fits a u32 length")
            count += 1
            appendLittleEndian(UInt32(record.count), to: &buffer)
            buffer.append(contentsOf: idKey)
            buffer.append(contentsOf: eventDigest)
            buffer.append(contentsOf: record)
        }

        /// The finished frame: header filled in, trailer appended. The builder gives its bytes
        /// up (a second copy of a batch's records is not made) and is empty afterwards.
        public mutating func finish(commitMillis: Int64) -> [UInt8] {
            precondition(count > 0, "an empty batch writes no frame")
            var frame: [UInt8] = []
            swap(&frame, &buffer)
            defer { count = 0 }
            var header: [UInt8] = AppendLogFrame.headerMagic
            appendLittleEndian(count, to: &header)
            appendLittleEndian(firstSeq, to: &header)
            appendLittleEndian(UInt64(bitPattern: commitMillis), to: &header)
            appendLittleEndian(UInt64(frame.count - AppendLogFrame.headerBytes), to: &header)
            frame.replaceSubrange(0..<AppendLogFrame.headerBytes, with: header)
            let digest = frame.withUnsafeBytes { LedgerLayout.sha256Bytes($0) }
            frame.append(contentsOf: digest)
            appendLittleEndian(UInt64(frame.count + 16), to: &frame)
            frame.append(contentsOf: AppendLogFrame.trailerMagic)
            appendLittleEndian(UInt32(0), to: &frame)
            precondition(UInt64(frame.count) <= AppendLogFrame.maxFrameBytes, "a frame the log could not read back is never written")
            return frame
        }
    }

    /// What the header says, read before the payload is.
    struct Header: Equatable {
        let count: UInt32
        let firstSeq: UInt64
        let commitMillis: Int64
        let payloadBytes: UInt64

        var frameBytes: UInt64 { UInt64(AppendLogFrame.headerBytes) + payloadBytes + UInt64(AppendLogFrame.trailerBytes) }

        init?(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count >= AppendLogFrame.headerBytes, bytes.starts(with: AppendLogFrame.headerMagic) else { return nil }
            count = readLittleEndian(bytes, at: 4)
            firstSeq = readLittleEndian(bytes, at: 8)
            commitMillis = Int64(bitPattern: readLittleEndian(bytes, at: 16))
            payloadBytes = readLittleEndian(bytes, at: 24)
            guard count > 0, firstSeq >= 1,
                  payloadBytes >= UInt64(count) * UInt64(AppendLogFrame.entryOverheadBytes),
                  payloadBytes <= AppendLogFrame.maxFrameBytes - UInt64(AppendLogFrame.headerBytes + AppendLogFrame.trailerBytes) else { return nil }
        }
    }

    /// The length of the frame that ends with `trailer` (its last 48 bytes), or nil when
    /// these bytes are not a trailer.
    static func frameBytes(endingWith trailer: UnsafeRawBufferPointer) -> UInt64? {
        guard trailer.count == trailerBytes,
              trailer[40..<44].elementsEqual(trailerMagic),
              readLittleEndian(trailer, at: 44) as UInt32 == 0 else { return nil }
        let length: UInt64 = readLittleEndian(trailer, at: 32)
        guard length >= UInt64(headerBytes + entryOverheadBytes + trailerBytes), length <= maxFrameBytes else { return nil }
        return length
    }

    /// Decodes a whole frame, checking its digest and lengths.
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> AppendLogFrame {
        var entries: [Entry] = []
        let header = try walk(bytes, checkDigest: true) { entry, record in
            entries.append(Entry(idKey: Array(bytes[(entry + 4)..<(entry + 36)]),
                                 eventDigest: Array(bytes[(entry + 36)..<record.lowerBound]),
                                 record: Array(bytes[record])))
        }
        return AppendLogFrame(firstSeq: header.firstSeq, commitMillis: header.commitMillis, entries: entries)
    }

    /// Checks a whole frame's header, trailer and lengths (and its SHA-256 when `checkDigest`),
    /// calling `body` with each entry's offset and its record's byte range, in order.
    static func walk(_ bytes: UnsafeRawBufferPointer, checkDigest: Bool,
                     _ body: (_ entry: Int, _ record: Range<Int>) throws -> Void) throws -> Header {
        guard let header = Header(bytes) else { throw AppendLogError.damaged("frame header is not readable") }
        guard UInt64(bytes.count) == header.frameBytes else { throw AppendLogError.damaged("frame is \(bytes.count) bytes, its header says \(header.frameBytes)") }
        let bodyEnd = bytes.count - trailerBytes
        let trailer = UnsafeRawBufferPointer(rebasing: bytes[bodyEnd...])
        guard frameBytes(endingWith: trailer) == header.frameBytes else { throw AppendLogError.damaged("frame trailer does not match its header") }
        if checkDigest {
            var sha = SHA256()
            sha.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[..<bodyEnd]))
            let digest = sha.finalize()
            guard digest.elementsEqual(trailer[0..<32]) else { throw AppendLogError.damaged("frame of seq \(header.firstSeq) fails its SHA-256") }
        }
        var offset = headerBytes
        for _ in 0..<header.count {
            guard bodyEnd - offset >= entryOverheadBytes else { throw AppendLogError.damaged("frame of seq \(header.firstSeq) ends inside a record") }
            let length = Int(readLittleEndian(bytes, at: offset) as UInt32)
            let recordStart = offset + entryOverheadBytes
            guard bodyEnd - recordStart >= length else { throw AppendLogError.damaged("frame of seq \(header.firstSeq) ends inside a record") }
            try body(offset, recordStart..<(recordStart + length))
            offset = recordStart + length
        }
        guard offset == bodyEnd else { throw AppendLogError.damaged("frame of seq \(header.firstSeq) has bytes after its last record") }
        return header
    }
}

/// Why the append log could not be read or written.
public enum AppendLogError: Error, Equatable, CustomStringConvertible {
    case damaged(String)
    case io(String)
    /// An fdatasync of frames LMDB had committed failed; `cutBack` tells whether those frames
    /// were then cut off the log (they are not in the ledger) or may still be in it.
    case syncFailed(String, cutBack: Bool)

    public var description: String {
        switch self {
        case .damaged(let why): "append log damaged: \(why)"
        case .io(let why), .syncFailed(let why, _): "append log: \(why)"
        }
    }
}

private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

private func readLittleEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> T {
    var value = T.zero
    withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + MemoryLayout<T>.size)])) }
    return T(littleEndian: value)
}
