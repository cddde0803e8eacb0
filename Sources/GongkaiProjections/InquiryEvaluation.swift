import GongkaiDomain
import GongkaiJSON

/// Where an inquiry stands at a business date (DESIGN.md section 1, working days).
public struct InquiryStatus: Equatable, Sendable {
    public enum State: String, Sendable { case open, overdue, onTime = "on-time", late }

    public let inquiry: String
    public let unit: String
    public let obligation: String?
    public let channel: String
    public let simple: Bool
    public let received: BusinessDate
    /// The date the working-day count starts from (a correction restarts it).
    public let countFrom: BusinessDate
    public let limitDays: Int
    public let due: BusinessDate?
    public let replied: BusinessDate?
    public let state: State
    public let lateDays: Int
    public let awaitingCorrection: Bool
    public let paused: Bool

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "inquiry": .string(inquiry), "unit": .string(unit), "channel": .string(channel), "simple": .bool(simple),
            "received": .string(received.description), "due": due.map { .string($0.description) } ?? .null,
            "replied": replied.map { .string($0.description) } ?? .null, "status": .string(state.rawValue),
            "lateDays": .number(Double(lateDays)), "limitDays": .number(Double(limitDays)),
            "obligation": obligation.map { .string($0) } ?? .null,
        ]
        if countFrom != received { object["countFrom"] = .string(countFrom.description) }
        if awaitingCorrection { object["awaitingCorrection"] = .bool(true) }
        if paused { object["paused"] = .bool(true) }
        return .object(object)
    }
}

/// Works out due dates and lateness from an inquiry's steps. Pure.
public enum InquiryEvaluation {
    /// Steps must already be filtered to those that count; steps after `asof` are ignored
    /// because they had not happened yet.
    public static func evaluate(inquiry: String, unit: String, steps: [Dated<InquiryStep>], catalog: Catalog,
                                calendar: WorkingDayCalendar, asof: BusinessDate) -> InquiryStatus? {
        evaluate(inquiry: inquiry, unit: unit, steps: steps, calendar: calendar, asof: asof) { channel, _ in
            ReplyRule(catalog.replyObligation(channel: channel, unit: unit))
        }
    }

    /// What judging a reply needs of its obligation: a small value, so that looking it up
    /// for each of a unit's thousands of inquiries copies no catalog strings or lists.
    struct ReplyRule {
        let id: String
        let limitDays: Int
        let simpleLimitDays: Int
        let maxExtensionDays: Int

        init?(_ obligation: Obligation?) {
            guard let obligation, case .reply(let limit, let simpleLimit, let maxExtension, _) = obligation.rule else { return nil }
            id = obligation.id
            limitDays = limit
            simpleLimitDays = simpleLimit
            maxExtensionDays = maxExtension
        }
    }

