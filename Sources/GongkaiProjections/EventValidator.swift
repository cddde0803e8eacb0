import GongkaiDomain
import GongkaiProtocol

/// The checks of DESIGN.md section 2 that need the ledger's state: the unit exists, the
/// obligation fits the type and binds the unit, the inquiry exists and is in a state that
/// allows the step, an interview is required, a void's target can be voided, and `at` is at
/// most one day ahead. Pure: it reads the facts and returns the event to store.
public enum EventValidator {
    public static func validate(_ event: DomainEvent, facts: LedgerFacts, today: BusinessDate) throws -> DomainEvent {
        if let date = event.date, date > today.adding(days: 1) {
            throw DomainError("at", "\(date) is more than one day after today (\(today), Asia/Shanghai)")
        }
        // An event is judged by the rules of its own year (a late 2023 step after the 2024
        // catalog's adoption is checked against 2023's units, obligations and escalations);
        // a step of an inquiry by those of the year it was received in, to its reply (a unit
        // gone from next year's table still answers this year's questions).
        var view = LedgerView(facts: facts, known: facts.size, year: event.date?.year)
        // A step's inquiry, looked up once (counting does not depend on the view's year).
        let isReceipt: Bool = if case .inquiryReceived = event.body { true } else { false }
        let counted = isReceipt ? nil : event.body.inquiry.flatMap { view.counted(inquiry: $0) }
        if let receipt = counted?.steps.first, receipt.date.year != event.date?.year {
            view = LedgerView(facts: facts, known: facts.size, year: receipt.date.year)
        }
        switch event.body {
        case .catalogAdopted, .calendarAdopted:
            return event
        case .eventVoided(let target):
            try checkVoid(target: target, view: view)
            return event
        default:
            break
        }
        guard let catalog = view.catalog else { throw DomainError("unit", "no catalog has been adopted yet") }
        // An interview may be the one a unit owes from last year, when it is in last year's table only.
        let lastYearsUnit: String? = if case .interviewHeld = event.body, let written = event.unit, let date = event.date {
            LedgerView(facts: facts, known: facts.size, year: date.year - 1).catalog?.unitId(for: written)
        } else {
            nil
        }
        guard let written = event.unit, let unit = catalog.unitId(for: written) ?? lastYearsUnit else {
            let guess = NameSuggestion.question(catalog.unitSuggestions(for: event.unit ?? "")).map { $0 + " " } ?? ""
            throw DomainError("unit", "unknown unit \"\(event.unit ?? "")\" in catalog \(catalog.name) (the table for \(catalog.year)); " +
                              guess + "UNITS (gongkai units) lists the units of today's table")
        }
        let date = event.date!
        // Publications, completions, meetings and notices count within their table's year (a
        // deadline task from it on): one dated before the first year any adopted table covers
        // (judged by the earliest table) would be accepted and count for nothing.
        switch event.body {
        case .publicationRecorded, .taskCompleted, .meetingHeld, .noticeIssued:
            guard date.year >= catalog.year else {
                throw DomainError("at", "\(date) is before \(catalog.year), the first year an adopted table covers: it would count for no obligation " +
                                  "(adopt \(date.year)'s table first)")
            }
        default:
            break
        }
        switch event.body {
        case .publicationRecorded(let id):
            let obligation = try obligation(id, catalog: catalog, unit: unit)
            guard case .periodic = obligation.rule else {
                throw DomainError("obligation", "\(id) is a \(obligation.rule.kindName) obligation, not one met by publications")
            }
        case .taskCompleted(let id):
            let obligation = try obligation(id, catalog: catalog, unit: unit)
            guard case .deadline = obligation.rule else {
                throw DomainError("obligation", "\(id) is a \(obligation.rule.kindName) obligation, not a deadline task")
            }
        case .meetingHeld(let kind):
            let binds = catalog.obligations(for: unit).contains { if case .meeting(kind, _, _) = $0.rule { true } else { false } }
            guard binds else { throw DomainError("meeting", "no \(kind) meeting obligation applies to \(unit)") }
        case .inquiryReceived(let inquiry, let channel, _):
            if let owner = view.owner(ofInquiry: inquiry) {
                throw DomainError("inquiry", "\(inquiry) was already received (by \(owner))")
            }
            guard catalog.replyObligation(channel: channel, unit: unit) != nil else {
                throw DomainError("channel", "no reply obligation covers channel \(channel) for \(unit)")
            }
        case .noticeIssued:
            break
        case .interviewHeld:
            let status = EscalationEvaluation.evaluate(unit: unit, view: view, asof: date)
            // An interview early in a year may be the one still owed from the year before
            // (notices until December, the interview in January): judged by last year's table.
            let owedFromLastYear = EscalationEvaluation.lastYearsOwnView(facts: facts, known: facts.size, year: date.year).map { lastYear in
                lastYear.catalogSeq != view.catalogSeq
                    && EscalationEvaluation.evaluate(unit: unit, view: lastYear, asof: date)?.state == .interviewRequired
            } ?? false
            guard status?.state == .interviewRequired || owedFromLastYear else {
                let why = if let status, status.state == .interviewed, let held = status.interviewedAt {
                    " (held on \(held) for this year's requirement: one interview a year)"
                } else {
                    " (an interview owed from a year can be held until the end of the next)"
                }
                throw DomainError("type", "no interview is required of \(unit) on \(date): its escalation state is \(status?.state.rawValue ?? "clear")" + why)
            }
        default:
            try checkInquiryStep(event, counted: counted, unit: unit, date: date, catalog: catalog)
        }
        return event.withUnit(unit)
    }

