import GongkaiJSON

/// Every member any event type may carry (DESIGN.md section 2). Decoding looks an event's
/// members up by these small numbers, and checks which are allowed or required with bit
/// sets, instead of hashing member names at each step.
enum EventField: Int, CaseIterable {
    case id, type, unit, at, note, url
    case catalog, year, notice, holidays, workdays
    case obligation, title, column, evidence, meeting
    case inquiry, channel, simple, days, outcome
    case level, reason, bulletin, target

    var name: String {
        switch self {
        case .id: "id"
        case .type: "type"
        case .unit: "unit"
        case .at: "at"
        case .note: "note"
        case .url: "url"
        case .catalog: "catalog"
        case .year: "year"
        case .notice: "notice"
        case .holidays: "holidays"
        case .workdays: "workdays"
        case .obligation: "obligation"
        case .title: "title"
        case .column: "column"
        case .evidence: "evidence"
        case .meeting: "meeting"
        case .inquiry: "inquiry"
        case .channel: "channel"
        case .simple: "simple"
        case .days: "days"
        case .outcome: "outcome"
        case .level: "level"
        case .reason: "reason"
        case .bulletin: "bulletin"
        case .target: "target"
        }
    }

    private static let byName: [String: EventField] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })

    /// The field a member's key names, or nil when no event type has it.
    init?(name: String) {
        guard let field = Self.byName[name] else { return nil }
        self = field
    }

    /// The longest field name, in bytes.
    private static let longestName = allCases.map(\.name.utf8.count).max()!
    /// Names by byte length, so that a key is compared with the few names of its length only.
    private static let namesByLength: [[(name: [UInt8], field: EventField)]] = (0...longestName).map { length in
        allCases.filter { $0.name.utf8.count == length }.map { (Array($0.name.utf8), $0) }
    }

    /// The field named by `bytes[key]` (a key's bytes between its quotes), without making a
    /// String of them.
    init?(_ bytes: UnsafeBufferPointer<UInt8>, key: Range<Int>) {
        guard key.count <= Self.longestName,
              let match = Self.namesByLength[key.count].first(where: { $0.name.elementsEqual(bytes[key]) }) else { return nil }
        self = match.field
    }
}

/// A set of event fields, one bit each.
struct EventFieldSet: Equatable, ExpressibleByArrayLiteral {
    private var bits: UInt32

    init(_ fields: [EventField]) {
        bits = fields.reduce(0) { $0 | 1 << UInt32($1.rawValue) }
    }

    init(arrayLiteral fields: EventField...) { self.init(fields) }

    private init(bits: UInt32) { self.bits = bits }

    var isEmpty: Bool { bits == 0 }

    func contains(_ field: EventField) -> Bool { bits & 1 << UInt32(field.rawValue) != 0 }

    mutating func insert(_ field: EventField) { bits |= 1 << UInt32(field.rawValue) }

    mutating func remove(_ field: EventField) { bits &= ~(1 << UInt32(field.rawValue)) }

    func union(_ other: EventFieldSet) -> EventFieldSet { EventFieldSet(bits: bits | other.bits) }

    func subtracting(_ other: EventFieldSet) -> EventFieldSet { EventFieldSet(bits: bits & ~other.bits) }

    var fields: [EventField] { EventField.allCases.filter(contains) }

    /// The members' names in String order, for a refusal that names the first.
    var sortedNames: [String] { fields.map(\.name).sorted() }
}

/// An event's members, by field. Both ways of reading an APPEND fill one: from a parsed
/// JSON object (any spelling) and straight from canonical bytes (the fast path); decoding
/// then works on it alone.
struct EventFields {
    private var values: [JSONValue?] = Array(repeating: nil, count: EventField.allCases.count)
    private(set) var present = EventFieldSet()
    /// Keys that name no field of any event type, as sent.
    private(set) var unknownKeys: [String] = []

    init() {}

    /// The members of a parsed JSON object.
    init(_ members: [String: JSONValue]) {
        for (key, value) in members {
            if let field = EventField(name: key) {
                self[field] = value
            } else {
                unknownKeys.append(key)
            }
        }
    }

    subscript(field: EventField) -> JSONValue? {
        get { values[field.rawValue] }
        set {
            values[field.rawValue] = newValue
            if newValue != nil { present.insert(field) } else { present.remove(field) }
        }
    }

    /// The members as a JSON object, but for `excluded` (a calendar's document).
    func object(excluding excluded: EventFieldSet) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: present.subtracting(excluded).fields.map { ($0.name, self[$0]!) }))
    }
}
