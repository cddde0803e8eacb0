import GongkaiJSON
import GongkaiProtocol

/// How an APPEND's JSON becomes an envelope and a domain event, on the connection's event
/// loop, off the writer's path.
public struct AppendReading: Sendable {
    public let envelope: EventEnvelope
    /// The event read as a domain event, or why it is not one. Reported by the writer only
    /// if the id is new (a retry answers as a retry).
    public let decoded: Result<DomainEvent, DomainError>

    /// Reads an APPEND's JSON; throws the `ProtocolError` that answers it at once (invalid
    /// JSON, a bad id or type, too large).
    ///
    /// Most events come from clients that send canonical JSON of plain members (gongkai's own
    /// do). Those are read straight from their bytes, without a JSON tree to build, read and
    /// free: a third of the event loops' work. Anything else, and anything the fast reading
    /// would refuse, is read the general way, which also words every refusal; the two agree
    /// on every event the fast way accepts (the tests and the event fuzzer check it).
    public init(_ json: [UInt8]) throws {
        if let fast = Self.readCanonical(json) {
            self = fast
            return
        }
        self.init(try EventEnvelope.parse(json))
    }

    /// An envelope already made (the seed's records, say), decoded the general way.
    public init(_ envelope: EventEnvelope) {
        self.envelope = envelope
        do {
            decoded = .success(try DomainEvent.decode(envelope))
        } catch let error as DomainError {
            decoded = .failure(error)
        } catch {
            decoded = .failure(DomainError("event", "\(error)"))
        }
    }

    private init(envelope: EventEnvelope, event: DomainEvent) {
        self.envelope = envelope
        self.decoded = .success(event)
    }

    /// The fast reading alone (the tests and the fuzzer compare it with the general one):
    /// nil unless `json` is an accepted event in RFC 8785 form whose
    /// members are plain — strings without escapes, booleans, whole numbers of at most 15
    /// digits — so catalogs and calendars never come this way.
    public static func readCanonical(_ json: [UInt8]) -> AppendReading? {
        guard json.count <= ProtocolLimits.maxEventBytes,
              let members = json.withUnsafeBufferPointer(canonicalMembers),
              case .string(let id)? = members[.id], case .string(let typeName)? = members[.type],
              let type = EventType(rawValue: typeName), type != .catalogAdopted, type != .calendarAdopted,
              (try? EventEnvelope.checkId(id)) != nil,
              let event = try? DomainEvent.decode(members, id: id, type: type) else { return nil }
        return AppendReading(envelope: EventEnvelope(id: id, type: type, canonical: json), event: event)
    }

    /// Plain canonical numbers: up to 15 digits, exact in a double and printed back by
    /// ECMAScript as the same digits.
    private static let plainIntegerLimit: UInt64 = 1_000_000_000_000_000

    /// The members of `bytes` if they are a JSON object in canonical form made only of
    /// event fields with plain values; nil otherwise.
    private static func canonicalMembers(_ bytes: UnsafeBufferPointer<UInt8>) -> EventFields? {
        var members = EventFields()
        var previousKey: Range<Int>?
        var plain = true
        // The scanner refuses whitespace, escaped or control characters in keys and strings,
        // leading zeros, and anything after the object.
        let scanned = CanonicalObjectScanner.members(of: bytes, in: 0..<bytes.count) { key, value in
            // Field names are ASCII: byte order is RFC 8785's order, and strictly ascending
            // keys are also unique keys.
            guard let field = EventField(bytes, key: key),
                  previousKey.map({ bytes[$0].lexicographicallyPrecedes(bytes[key]) }) ?? true else {
                plain = false
                return false
            }
            previousKey = key
            switch value {
            case .string(let range):
                guard let text = UTF8Text.string(validating: UnsafeBufferPointer(rebasing: bytes[range])) else {
                    plain = false
                    return false
                }
                members[field] = .string(text)
            case .bool(let flag):
                members[field] = .bool(flag)
            case .integer(let number) where number < plainIntegerLimit:
                members[field] = .number(Double(number))
            default:
                plain = false
                return false
            }
            return true
        }
        return scanned && plain ? members : nil
    }
}
