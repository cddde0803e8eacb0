import GongkaiDomain
import GongkaiJSON

/// INQUIRIES: the inquiries of one unit, or of every unit, judged at asof.
public enum InquiriesAnswer {
    public static func answer(unit: String?, view: LedgerView, asof: BusinessDate) -> JSONValue {
        let units = unit.map { [$0] } ?? (view.catalog?.units.map(\.id) ?? [])
        let inquiries = units.flatMap { InquiryEvaluation.all(unit: $0, view: view, asof: asof) }
        var answer: [String: JSONValue] = [
            "asof": .string(asof.description), "known": .number(Double(view.known)),
            "unit": unit.map { .string($0) } ?? .null, "inquiries": .array(inquiries.map(\.json)),
        ]
        // Due dates of open inquiries can lie past asof, in a year with no calendar yet.
        let latest = inquiries.compactMap(\.due).reduce(asof, max)
        if let note = CalendarNote.note(view: view, through: latest) { answer["calendarNote"] = note }
        return .object(answer)
    }
}
