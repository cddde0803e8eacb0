import GongkaiJSON
import GongkaiProtocol

/// Bounds on the free-text fields of events, the same as `Schemas/events/common.schema.json`
/// states, so the daemon and the published schemas accept exactly the same events.
enum FieldLimits {
    /// Titles, reasons, outcomes, columns, evidence, bulletin names: 1–1000 characters.
    static let maxTextScalars = 1_000
    static let maxNoteScalars = 4_000
    static let maxURLScalars = 2_048
    static let maxUnitScalars = 64
    static let maxObligationScalars = 32

    static let textFields: [EventField] = [.title, .column, .evidence, .outcome, .reason, .bulletin]
    /// The bounded fields, in the order a failure is reported when several fail.
    private static let checkOrder: [EventField] = textFields + [.note, .url, .unit, .obligation, .inquiry]

    /// Checks every bounded field present. With several bad fields the one named is the first
    /// in a fixed order (`textFields`, note, url, unit, obligation, inquiry), whatever order
    /// the object's members come in.
    static func check(_ members: EventFields) throws {
        for field in checkOrder {
            if let value = members[field] { try check(field, value) }
        }
    }

    private static func check(_ field: EventField, _ value: JSONValue) throws {
        switch field {
        case .note:
            guard let text = value.stringValue else { throw DomainError("note", "must be a string") }
            try bound(text, "note", 0, maxNoteScalars)
        case .url:
            guard let text = value.stringValue else { throw DomainError("url", "must be a string") }
            try bound(text, "url", 1, maxURLScalars)
            let lower = text.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), text.count > 8,
                  !text.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
                throw DomainError("url", "must be an http or https address without spaces")
            }
        case .unit:
            if let unit = value.stringValue { try bound(unit, "unit", 1, maxUnitScalars) }
        case .obligation:
            guard let obligation = value.stringValue else { return }
            // ASCII letters, digits and `._-`, by bytes: one byte per character, and no Unicode
            // property tables (they cost a per cent of the event loop).
            let bytes = obligation.utf8
            guard (1...maxObligationScalars).contains(bytes.count), bytes.allSatisfy(isObligationByte) else {
                throw DomainError("obligation", "must be an obligation id such as T01 or T18b")
            }
        case .inquiry:
            guard let inquiry = value.stringValue else { return }
            do {
                try EventEnvelope.checkId(inquiry)
            } catch {
                throw DomainError("inquiry", "must be 1–128 visible characters, like an event id")
            }
        default:  // one of textFields
            guard let text = value.stringValue else { throw DomainError(field.name, "must be a string") }
            try bound(text, field.name, 1, maxTextScalars)
        }
    }

    private static func isObligationByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }

    private static func bound(_ text: String, _ field: String, _ minimum: Int, _ maximum: Int) throws {
        precondition(minimum <= 1, "a minimum above 1 needs the scalars counted")
        // A scalar takes 1–4 UTF-8 bytes, so the byte count (known without a pass) decides
        // nearly every text; only a long one has its scalars counted.
        let bytes = text.utf8.count
        guard bytes >= minimum else { throw DomainError(field, "must not be empty") }
        guard bytes > maximum else { return }
        let count = text.unicodeScalars.count
        guard count <= maximum else { throw DomainError(field, "is \(count) characters; at most \(maximum)") }
    }
}
