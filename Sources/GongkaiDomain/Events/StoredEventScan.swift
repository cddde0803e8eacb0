import GongkaiJSON
import GongkaiProtocol

extension DomainEvent {
    /// Fields of a stored event that the projections fold; a field not named here is skipped.
    /// The id is checked only to be present, not made into a string.
    private enum FoldedField { case id, type, unit, at, obligation, meeting, inquiry, channel, level, simple, days, target }

    /// Where each text field's bytes are: plain stored properties, since a dictionary costs
    /// more than the whole scan.
    private struct FoldedTexts {
        var id, type, unit, at, obligation, meeting, inquiry, channel, level: Range<Int>?

        subscript(field: FoldedField) -> Range<Int>? {
            get {
                switch field {
                case .id: id
                case .type: type
                case .unit: unit
                case .at: at
                case .obligation: obligation
                case .meeting: meeting
                case .inquiry: inquiry
                case .channel: channel
                case .level: level
                case .simple, .days, .target: nil
                }
            }
            set {
                switch field {
                case .id: id = newValue
                case .type: type = newValue
                case .unit: unit = newValue
                case .at: at = newValue
                case .obligation: obligation = newValue
                case .meeting: meeting = newValue
                case .inquiry: inquiry = newValue
                case .channel: channel = newValue
                case .level: level = newValue
                case .simple, .days, .target: preconditionFailure("\(field) is not a text field")
                }
            }
        }
    }

    /// The folded part of a stored event (all but its id), read straight from its canonical
    /// bytes for start-up's rebuild of the projections. It trusts the daemon's own log: the event was decoded and validated in
    /// full when it was admitted, and VERIFY checks its bytes against the Merkle tree. So
    /// only the fields that the projections fold are read, and none is checked again.
    /// Returns nil for catalog and calendar adoptions, and for any event it cannot read
    /// plainly (a folded field holding an escaped string, say). The caller then uses `decode`.
    public static func scanStored(_ bytes: UnsafeBufferPointer<UInt8>, event range: Range<Int>) -> Folded? {
        var texts = FoldedTexts()
        var simple: Bool?
        var days: UInt64?
        var target: UInt64?
        var readable = true
        let wellFormed = CanonicalObjectScanner.members(of: bytes, in: range) { key, value in
            guard let field = foldedField(bytes, key) else { return true }
            switch (field, value) {
            // A key twice is not canonical JSON: the full decoder says so.
            case (.simple, .bool(let flag)) where simple == nil: simple = flag
            case (.days, .integer(let number)) where days == nil: days = number
            case (.target, .integer(let number)) where target == nil: target = number
            case (.simple, _), (.days, _), (.target, _): readable = false
            // Folded texts are never empty; an empty one goes to the full decoder, which refuses it.
            case (_, .string(let text)) where texts[field] == nil && !text.isEmpty: texts[field] = text
            default: readable = false
            }
            return readable
        }
        guard wellFormed, readable, let typeRange = texts[.type],
              let type = eventType(bytes, typeRange), type != .catalogAdopted, type != .calendarAdopted else { return nil }
        // Bytes that are not UTF-8 make the text nil, and so the event goes to the full decoder.
        func text(_ field: FoldedField) -> String? { texts[field].flatMap { string(bytes, $0) } }
        var date: BusinessDate?
        if let at = texts[.at] {
            guard let parsed = BusinessDate.fromEventTime(utf8: UnsafeBufferPointer(rebasing: bytes[at])) else { return nil }
            date = parsed
        }
        let unit = text(.unit)
        guard date != nil, !hasUnit(type) || unit != nil, let id = texts[.id], isUTF8(bytes, id) else { return nil }
        let body: EventBody
        switch type {
        case .publicationRecorded:
            guard let obligation = text(.obligation) else { return nil }
            body = .publicationRecorded(obligation: obligation)
        case .taskCompleted:
            guard let obligation = text(.obligation) else { return nil }
            body = .taskCompleted(obligation: obligation)
        case .meetingHeld:
            guard let kind = text(.meeting) else { return nil }
            body = .meetingHeld(kind: kind)
        case .noticeIssued:
            guard let level = text(.level) else { return nil }
            body = .noticeIssued(level: level)
        case .interviewHeld:
            body = .interviewHeld
        case .eventVoided:
            guard let target, target >= 1, target <= Self.maxExactInteger else { return nil }
            body = .eventVoided(target: target)
        default:
            guard let inquiry = text(.inquiry) else { return nil }
            switch type {
            case .inquiryReceived:
                guard let channel = text(.channel), let simple else { return nil }
                body = .inquiryReceived(inquiry: inquiry, channel: channel, simple: simple)
            case .inquiryExtended:
                // Task 18: 1 to 20 working days, as `decode` checks.
                guard let days, (1...20).contains(days) else { return nil }
                body = .inquiryExtended(inquiry: inquiry, days: Int(days))
            case .inquiryPaused: body = .inquiryPaused(inquiry: inquiry)
            case .inquiryResumed: body = .inquiryResumed(inquiry: inquiry)
            case .inquiryCorrectionRequested: body = .correctionRequested(inquiry: inquiry)
            case .inquiryCorrectionReceived: body = .correctionReceived(inquiry: inquiry)
            default: body = .inquiryReplied(inquiry: inquiry)
            }
        }
        return Folded(type: type, unit: hasUnit(type) ? unit : nil, date: date, body: body)
    }

