import GongkaiJSON
import GongkaiProtocol

/// What an event says, typed. Decoding checks everything that needs no ledger state: the
/// fields allowed for the type (unknown fields are rejected), their types and enumerations,
/// and the dates. Checks against the ledger's state live in `EventValidator`.
public enum EventBody: Sendable {
    case catalogAdopted(Catalog)
    case calendarAdopted(CalendarDocument)
    case publicationRecorded(obligation: String)
    case taskCompleted(obligation: String)
    case meetingHeld(kind: String)
    case inquiryReceived(inquiry: String, channel: String, simple: Bool)
    case inquiryExtended(inquiry: String, days: Int)
    case inquiryPaused(inquiry: String)
    case inquiryResumed(inquiry: String)
    case correctionRequested(inquiry: String)
    case correctionReceived(inquiry: String)
    case inquiryReplied(inquiry: String)
    case noticeIssued(level: String)
    case interviewHeld
    case eventVoided(target: UInt64)

    /// The inquiry an `inquiry.*` event is about.
    public var inquiry: String? {
        switch self {
        case .inquiryReceived(let id, _, _), .inquiryExtended(let id, _), .inquiryPaused(let id), .inquiryResumed(let id),
             .correctionRequested(let id), .correctionReceived(let id), .inquiryReplied(let id):
            return id
        default:
            return nil
        }
    }
}

/// A decoded event: envelope fields plus its typed body.
public struct DomainEvent: Sendable {
    public let id: String
    public let type: EventType
    /// The unit as written (an id or a Chinese name); nil for catalog, calendar and void.
    public let unit: String?
    /// The business date of `at` (Asia/Shanghai); nil only where `at` is optional and absent.
    public let date: BusinessDate?
    public let body: EventBody

    /// What the projections fold of an event: all of it but its id. Start-up reads this much
    /// of each stored record, without making (and freeing) a million id strings.
    public struct Folded: Sendable {
        public let type: EventType
        public let unit: String?
        public let date: BusinessDate?
        public let body: EventBody

        public init(type: EventType, unit: String?, date: BusinessDate?, body: EventBody) {
            self.type = type
            self.unit = unit
            self.date = date
            self.body = body
        }
    }

    public var folded: Folded { Folded(type: type, unit: unit, date: date, body: body) }

    static let commonFields = EventFieldSet([.id, .type, .unit, .at, .note, .url])

    /// Fields each type must carry, and every field it may carry (the common ones included).
    static func fields(of type: EventType) -> (required: EventFieldSet, allowed: EventFieldSet) { allowedTable[type]! }

    private static let allowedTable: [EventType: (required: EventFieldSet, allowed: EventFieldSet)] =
        Dictionary(uniqueKeysWithValues: fieldTable.map { type, fields in
            let common = hasUnit(type) ? commonFields : commonFields.subtracting([.unit])
            return (type, (fields.required, fields.required.union(fields.optional).union(common)))
        })

    /// Fields each type may carry besides the common ones: (required, optional).
    private static let fieldTable: [EventType: (required: EventFieldSet, optional: EventFieldSet)] = [
        .catalogAdopted: ([.catalog], []),
        .calendarAdopted: ([.year, .notice, .holidays, .workdays], []),
        .publicationRecorded: ([.obligation, .title], [.column]),
        .taskCompleted: ([.obligation], [.evidence]),
        .meetingHeld: ([.meeting], []),
        .inquiryReceived: ([.inquiry, .channel, .simple], []),
        .inquiryExtended: ([.inquiry, .days], []),
        .inquiryPaused: ([.inquiry], []),
        .inquiryResumed: ([.inquiry], []),
        .inquiryCorrectionRequested: ([.inquiry], []),
        .inquiryCorrectionReceived: ([.inquiry], []),
        .inquiryReplied: ([.inquiry], [.outcome]),
        .noticeIssued: ([.level, .reason], [.bulletin]),
        .interviewHeld: ([], []),
        .eventVoided: ([.target, .reason], []),
    ]

    /// Catalog, calendar and void events act on no unit of their own (DESIGN.md section 2).
    public static func hasUnit(_ type: EventType) -> Bool {
        ![.catalogAdopted, .calendarAdopted, .eventVoided].contains(type)
    }

    public static func decode(_ envelope: EventEnvelope) throws -> DomainEvent {
        try decode(value: envelope.value, id: envelope.id, type: envelope.type)
    }

