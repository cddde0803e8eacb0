import GongkaiDomain
import GongkaiJSON

/// A unit's standing under the escalation rules (三, 约谈) at a business date.
public struct EscalationStatus: Equatable, Sendable {
    public enum State: String, Sendable { case clear, watch, interviewRequired = "interview-required", interviewed }

    public let unit: String
    public let year: Int
    /// Notices by level within the year, counted by asof.
    public let county: Int
    public let cityProvince: Int
    public let state: State
    /// The rule that triggered first, and the date of the notice that crossed its threshold.
    public let rule: String?
    public let triggeredAt: BusinessDate?
    public let interviewedAt: BusinessDate?

    public var json: JSONValue {
        [
            "unit": .string(unit), "county": .number(Double(county)), "cityProvince": .number(Double(cityProvince)),
            "state": .string(state.rawValue), "rule": rule.map { .string($0) } ?? .null,
            "triggeredAt": triggeredAt.map { .string($0.description) } ?? .null,
            "interviewedAt": interviewedAt.map { .string($0.description) } ?? .null,
        ]
    }
}

/// Applies the catalog's escalation rules to a unit's notices and interviews. Pure.
public enum EscalationEvaluation {
    public static func evaluate(unit: String, view: LedgerView, asof: BusinessDate) -> EscalationStatus? {
        guard let catalog = view.catalog else { return nil }
        let year = catalog.year
        let facts = view.unitFacts(unit)
        // Within the catalog's year, in the order they happened.
        let notices = view.counted(facts.notices, asof: asof).filter { $0.date.year == year }
            .sorted { ($0.date, $0.seq) < ($1.date, $1.seq) }
        let county = notices.filter { $0.value == "county" }.count
        let cityProvince = notices.filter { $0.value == "city" || $0.value == "province" }.count

        var trigger: (rule: String, date: BusinessDate)?
        var oneShort = false
        for rule in catalog.escalationRules {
            let matching = notices.filter { rule.levels.contains($0.value) }
            if matching.count >= rule.threshold {
                let date = matching[rule.threshold - 1].date
                if trigger == nil || date < trigger!.date { trigger = (rule.id, date) }
            } else if matching.count == rule.threshold - 1 && matching.count > 0 {
                oneShort = true
            }
        }
        let state: EscalationStatus.State
        var interviewedAt: BusinessDate?
        if let trigger {
            // Held on or after the requirement, and by the end of the next year (EventValidator),
            // or in a later year that this same table judged when the interview was recorded (a
            // county without later tables: such an interview was accepted for this requirement,
            // and adopting a later table afterwards must not undo it). An interview that a later
            // year's own table judged answered that year's notices, not these.
            interviewedAt = view.counted(facts.interviews, asof: asof).filter { interview in
                interview.date >= trigger.date && (interview.date.year <= year + 1
                    || view.facts.adoptedCatalog(known: interview.seq, year: interview.date.year)?.seq == view.catalogSeq)
            }.map(\.date).min()
            state = interviewedAt == nil ? .interviewRequired : .interviewed
        } else {
            state = oneShort ? .watch : .clear
        }
        return EscalationStatus(unit: unit, year: year, county: county, cityProvince: cityProvince, state: state,
                                rule: trigger?.rule, triggeredAt: trigger?.date, interviewedAt: interviewedAt)
    }

    /// ESCALATIONS: every unit with at least one notice counted in the year; and, when some
    /// are, `owedFromLastYear`: the units whose interview required last year is still not
    /// held, which may still be held this year (EventValidator). Without it, January's answer
    /// would say nothing of them unless asked with `year=`.
    public static func answer(view: LedgerView, asof: BusinessDate) -> JSONValue {
        guard let catalog = view.catalog else { return ["asof": .string(asof.description), "known": .number(Double(view.known)), "year": .null, "units": []] }
        var answer: [String: JSONValue] = [
            "asof": .string(asof.description), "known": .number(Double(view.known)), "year": .number(Double(catalog.year)),
            "units": .array(rows(catalog, view, asof: asof) { $0.county + $0.cityProvince > 0 }),
        ]
        let owed = owedFromLastYear(view: view, asof: asof)
        if !owed.isEmpty { answer["owedFromLastYear"] = .array(owed) }
        if let note = TableNote.note(view: view, judging: view.year ?? asof.year) { answer["tableNote"] = note }
        return .object(answer)
    }

    /// The units of last year's own table whose required interview is still not held at
    /// `asof`, as ESCALATIONS rows; only for the year `asof` lies in, judged by its own table
    /// (ESCALATIONS, and BULLETIN of its months).
    public static func owedFromLastYear(view: LedgerView, asof: BusinessDate) -> [JSONValue] {
        guard let catalog = view.catalog, catalog.year == asof.year,
              let lastYear = lastYearsOwnView(facts: view.facts, known: view.known, year: catalog.year),
              let previous = lastYear.catalog else { return [] }
        return rows(previous, lastYear, asof: asof) { $0.state == .interviewRequired }
    }

    private static func rows(_ catalog: Catalog, _ view: LedgerView, asof: BusinessDate, _ keep: (EscalationStatus) -> Bool) -> [JSONValue] {
        catalog.units.compactMap { unit -> JSONValue? in
            guard let status = evaluate(unit: unit.id, view: view, asof: asof), keep(status) else { return nil }
            var json = status.json.objectValue!
            json["name"] = .string(unit.name)
            return .object(json)
        }
    }

    /// The view of the year before `year` by that year's own table, or nil when it has none:
    /// an interview owed from last year is judged by last year's own rules, here and when
    /// one is recorded (EventValidator), and a year without a table owes none.
    public static func lastYearsOwnView(facts: LedgerFacts, known: UInt64, year: Int) -> LedgerView? {
        let view = LedgerView(facts: facts, known: known, year: year - 1)
        return view.catalog?.year == year - 1 ? view : nil
    }
}