    private static func foldedField(_ bytes: UnsafeBufferPointer<UInt8>, _ key: Range<Int>) -> FoldedField? {
        // Keys are short: the length and first byte settle almost every case.
        switch (key.count, bytes[key.lowerBound]) {
        case (2, UInt8(ascii: "i")): return CanonicalObjectScanner.matches(bytes, key, "id") ? .id : nil
        case (2, UInt8(ascii: "a")): return CanonicalObjectScanner.matches(bytes, key, "at") ? .at : nil
        case (4, UInt8(ascii: "t")): return CanonicalObjectScanner.matches(bytes, key, "type") ? .type : nil
        case (4, UInt8(ascii: "u")): return CanonicalObjectScanner.matches(bytes, key, "unit") ? .unit : nil
        case (4, UInt8(ascii: "d")): return CanonicalObjectScanner.matches(bytes, key, "days") ? .days : nil
        case (5, UInt8(ascii: "l")): return CanonicalObjectScanner.matches(bytes, key, "level") ? .level : nil
        case (6, UInt8(ascii: "s")): return CanonicalObjectScanner.matches(bytes, key, "simple") ? .simple : nil
        case (6, UInt8(ascii: "t")): return CanonicalObjectScanner.matches(bytes, key, "target") ? .target : nil
        case (7, UInt8(ascii: "m")): return CanonicalObjectScanner.matches(bytes, key, "meeting") ? .meeting : nil
        case (7, UInt8(ascii: "i")): return CanonicalObjectScanner.matches(bytes, key, "inquiry") ? .inquiry : nil
        case (7, UInt8(ascii: "c")): return CanonicalObjectScanner.matches(bytes, key, "channel") ? .channel : nil
        case (10, UInt8(ascii: "o")): return CanonicalObjectScanner.matches(bytes, key, "obligation") ? .obligation : nil
        default: return nil
        }
    }

    private static let typeNames = EventType.allCases.map { (name: Array($0.rawValue.utf8), type: $0) }

    /// The event type named by these bytes, without making a String of them.
    private static func eventType(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> EventType? {
        typeNames.first { $0.name.count == range.count && $0.name.elementsEqual(bytes[range]) }?.type
    }

    /// The largest integer a JSON number (a double) holds exactly, as the full decoder reads it.
    private static let maxExactInteger: UInt64 = 1 << 53

    private static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        UTF8Text.isValid(UnsafeBufferPointer(rebasing: bytes[range]))
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        UTF8Text.string(validating: UnsafeBufferPointer(rebasing: bytes[range]))
    }
}
