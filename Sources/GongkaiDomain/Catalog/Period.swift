/// How often a periodic or meeting obligation recurs within the catalog's year.
public enum PeriodKind: String, Sendable, CaseIterable {
    case month, quarter, half, year
}

/// One period of a year: `2023-04`, `2023-Q2`, `2023-H1` or `2023`, with its first and last day.
public struct Period: Hashable, Sendable, CustomStringConvertible {
    public let kind: PeriodKind
    public let label: String
    public let start: BusinessDate
    public let end: BusinessDate

    /// The periods of `kind` in `year`, in order.
    public static func all(_ kind: PeriodKind, in year: Int) -> [Period] {
        switch kind {
        case .month:
            return (1...12).map { month in
                Period(kind: kind, label: String(format4(year)) + "-" + pad2(month),
                       start: BusinessDate(year: year, month: month, day: 1), end: BusinessDate(year: year, month: month, day: 1).lastOfMonth)
            }
        case .quarter:
            return (1...4).map { quarter in
                let first = BusinessDate(year: year, month: quarter * 3 - 2, day: 1)
                return Period(kind: kind, label: format4(year) + "-Q\(quarter)", start: first,
                              end: BusinessDate(year: year, month: quarter * 3, day: 1).lastOfMonth)
            }
        case .half:
            return (1...2).map { half in
                Period(kind: kind, label: format4(year) + "-H\(half)", start: BusinessDate(year: year, month: half * 6 - 5, day: 1),
                       end: BusinessDate(year: year, month: half * 6, day: 1).lastOfMonth)
            }
        case .year:
            return [Period(kind: kind, label: format4(year), start: BusinessDate(year: year, month: 1, day: 1),
                           end: BusinessDate(year: year, month: 12, day: 31))]
        }
    }

    public func contains(_ date: BusinessDate) -> Bool { start <= date && date <= end }
    public var description: String { label }

    private static func format4(_ year: Int) -> String {
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
