import GongkaiDomain
import GongkaiJSON

/// DESIGN.md section 1: a date in a year with no adopted holiday calendar counts Monday–Friday
/// only, and the answer says so. Every answer that counts working days (COMPLIANCE,
/// INQUIRIES, BULLETIN) carries this note as `calendarNote` when it applies.
public enum CalendarNote {
    /// The note for working days counted from the catalog's first day through `through`
    /// (the answer's asof, or a later due date), nil when every year between has a calendar.
    /// An answer before the catalog's first day counted no working day: no note.
    public static func note(view: LedgerView, through: BusinessDate) -> JSONValue? {
        guard let catalog = view.catalog else { return nil }
        let first = BusinessDate(year: catalog.year, month: 1, day: 1)
        guard through >= first else { return nil }
        let missing = view.calendar.yearsWithoutCalendar(from: first, through: through)
        guard !missing.isEmpty else { return nil }
        return .string("no holiday calendar adopted for \(spans(missing)); working days counted Monday–Friday only")
    }

    /// Ascending years with runs of three or more joined: "2027", "2027, 2028",
    /// "2027–9999" (an asof far in the future would otherwise list thousands).
    static func spans(_ years: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        while index < years.count {
            var end = index
            while end + 1 < years.count && years[end + 1] == years[end] + 1 { end += 1 }
            if end - index >= 2 {
                parts.append("\(years[index])–\(years[end])")
            } else {
                parts += years[index...end].map(String.init)
            }
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }
}
