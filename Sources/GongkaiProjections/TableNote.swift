import GongkaiDomain
import GongkaiJSON

/// A year with no table of its own is judged by the latest earlier year's (before every
/// table's year, by the earliest): rules are data, and a county that has not adopted this
/// year's table yet is judged by last year's. COMPLIANCE, ESCALATIONS and BULLETIN say so as
/// `tableNote`, so that nobody reads 2023's periods and thresholds as 2026's unawares.
public enum TableNote {
    /// The note for an answer judging `year` by `view`'s table, nil when it is that year's own.
    public static func note(view: LedgerView, judging year: Int) -> JSONValue? {
        guard let catalog = view.catalog, catalog.year != year else { return nil }
        return .string("\(year) has no table of its own adopted: judged by \(catalog.name), the table for \(catalog.year); " +
                       "adopt \(year)'s table to judge its dates by its own rules")
    }
}
