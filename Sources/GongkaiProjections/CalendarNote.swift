import GongkaiDomain
import GongkaiJSON

/// DESIGN.md section 1: a date in a year with no adopted holiday calendar counts Monday–Friday
/// only, and the answer says so. Every answer that counts working days (COMPLIANCE,
/// INQUIRIES, BULLETIN) carries this note as `calendarNote` when it applies.
public enum CalendarNote {
    /// The note for working days counted from the catalog's first day through `through`
    /// (the answer's asof, or a later due date), nil when every year between has a calendar.
    public static func note(view: LedgerView, through: BusinessDate) -> JSONValue? {
        guard let catalog = view.catalog else { return nil }
        let missing = view.calendar.yearsWithoutCalendar(from: BusinessDate(year: catalog.year, month: 1, day: 1), through: through)
        guard !missing.isEmpty else { return nil }
        return .string("no holiday calendar adopted for \(missing.map(String.init).joined(separator: ", ")); working days counted Monday–Friday only")
    }
}