    /// Decodes an event whose `id` and `type` were already checked (`EventEnvelope.header`).
    public static func decode(value: JSONValue, id: String, type: EventType) throws -> DomainEvent {
        guard let members = value.objectValue else { throw DomainError("event", "must be an object") }
        return try decode(EventFields(members), id: id, type: type)
    }

    /// Decodes an event's members, however they were read.
    static func decode(_ members: EventFields, id: String, type: EventType) throws -> DomainEvent {
        let (required, allowed) = fields(of: type)
        let needsUnit = hasUnit(type)
        let notAllowed = members.present.subtracting(allowed)
        if !members.unknownKeys.isEmpty || !notAllowed.isEmpty {
            // Name the first unknown field in sorted order, so the answer is deterministic.
            let key = (members.unknownKeys + notAllowed.sortedNames).sorted()[0]
            throw DomainError(key, "is not a field of \(type.rawValue)")
        }
        let missing = required.subtracting(members.present)
        if !missing.isEmpty { throw DomainError(missing.sortedNames[0], "missing") }
        try FieldLimits.check(members)

        var unit: String?
        if needsUnit {
            guard let value = members[.unit] else { throw DomainError("unit", "missing") }
            guard let text = value.stringValue, !text.isEmpty else { throw DomainError("unit", "must be a non-empty string") }
            unit = text
        }
        var date: BusinessDate?
        if let at = members[.at] {
            guard let text = at.stringValue, let parsed = BusinessDate.fromEventTime(text) else {
                throw DomainError("at", "must be a date YYYY-MM-DD or an RFC 3339 timestamp")
            }
            date = parsed
        } else if type != .catalogAdopted && type != .calendarAdopted {
            throw DomainError("at", "missing")
        }

        func text(_ field: EventField) throws -> String {
            guard let value = members[field]?.stringValue, !value.isEmpty else { throw DomainError(field.name, "must be a non-empty string") }
            return value
        }
        let body: EventBody
        switch type {
        case .catalogAdopted:
            body = .catalogAdopted(try Catalog(json: members[.catalog]!))
        case .calendarAdopted:
            body = .calendarAdopted(try CalendarDocument(json: members.object(excluding: [.id, .type, .at, .note, .url])))
        case .publicationRecorded:
            _ = try text(.title)
            body = .publicationRecorded(obligation: try text(.obligation))
        case .taskCompleted:
            body = .taskCompleted(obligation: try text(.obligation))
        case .meetingHeld:
            let kind = try text(.meeting)
            guard Catalog.meetingKinds.contains(kind) else { throw DomainError("meeting", "must be report-heard or special-study") }
            body = .meetingHeld(kind: kind)
        case .inquiryReceived:
            let channel = try text(.channel)
            guard Catalog.channels.contains(channel) else { throw DomainError("channel", "must be hotline, mailbox, online or application") }
            guard let simple = members[.simple]?.boolValue else { throw DomainError("simple", "must be true or false") }
            body = .inquiryReceived(inquiry: try text(.inquiry), channel: channel, simple: simple)
        case .inquiryExtended:
            // Task 18: an extension is at most 20 working days in total, so never more at once.
            guard let days = members[.days]?.integerValue, (1...20).contains(days) else {
                throw DomainError("days", "must be a whole number of working days from 1 to 20")
            }
            body = .inquiryExtended(inquiry: try text(.inquiry), days: Int(days))
        case .inquiryPaused: body = .inquiryPaused(inquiry: try text(.inquiry))
        case .inquiryResumed: body = .inquiryResumed(inquiry: try text(.inquiry))
        case .inquiryCorrectionRequested: body = .correctionRequested(inquiry: try text(.inquiry))
        case .inquiryCorrectionReceived: body = .correctionReceived(inquiry: try text(.inquiry))
        case .inquiryReplied: body = .inquiryReplied(inquiry: try text(.inquiry))
        case .noticeIssued:
            let level = try text(.level)
            guard Catalog.noticeLevels.contains(level) else { throw DomainError("level", "must be county, city or province") }
            _ = try text(.reason)
            body = .noticeIssued(level: level)
        case .interviewHeld:
            body = .interviewHeld
        case .eventVoided:
            guard let target = members[.target]?.integerValue, target >= 1 else { throw DomainError("target", "must be a seq ≥ 1") }
            _ = try text(.reason)
            body = .eventVoided(target: UInt64(target))
        }
        return DomainEvent(id: id, type: type, unit: unit, date: date, body: body)
    }

    /// The same event with `unit` replaced by its id (the stored form).
    public func withUnit(_ id: String) -> DomainEvent {
        DomainEvent(id: self.id, type: type, unit: id, date: date, body: body)
    }
}
