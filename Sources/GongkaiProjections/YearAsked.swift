import GongkaiDomain

/// The rule of the `year=` option (COMPLIANCE, INQUIRIES, ESCALATIONS, `audit verify --year`):
/// a year asked for by name is judged by its own table, at an asof in that year or later.
/// Dates of a year without a table fall back to another year's table (LedgerFacts
/// .adoptedCatalog); a year asked for by name does not, or the answer would silently be
/// another year's. Pure.
public enum YearAsked: Equatable, Sendable {
    /// asof lies before the year: none of its periods would have begun.
    case asofBefore(year: Int, asof: BusinessDate)
    /// No table of that year was adopted by record `known`; `adopted` are the years that have one.
    case noTable(year: Int, known: UInt64, adopted: [Int])

    /// What is wrong with asking for `year` at `asof` from records 1…`known`, or nil.
    public static func problem(year: Int, asof: BusinessDate, facts: LedgerFacts, known: UInt64) -> YearAsked? {
        guard asof.year >= year else { return .asofBefore(year: year, asof: asof) }
        guard facts.adoptedCatalog(known: known, year: year)?.catalog.year == year else {
            let adopted = Set(facts.catalogs.prefix { $0.seq <= known }.map(\.catalog.year)).sorted()
            return .noTable(year: year, known: known, adopted: adopted)
        }
        return nil
    }

    public var message: String {
        switch self {
        case .asofBefore(let year, let asof):
            return "asof \(asof) is before year \(year): a year is judged from its first day on"
        case .noTable(let year, let known, let adopted):
            let tables = adopted.isEmpty ? "no catalog has been adopted" : "tables adopted for \(adopted.map(String.init).joined(separator: ", "))"
            return "no catalog for \(year) has been adopted by record \(known) (\(tables))"
        }
    }
}
