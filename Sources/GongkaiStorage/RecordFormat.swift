import GongkaiJSON

/// The pinned record layout `{"by":…,"event":{…},"recorded":"…","seq":N}` (DESIGN.md
/// section 2). Keys are already in RFC 8785 order, so the record is canonical whenever the
/// event bytes are; it is assembled without re-encoding the event.
public enum RecordFormat {
    public static func encode(by principal: String, canonicalEvent: [UInt8], recordedMillis: Int64, seq: UInt64) -> [UInt8] {
        encode(by: principal, canonicalEvent: canonicalEvent, recorded: RecordedTime.format(millis: recordedMillis), seq: seq)
    }

    /// As above with `recorded` already formatted (one stamp serves a whole commit).
    public static func encode(by principal: String, canonicalEvent: [UInt8], recorded: String, seq: UInt64) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(canonicalEvent.count + principal.utf8.count + 72)
        output.append(contentsOf: #"{"by":"#.utf8)
        CanonicalJSON.appendString(principal, to: &output)
        output.append(contentsOf: #","event":"#.utf8)
        output.append(contentsOf: canonicalEvent)
        output.append(contentsOf: #","recorded":""#.utf8)
        output.append(contentsOf: recorded.utf8)
        output.append(contentsOf: #"","seq":"#.utf8)
        output.append(contentsOf: String(seq).utf8)
        output.append(UInt8(ascii: "}"))
        return output
    }

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
    /// start-up's fast path. Nil when the record is not plainly of the pinned shape; the
    /// caller then uses `decode`, which says what is wrong.
    public static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (seq: UInt64, event: Range<Int>)? {
        var seq: UInt64?
        var event: Range<Int>?
        var count = 0
        let wellFormed = CanonicalObjectScanner.members(of: bytes, in: 0..<bytes.count) { key, value in
            count += 1
            switch value {
            case .object(let range) where CanonicalObjectScanner.matches(bytes, key, "event"): event = range
            case .integer(let number) where CanonicalObjectScanner.matches(bytes, key, "seq"): seq = number
            default: break
            }
            return true
        }
        guard wellFormed, count == 4, let seq, seq >= 1, let event else { return nil }
        return (seq, event)
    }
}