    private static func obligation(_ id: String, catalog: Catalog, unit: String) throws -> Obligation {
        guard let obligation = catalog.obligation(id) else {
            let guess = NameSuggestion.question(catalog.obligationSuggestions(for: id)).map { "; " + $0 } ?? ""
            throw DomainError("obligation", "unknown obligation \(id) in catalog \(catalog.name)" + guess)
        }
        guard obligation.applies(to: unit) else { throw DomainError("obligation", "\(id) does not apply to \(unit)") }
        return obligation
    }

    private static func checkVoid(target: UInt64, view: LedgerView) throws {
        guard target <= view.facts.size else { throw DomainError("target", "there is no record \(target)") }
        let type = view.facts.recordTypes[Int(target - 1)]
        guard ![.catalogAdopted, .calendarAdopted, .eventVoided].contains(type) else {
            let article = type == .eventVoided ? "an" : "a"
            throw DomainError("target", "record \(target) is \(article) \(type.rawValue), which cannot be voided (a later table or calendar replaces one)")
        }
        if let by = view.facts.voidedBy[target] { throw DomainError("target", "record \(target) was already voided by record \(by)") }
    }

    /// `counted`: the inquiry's owner and counted steps (`LedgerView.counted(inquiry:)`).
    private static func checkInquiryStep(_ event: DomainEvent, counted: (owner: String, steps: [Dated<InquiryStep>])?, unit: String,
                                         date: BusinessDate, catalog: Catalog) throws {
        let inquiry = event.body.inquiry!
        guard let (owner, steps) = counted else {
            throw DomainError("inquiry", "unknown inquiry \(inquiry)")
        }
        guard owner == unit else { throw DomainError("inquiry", "\(inquiry) belongs to \(owner), not \(unit)") }
        guard case .received(let channel, _) = steps[0].value else { preconditionFailure("an inquiry starts with its receipt") }
        guard date >= steps[0].date else {
            throw DomainError("at", "\(date) is before \(inquiry) was received (\(steps[0].date))")
        }
        if steps.contains(where: { if case .replied = $0.value { true } else { false } }) {
            throw DomainError("inquiry", "\(inquiry) was already replied to")
        }
        var paused = false, awaitingCorrection = false, extensionDays = 0
        var lastPause: BusinessDate?, lastCorrectionRequest: BusinessDate?
        for step in steps {
            switch step.value {
            case .paused: paused = true; lastPause = step.date
            case .resumed: paused = false
            case .correctionRequested: awaitingCorrection = true; lastCorrectionRequest = step.date
            case .correctionReceived: awaitingCorrection = false
            case .extended(let days): extensionDays += days
            default: break
            }
        }
        switch event.body {
        case .inquiryExtended(_, let days):
            guard case .reply(_, _, let maxExtension, _)? = catalog.replyObligation(channel: channel, unit: unit)?.rule, maxExtension > 0 else {
                throw DomainError("inquiry", "\(inquiry) came by \(channel); extensions apply only to applications")
            }
            guard extensionDays + days <= maxExtension else {
                throw DomainError("days", "extensions would total \(extensionDays + days) working days; at most \(maxExtension)")
            }
        case .inquiryPaused:
            guard !paused else { throw DomainError("inquiry", "\(inquiry) is already paused") }
        case .inquiryResumed:
            guard paused, let pausedAt = lastPause else { throw DomainError("inquiry", "\(inquiry) is not paused") }
            guard date >= pausedAt else { throw DomainError("at", "\(date) is before the pause began (\(pausedAt))") }
        case .correctionRequested:
            guard !awaitingCorrection else { throw DomainError("inquiry", "a correction of \(inquiry) is already awaited") }
        case .correctionReceived:
            guard awaitingCorrection, let requested = lastCorrectionRequest else {
                throw DomainError("inquiry", "no correction of \(inquiry) was requested")
            }
            // 补正 answers the request: it cannot arrive before it was asked for.
            guard date >= requested else { throw DomainError("at", "\(date) is before the correction was requested (\(requested))") }
        default:
            break
        }
        // Steps are recorded in the order they happened: a verdict must not turn on which was
        // appended first (an extension dated after a reply recorded before it made the reply
        // on time once asof passed the extension's date).
        if let latest = steps.last(where: { $0.date > date }) {
            throw DomainError("at", "\(date) is before \(inquiry)'s step of \(latest.date) (\(latest.value.eventType.rawValue)); record its steps in the order they happened (void the later ones, then record them again after this one)")
        }
    }
}
