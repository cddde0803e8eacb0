import GongkaiJSON

/// The daemon's BULLETIN answer (政务公开月报 for one month), decoded for formatting.
public struct Bulletin: Equatable, Sendable {
    /// One unit's line of the report.
    public struct UnitRow: Equatable, Sendable {
        public let unit: String
        public let name: String
        public let publications: Int
        /// Obligations found unmet this month, as `T01 2023-06`.
        public let missed: [String]
        /// Deadline tasks done this month after their due date, as `T09 2023-07-30`.
        public let lateTasks: [String]
        /// Inquiries past their due date and still unanswered at the month's end.
        public let overdueReplies: [String]
        /// Inquiries answered this month after their due date.
        public let lateReplies: [String]
        public let notices: [Notice]
        /// Escalation state: clear, watch, interview-required or interviewed.
        public let escalation: String
    }

    public struct Notice: Equatable, Sendable {
        public let level: String
        public let date: String
    }

    /// A unit among those that published least.
    public struct Ranked: Equatable, Sendable {
        public let unit: String
        public let name: String
        public let publications: Int
        /// 1 + the number of units that published less: tied units share it.
        public let rank: Int
    }

    /// `YYYY-MM`.
    public let month: String
    public let year: Int
    public let monthNumber: Int
    /// The date the month was judged at: its last day.
    public let asof: String
    public let known: Int
    public let catalog: String?
    /// Set when a year involved has no holiday calendar: working days counted Monday–Friday.
    public let calendarNote: String?
    /// Set when the month's year has no table of its own: judged by an earlier year's.
    public let tableNote: String?
    public let units: [UnitRow]
    public let fewestPublications: [Ranked]
    /// Units of last year's table whose required interview is still not held.
    public let owedFromLastYear: [Owed]

    public struct Owed: Equatable, Sendable {
        public let unit: String
        public let name: String
        /// The escalation rule that required the interview, and the date it did.
        public let rule: String
        public let triggeredAt: String
    }

    public init(json: JSONValue) throws {
        guard let month = json["month"]?.stringValue, month.utf8.count == 7,
              let year = Int(month.prefix(4)), let number = Int(month.suffix(2)), (1...12).contains(number) else {
            throw ReportDecodingError("bulletin: month must be YYYY-MM")
        }
        self.month = month
        self.year = year
        self.monthNumber = number
        asof = json["asof"]?.stringValue ?? ""
        known = Int(json["known"]?.integerValue ?? 0)
        catalog = json["catalog"]?.stringValue
        calendarNote = json["calendarNote"]?.stringValue
        tableNote = json["tableNote"]?.stringValue
        units = try (json["units"]?.arrayValue ?? []).map { row in
            guard let unit = row["unit"]?.stringValue else { throw ReportDecodingError("bulletin: a unit row has no unit") }
            return UnitRow(
                unit: unit, name: row["name"]?.stringValue ?? unit,
                publications: Int(row["publications"]?.integerValue ?? 0),
                missed: Self.strings(row["missed"]), lateTasks: Self.strings(row["lateTasks"]),
                overdueReplies: Self.strings(row["overdueReplies"]),
                lateReplies: Self.strings(row["lateReplies"]),
                notices: (row["notices"]?.arrayValue ?? []).map {
                    Notice(level: $0["level"]?.stringValue ?? "", date: $0["date"]?.stringValue ?? "")
                },
                escalation: row["escalation"]?.stringValue ?? "clear")
        }
        fewestPublications = try (json["fewestPublications"]?.arrayValue ?? []).enumerated().map { index, entry in
            guard let unit = entry["unit"]?.stringValue else { throw ReportDecodingError("bulletin: a ranked entry has no unit") }
            // Daemons before ranks were shared listed exactly five, ranked by place.
            return Ranked(unit: unit, name: entry["name"]?.stringValue ?? unit,
                          publications: Int(entry["publications"]?.integerValue ?? 0),
                          rank: Int(entry["rank"]?.integerValue ?? Int64(index + 1)))
        }
        owedFromLastYear = (json["owedFromLastYear"]?.arrayValue ?? []).compactMap { entry in
            guard let unit = entry["unit"]?.stringValue else { return nil }
            return Owed(unit: unit, name: entry["name"]?.stringValue ?? unit, rule: entry["rule"]?.stringValue ?? "",
                        triggeredAt: entry["triggeredAt"]?.stringValue ?? "")
        }
    }

    private static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// A daemon answer without the members a report needs.
public struct ReportDecodingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