    /// `replyRule`: the unit's reply obligation for a channel in the table of a year (that of
    /// the inquiry's receipt), looked up once per channel and year when a whole unit is judged.
    static func evaluate(inquiry: String, unit: String, steps: [Dated<InquiryStep>], calendar: WorkingDayCalendar,
                         asof: BusinessDate, replyRule: (_ channel: String, _ year: Int) -> ReplyRule?) -> InquiryStatus? {
        guard let first = steps.first, first.date <= asof, case .received(let channel, let simple) = first.value else { return nil }
        // Judged to its reply by the rules of the year it was received in: next year's table
        // does not change a December question's due date.
        let obligation = replyRule(channel, first.date.year)
        // Task 17: 5 working days, 3 for simple questions; Task 18: 20, simple 7, extensionDays ≤ 20.
        func limit(extensionDays: Int) -> Int {
            guard let rule = obligation else { return 0 }
            return (simple ? rule.simpleLimitDays : rule.limitDays) + min(extensionDays, rule.maxExtensionDays)
        }
        var start = first.date
        var extensionDays = 0
        var pauses: [WorkingDayCalendar.Pause] = []
        var openPause: BusinessDate?
        // A request for a correction answered by the next correction received, and whether it
        // stops the count: only one made while the count ran. One made after the due date
        // stopped it for good, and a reply months late was on time.
        var correctionRequested = false
        var awaitingCorrection = false
        var replied: BusinessDate?
        for step in steps.dropFirst() where step.date <= asof && replied == nil {
            switch step.value {
            case .received: continue
            case .extended(let days): extensionDays += days
            case .paused: openPause = openPause ?? step.date
            case .resumed:
                if let pausedAt = openPause { pauses.append(WorkingDayCalendar.Pause(pausedAt: pausedAt, resumedAt: step.date)) }
                openPause = nil
            case .correctionRequested:
                correctionRequested = true
                let pausesSoFar = pauses + (openPause.map { [WorkingDayCalendar.Pause(pausedAt: $0, resumedAt: nil)] } ?? [])
                let dueNow = obligation.flatMap { _ in calendar.dueDate(from: start, workingDays: limit(extensionDays: extensionDays), pauses: pausesSoFar) }
                awaitingCorrection = dueNow.map { step.date <= $0 } ?? true
            case .correctionReceived:
                // 补正: the count starts again from the day the corrected application arrives.
                // Pauses stay: one still open (or resumed later) keeps its days out of the new
                // count, and days before the new start are not counted anyway. Only a correction
                // that answers a request counting here (not one whose request was voided):
                // validation would not take it without one either.
                guard correctionRequested else { continue }
                correctionRequested = false
                awaitingCorrection = false
                start = step.date
            case .replied: replied = step.date
            }
        }
        let limit = limit(extensionDays: extensionDays)
        if let pausedAt = openPause { pauses.append(WorkingDayCalendar.Pause(pausedAt: pausedAt, resumedAt: nil)) }
        let due = (awaitingCorrection || obligation == nil) ? nil : calendar.dueDate(from: start, workingDays: limit, pauses: pauses)
        let state: InquiryStatus.State
        var lateDays = 0
        if let replied {
            if let due, replied > due {
                state = .late
                lateDays = calendar.workingDays(after: due, through: replied, pauses: pauses)
            } else {
                state = .onTime
            }
        } else if let due, asof > due {
            state = .overdue
            lateDays = calendar.workingDays(after: due, through: asof, pauses: pauses)
        } else {
            state = .open
        }
        return InquiryStatus(inquiry: inquiry, unit: unit, obligation: obligation?.id, channel: channel, simple: simple,
                             received: first.date, countFrom: start, limitDays: limit, due: due, replied: replied, state: state,
                             lateDays: lateDays, awaitingCorrection: correctionRequested && replied == nil,
                             paused: openPause != nil && replied == nil)
    }

    /// Every inquiry of `unit` received by `asof`, in the order they were received.
    public static func all(unit: String, view: LedgerView, asof: BusinessDate) -> [InquiryStatus] {
        guard view.catalog != nil else { return [] }
        // One copy of the unit's facts and one obligation lookup per channel and year, not one
        // per inquiry: a unit can have thousands of inquiries over the years.
        let facts = view.unitFacts(unit)
        let calendar = view.calendar
        let rules = ReplyRuleBook(view: view, unit: unit)
        return facts.inquiryOrder.compactMap { inquiry in
            evaluate(inquiry: inquiry, unit: unit, steps: view.countedSteps(facts.inquiries[inquiry] ?? []),
                     calendar: calendar, asof: asof, replyRule: rules.rule)
        }
    }

    /// A unit's reply rules, each channel's looked up once per year's table.
    final class ReplyRuleBook {
        private let facts: LedgerFacts
        private let known: UInt64
        private let unit: String
        private struct Key: Hashable {
            let channel: String
            let year: Int
        }
        private var rules: [Key: ReplyRule?] = [:]

        init(view: LedgerView, unit: String) {
            facts = view.facts
            known = view.known
            self.unit = unit
        }

        func rule(channel: String, year: Int) -> ReplyRule? {
            let key = Key(channel: channel, year: year)
            if let known = rules[key] { return known }
            let catalog = facts.adoptedCatalog(known: known, year: year)?.catalog
            let found = ReplyRule(catalog?.replyObligation(channel: channel, unit: unit))
            rules[key] = found
            return found
        }
    }
}
