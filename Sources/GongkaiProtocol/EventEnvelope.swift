import GongkaiJSON

/// An event that passed the checks needing no domain knowledge: a JSON object within the
/// size limit, with a well-formed `id` and a known `type`. `canonical` holds its RFC 8785
/// bytes, the form that is stored, hashed and compared for idempotency.
public struct EventEnvelope: Sendable {
    public let id: String
    public let type: EventType
    public let canonical: [UInt8]
    /// The parsed event; nil when it was read straight from its canonical bytes.
    private let parsed: JSONValue?

    /// The event as a JSON value. An envelope read without a tree parses its canonical bytes
    /// again when asked (rarely: a Chinese unit name rewritten to its id).
    public var value: JSONValue {
        if let parsed { return parsed }
        guard let value = try? JSONParser.parse(canonical) else {
            preconditionFailure("an envelope's canonical bytes are JSON")
        }
        return value
    }

    /// Builds an envelope from an already parsed event (used by domain code that rewrites fields).
    public init(value: JSONValue) throws {
        (id, type) = try Self.header(of: value)
        self.parsed = value
        self.canonical = CanonicalJSON.encode(value)
    }

    /// An envelope whose `canonical` bytes are known to be `CanonicalJSON.encode(value)`.
    private init(value: JSONValue, canonical: [UInt8]) throws {
        (id, type) = try Self.header(of: value)
        self.parsed = value
        self.canonical = canonical
    }

    /// An envelope read straight from bytes already checked to be an event's canonical form
    /// with this `id` (checked by `checkId`) and `type` (the domain's fast reading of APPEND).
    package init(id: String, type: EventType, canonical: [UInt8]) {
        self.id = id
        self.type = type
        self.canonical = canonical
        self.parsed = nil
    }

    /// The checked `id` and `type` of an event, without its canonical bytes: for a reader of
    /// stored records, whose bytes are already canonical (VERIFY checks them).
    public static func header(of value: JSONValue) throws -> (id: String, type: EventType) {
        guard case .object(let members) = value else {
            throw ProtocolError(.invalidEvent, "an event must be a JSON object")
        }
        guard let idValue = members["id"] else { throw ProtocolError(.invalidEvent, "id: missing") }
        guard case .string(let id) = idValue else { throw ProtocolError(.invalidEvent, "id: must be a string") }
        try Self.checkId(id)
        guard let typeValue = members["type"] else { throw ProtocolError(.invalidEvent, "type: missing") }
        guard case .string(let typeName) = typeValue else { throw ProtocolError(.invalidEvent, "type: must be a string") }
        guard let type = EventType(rawValue: typeName) else {
            throw ProtocolError(.invalidEvent, "type: unknown event type \"\(typeName.prefix(64))\"")
        }
        return (id, type)
    }

    /// Parses the JSON text of an APPEND.
    public static func parse(_ json: [UInt8]) throws -> EventEnvelope {
        guard json.count <= ProtocolLimits.maxEventBytes else {
            throw ProtocolError(.tooLarge, "event is \(json.count) bytes; the limit is \(ProtocolLimits.maxEventBytes)")
        }
        let parsed: (value: JSONValue, isCanonical: Bool)
        do {
            parsed = try JSONParser.parseNotingCanonical(json)
        } catch let error as JSONParseError {
            throw ProtocolError(.invalidJSON, error.description)
        }
        // Clients that send canonical JSON (gongkai's own do) spare the daemon encoding it again.
        if parsed.isCanonical { return try EventEnvelope(value: parsed.value, canonical: json) }
        return try EventEnvelope(value: parsed.value)
    }

    /// DESIGN.md section 2: 1–128 visible characters.
    public static func checkId(_ id: String) throws {
        guard !id.isEmpty else { throw ProtocolError(.invalidEvent, "id: must not be empty") }
        // Nearly every id is ASCII: visible bytes, one per character, and no scalar decoding.
        if id.utf8.count <= ProtocolLimits.maxIdScalars, id.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) { return }
        // Scalars are counted only when the UTF-8 bytes could be too many.
        if id.utf8.count > ProtocolLimits.maxIdScalars, case let count = id.unicodeScalars.count, count > ProtocolLimits.maxIdScalars {
            throw ProtocolError(.invalidEvent, "id: \(count) characters; at most \(ProtocolLimits.maxIdScalars)")
        }
        for scalar in id.unicodeScalars where !isVisible(scalar) {
            throw ProtocolError(.invalidEvent, "id: character U+\(String(scalar.value, radix: 16, uppercase: true)) is not visible")
        }
    }

    static func isVisible(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII (nearly every id) without the Unicode tables: visible is 0x21...0x7E.
        if scalar.isASCII { return (0x21...0x7E).contains(scalar.value) }
        switch scalar.properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator,
             .surrogate, .privateUse, .unassigned:
            return false
        default:
            return true
        }
    }
}
