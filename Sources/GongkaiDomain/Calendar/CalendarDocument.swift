import GongkaiJSON

/// One year's public holidays and make-up workdays (调休) from a State Council General Office
/// notice (`Schemas/calendars/*.json`, carried by a `calendar.adopted` event).
public struct CalendarDocument: Equatable, Sendable {
    /// Years a calendar may be for; the same bound as a catalog's year.
    public static let supportedYears = 2000...2100
    /// A notice has about seven holidays; anything near this bound is not a holiday list.
    public static let maxEntries = 64
    public static let maxNoticeScalars = 200

    public let year: Int
    /// The notice the data comes from, e.g. 国办发明电〔2022〕16号.
    public let notice: String
    /// Inclusive ranges of days off, in document order. They may reach into year-1 and year+1
    /// (the 2023 New Year holiday starts on 2022-12-31).
    public let holidays: [ClosedRange<BusinessDate>]
    /// Weekend days worked to make up for a holiday.
    public let workdays: [BusinessDate]

    /// Checks the document and keeps it; `DomainError.field` names the offending member.
    public init(year: Int, notice: String, holidays: [ClosedRange<BusinessDate>], workdays: [BusinessDate]) throws {
        guard Self.supportedYears.contains(year) else {
            throw DomainError("year", "\(year) is outside \(Self.supportedYears.lowerBound)…\(Self.supportedYears.upperBound)")
        }
        let noticeLength = notice.unicodeScalars.count
        guard noticeLength >= 1, noticeLength <= Self.maxNoticeScalars else {
            throw DomainError("notice", "must be 1–\(Self.maxNoticeScalars) characters")
        }
        guard holidays.count <= Self.maxEntries else { throw DomainError("holidays", "more than \(Self.maxEntries) ranges") }
        guard workdays.count <= Self.maxEntries else { throw DomainError("workdays", "more than \(Self.maxEntries) days") }
        // A notice's holidays touch the neighbouring years at most (New Year, Spring Festival).
        let allowed = BusinessDate(year: year - 1, month: 1, day: 1)...BusinessDate(year: year + 1, month: 12, day: 31)
        for (index, range) in holidays.enumerated() {
            let field = "holidays[\(index)]"
            for date in [range.lowerBound, range.upperBound] where !allowed.contains(date) {
                throw DomainError(field, "\(date) is outside \(year - 1)…\(year + 1)")
            }
            for (earlier, other) in holidays[..<index].enumerated() where other.overlaps(range) {
                throw DomainError(field, "overlaps holidays[\(earlier)]")
            }
        }
        for (index, date) in workdays.enumerated() {
            let field = "workdays[\(index)]"
            guard allowed.contains(date) else { throw DomainError(field, "\(date) is outside \(year - 1)…\(year + 1)") }
            guard date.isWeekend else {
                throw DomainError(field, "\(date) is not a Saturday or Sunday, so it is a working day already")
            }
            if let holiday = holidays.firstIndex(where: { $0.contains(date) }) {
                throw DomainError(field, "\(date) is also a holiday (holidays[\(holiday)])")
            }
            if workdays[..<index].contains(date) { throw DomainError(field, "\(date) is listed twice") }
        }
        self.year = year
        self.notice = notice
        self.holidays = holidays
        self.workdays = workdays
    }

    /// Decodes `{"year", "notice", "holidays": [[from, to]…], "workdays": […]}`; other members
    /// are rejected.
    public init(json: JSONValue) throws {
        guard let members = json.objectValue else { throw DomainError("calendar", "must be an object") }
        for key in members.keys.sorted() where !Self.fields.contains(key) {
            throw DomainError(key, "is not a field of a calendar")
        }
        for key in Self.fields where members[key] == nil { throw DomainError(key, "missing") }
        guard let yearValue = members["year"]?.integerValue else { throw DomainError("year", "must be an integer") }
        guard let notice = members["notice"]?.stringValue else { throw DomainError("notice", "must be a string") }
        guard let holidayValues = members["holidays"]?.arrayValue else {
            throw DomainError("holidays", "must be an array of [from, to] date pairs")
        }
        guard let workdayValues = members["workdays"]?.arrayValue else { throw DomainError("workdays", "must be an array of dates") }
        guard holidayValues.count <= Self.maxEntries else { throw DomainError("holidays", "more than \(Self.maxEntries) ranges") }
        guard workdayValues.count <= Self.maxEntries else { throw DomainError("workdays", "more than \(Self.maxEntries) days") }

        var holidays: [ClosedRange<BusinessDate>] = []
        for (index, value) in holidayValues.enumerated() {
            let field = "holidays[\(index)]"
            guard let pair = value.arrayValue, pair.count == 2 else { throw DomainError(field, "must be a [from, to] pair") }
            let from = try Self.date(pair[0], field: field + "[0]")
            let to = try Self.date(pair[1], field: field + "[1]")
            guard from <= to else { throw DomainError(field, "from \(from) is after to \(to)") }
            holidays.append(from...to)
        }
        let workdays = try workdayValues.enumerated().map { index, value in
            try Self.date(value, field: "workdays[\(index)]")
        }
        try self.init(year: Int(yearValue), notice: notice, holidays: holidays, workdays: workdays)
    }

    /// The document form, as `init(json:)` reads it.
    public var json: JSONValue {
        .object([
            "year": .number(Double(year)),
            "notice": .string(notice),
            "holidays": .array(holidays.map { .array([.string($0.lowerBound.description), .string($0.upperBound.description)]) }),
            "workdays": .array(workdays.map { .string($0.description) }),
        ])
    }

    private static let fields = ["year", "notice", "holidays", "workdays"]

    private static func date(_ value: JSONValue, field: String) throws -> BusinessDate {
        guard let text = value.stringValue else { throw DomainError(field, "must be a date string YYYY-MM-DD") }
        guard let date = BusinessDate(text) else { throw DomainError(field, "\"\(text.prefix(32))\" is not a date YYYY-MM-DD") }
        return date
    }
}
