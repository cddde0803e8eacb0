import GongkaiDomain
import GongkaiJSON

/// INQUIRIES: the inquiries of one unit, or of every unit, judged at asof.
public enum InquiriesAnswer {
    /// With `receivedIn`, only the inquiries received in that year (the `year=` option).
    public static func answer(unit: String?, view: LedgerView, asof: BusinessDate, receivedIn year: Int? = nil) -> JSONValue {
        let units = unit.map { [$0] } ?? allUnits(view)
        // Unit by unit, each unit's by receipt date, then in the order recorded: a question
        // recorded late (found in a mailbox weeks on) takes its place among the others.
        let inquiries = units.flatMap { unit in
            InquiryEvaluation.all(unit: unit, view: view, asof: asof).enumerated()
                .sorted { ($0.element.received, $0.offset) < ($1.element.received, $1.offset) }.map(\.element)
        }.filter { status in year.map { status.received.year == $0 } ?? true }
        var answer: [String: JSONValue] = [
            "asof": .string(asof.description), "known": .number(Double(view.known)),
            "unit": unit.map { .string($0) } ?? .null, "inquiries": .array(inquiries.map(\.json)),
        ]
        if let year { answer["year"] = .number(Double(year)) }
        // The Chinese name of each unit listed, from the view's table or else the latest other
        // table known that has it: a unit gone from this year's table is still named (a client
        // taking names from UNITS, today's table, left it blank).
        var names: [String: JSONValue] = [:]
        for status in inquiries where names[status.unit] == nil {
            if let name = unitName(status.unit, view: view) { names[status.unit] = .string(name) }
        }
        if let unit, names[unit] == nil, let name = unitName(unit, view: view) { names[unit] = .string(name) }
        answer["unitNames"] = .object(names)
        // Due dates of open inquiries can lie past asof, in a year with no calendar yet.
        let latest = inquiries.compactMap(\.due).reduce(asof, max)
        if let note = CalendarNote.note(view: view, through: latest) { answer["calendarNote"] = note }
        return .object(answer)
    }

    static func unitName(_ unit: String, view: LedgerView) -> String? {
        if let name = view.catalog?.unit(unit)?.name { return name }
        return view.facts.catalogs.reversed().lazy.filter { $0.seq <= view.known }.compactMap { $0.catalog.unit(unit)?.name }.first
    }

    /// The units of the view's table, then those of other tables known to the view that it
    /// lacks (a unit gone from this year's table still has last year's inquiries), in the
    /// order their tables were adopted.
    static func allUnits(_ view: LedgerView) -> [String] {
        var units = view.catalog?.units.map(\.id) ?? []
        var seen = Set(units)
        for adopted in view.facts.catalogs where adopted.seq <= view.known {
            for unit in adopted.catalog.units where seen.insert(unit.id).inserted { units.append(unit.id) }
        }
        return units
    }
}
