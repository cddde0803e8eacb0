import GongkaiJSON
import GongkaiMerkle

/// The pinned record layout `{"by":…,"event":{…},"recorded":"…","seq":N}` (DESIGN.md
/// section 2). Keys are already in RFC 8785 order, so the record is canonical whenever the
/// event bytes are; it is assembled without re-encoding the event.
public enum RecordFormat {
    public static func encode(by principal: String, canonicalEvent: [UInt8], recordedMillis: Int64, seq: UInt64) -> [UInt8] {
        encode(by: principal, canonicalEvent: canonicalEvent, recorded: RecordedTime.format(millis: recordedMillis), seq: seq)
    }

    /// As above with `recorded` already formatted (one stamp serves a whole commit).
    public static func encode(by principal: String, canonicalEvent: [UInt8], recorded: String, seq: UInt64) -> [UInt8] {
        Prefix(by: principal, canonicalEvent: canonicalEvent, hashing: false).record(recorded: recorded, seq: seq).bytes
    }

    /// A record's bytes up to its recorded time, `{"by":…,"event":{…},"recorded":"`, and its
    /// leaf hash over them: all that is known before the writer stamps the record. An event
    /// loop makes it, so that the one writer thread only adds the time and the seq.
    public struct Prefix: Sendable {
        private let bytes: [UInt8]
        private let hashing: RFC6962.LeafHashing?

        /// `hashing: false` leaves the leaf hash out (a caller that does not need it).
        public init(by principal: String, canonicalEvent: [UInt8], hashing: Bool = true) {
            var output: [UInt8] = []
            output.reserveCapacity(canonicalEvent.count + principal.utf8.count + RecordFormat.framingBytes)
            output.append(literal: #"{"by":"#)
            CanonicalJSON.appendString(principal, to: &output)
            output.append(literal: #","event":"#)
            output.append(contentsOf: canonicalEvent)
            output.append(literal: #","recorded":""#)
            bytes = output
            if hashing {
                var leaf = RFC6962.LeafHashing()
                output.withUnsafeBytes { leaf.update($0) }
                self.hashing = leaf
            } else {
                self.hashing = nil
            }
        }

        /// The record's bytes up to its recorded time; the whole record is at most
        /// `RecordFormat.framingBytes` longer.
        public var count: Int { bytes.count }

        /// The whole record, and its leaf hash unless the prefix was made without one.
        public func record(recorded: String, seq: UInt64) -> (bytes: [UInt8], leaf: MerkleHash?) {
            var output = bytes
            output.reserveCapacity(bytes.count + RecordFormat.framingBytes)
            let suffixStart = output.count
            output.append(utf8: recorded)
            output.append(literal: #"","seq":"#)
            output.append(decimal: seq)
            output.append(UInt8(ascii: "}"))
            guard var leaf = hashing else { return (output, nil) }
            output.withUnsafeBytes { leaf.update(UnsafeRawBufferPointer(rebasing: $0[suffixStart...])) }
            return (output, leaf.finalize())
        }
    }

    /// Room for the record's keys, recorded time and seq around the principal and the event.
    public static let framingBytes = 80

    /// The fields of a stored record, read back to check it and to recover the head.
    public struct Decoded: Sendable {
        public let by: String
        public let event: JSONValue
        public let recordedMillis: Int64
        public let seq: UInt64
    }

    /// Parses a stored record and checks that its bytes are exactly canonical.
    /// `checkCanonical: false` skips re-encoding the record to compare it with `bytes`, for a
    /// reader that trusts where the bytes came from (the daemon's own start-up).
    public static func decode(_ bytes: [UInt8], checkCanonical: Bool = true) throws -> Decoded {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw StorageError("decode record", message: "record is not JSON: \(error)")
        }
        guard case .object(let members) = value, members.count == 4,
              let by = members["by"]?.stringValue, let event = members["event"], event.objectValue != nil,
              let recordedText = members["recorded"]?.stringValue,
              let recordedMillis = RecordedTime.parse(recordedText),
              let seq = members["seq"]?.integerValue, seq >= 1 else {
            throw StorageError("decode record", message: "record does not have the pinned shape")
        }
        guard !checkCanonical || CanonicalJSON.encode(value) == bytes else {
            throw StorageError("decode record", message: "record \(seq) is not in canonical form")
        }
        return Decoded(by: by, event: event, recordedMillis: recordedMillis, seq: UInt64(seq))
    }

    /// The seq and the event's bytes of a stored record, read without parsing the event:
    /// start-up's fast path. The pinned layout is read from both ends: the principal from the
    /// front, the seq and recorded time from the back, and the event is what lies between.
    /// Nil when the record is not plainly of that layout; the caller then uses `decode`,
    /// which says what is wrong. The event's own bytes are left for its reader to check.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (seq: UInt64, event: Range<Int>)? {
        // The back: `,"recorded":"…","seq":N}`.
        var back = bytes.count - 1
        guard back > 0, bytes[back] == UInt8(ascii: "}") else { return nil }
        var seq: UInt64 = 0
        var scale: UInt64 = 1
        var digits = 0
        while back > 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[back - 1]) {
            back -= 1
            digits += 1
            guard digits <= 19 else { return nil }
            seq += UInt64(bytes[back] - UInt8(ascii: "0")) * scale
            scale = digits < 19 ? scale * 10 : scale
        }
        guard digits > 0, seq >= 1, bytes[back] != UInt8(ascii: "0"), ends(bytes, before: &back, with: "\",\"seq\":") else { return nil }
        while back > 0, bytes[back - 1] != UInt8(ascii: "\"") { back -= 1 }
        guard ends(bytes, before: &back, with: ",\"recorded\":\"") else { return nil }
        // The front: `{"by":"…",` then `"event":`.
        var front = 0
        guard starts(bytes, at: &front, with: #"{"by":""#) else { return nil }
        while front < back, bytes[front] != UInt8(ascii: "\"") {
            front += bytes[front] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard front < back, starts(bytes, at: &front, with: #"","event":"#), front < back else { return nil }
        let event = front..<back
        guard bytes[event.lowerBound] == UInt8(ascii: "{"), bytes[event.upperBound - 1] == UInt8(ascii: "}") else { return nil }
        return (seq, event)
    }

    /// Whether the bytes from `index` on are `text`; if so, moves `index` past it.
    private static func starts(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, with text: StaticString) -> Bool {
        let end = index + text.utf8CodeUnitCount
        guard end <= bytes.count, CanonicalObjectScanner.matches(bytes, index..<end, text) else { return false }
        index = end
        return true
    }

    /// Whether the bytes just before `index` are `text`; if so, moves `index` to its start.
    private static func ends(_ bytes: UnsafeBufferPointer<UInt8>, before index: inout Int, with text: StaticString) -> Bool {
        let start = index - text.utf8CodeUnitCount
        guard start >= 0, CanonicalObjectScanner.matches(bytes, start..<index, text) else { return false }
        index = start
        return true
    }
}
