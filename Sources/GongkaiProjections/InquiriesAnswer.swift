import GongkaiDomain
import GongkaiJSON

/// INQUIRIES: the inquiries of one unit, or of every unit, judged at asof.
public enum InquiriesAnswer {
    public static func answer(unit: String?, view: LedgerView, asof: BusinessDate) -> JSONValue {
        let units = unit.map { [$0] } ?? (view.catalog?.units.map(\.id) ?? [])
        let inquiries = units.flatMap { InquiryEvaluation.all(unit: $0, view: view, asof: asof) }
        return ["asof": .string(asof.description), "known": .number(Double(view.known)),
                "unit": unit.map { .string($0) } ?? .null, "inquiries": .array(inquiries.map(\.json))]
    }
}
