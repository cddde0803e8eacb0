/// A civil calendar date (proleptic Gregorian, no time zone), stored as days since 1970-01-01.
/// Business rules count in these: receipt dates, due dates, periods (DESIGN.md section 1).
public struct BusinessDate: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (which is day 0, a Thursday); negative before it.
    public let dayNumber: Int

    /// Years a date can be written with: four digits.
    public static let supportedYears = 1...9999
    /// Asia/Shanghai is UTC+8 all year (no daylight saving since 1991).
    public static let shanghaiOffsetMinutes = 8 * 60

    public init(dayNumber: Int) {
        self.dayNumber = dayNumber
    }

    /// A valid date; traps on an impossible one (2023-02-30), so use it for dates known good.
    public init(year: Int, month: Int, day: Int) {
        precondition(Self.isValid(year: year, month: month, day: day), "invalid date \(year)-\(month)-\(day)")
        self.dayNumber = Self.dayNumber(year: year, month: month, day: day)
    }

    /// The date, or nil when year, month and day do not name one.
    public static func validated(year: Int, month: Int, day: Int) -> BusinessDate? {
        guard isValid(year: year, month: month, day: day) else { return nil }
        return BusinessDate(dayNumber: dayNumber(year: year, month: month, day: day))
    }

    /// Strict `YYYY-MM-DD`: ASCII digits, zero-padded, a real date. Nothing before or after.
    public init?(_ text: String) {
        var text = text
        guard let date = text.withUTF8({ $0.count == 10 ? Self.parseDate($0, at: 0) : nil }) else { return nil }
        self = date
    }

    /// The Asia/Shanghai calendar date of an event's `at`: either `YYYY-MM-DD` (taken as is) or
    /// an RFC 3339 date-time with a `Z` or `±HH:MM` offset (`T`/`Z` in either case, optional
    /// fractional seconds, second 60 allowed for a leap second).
    public static func fromEventTime(_ text: String) -> BusinessDate? {
        var text = text
        return text.withUTF8 { fromEventTime(utf8: $0) }
    }

    /// The same from the text's UTF-8 bytes (start-up reads them straight from a record).
    public static func fromEventTime(utf8 bytes: UnsafeBufferPointer<UInt8>) -> BusinessDate? {
        guard bytes.count <= maxEventTimeBytes else { return nil }
        guard bytes.count >= 10, let localDate = parseDate(bytes, at: 0) else { return nil }
        if bytes.count == 10 { return localDate }
        guard bytes.count >= 20, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
              let hour = twoDigits(bytes, at: 11), bytes[13] == UInt8(ascii: ":"),
              let minute = twoDigits(bytes, at: 14), bytes[16] == UInt8(ascii: ":"),
              let second = twoDigits(bytes, at: 17),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let firstDigit = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index > firstDigit else { return nil }
        }
        guard index < bytes.count else { return nil }
        let offsetMinutes: Int
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            offsetMinutes = 0
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let offsetHour = twoDigits(bytes, at: index + 1),
                  bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = twoDigits(bytes, at: index + 4),
                  offsetHour <= 23, offsetMinute <= 59 else { return nil }
            let magnitude = offsetHour * 60 + offsetMinute
            offsetMinutes = bytes[index] == UInt8(ascii: "+") ? magnitude : -magnitude
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        // Seconds never move a date: only the minute of the day matters.
        let utcMinutes = localDate.dayNumber * minutesPerDay + hour * 60 + minute - offsetMinutes
        let shanghaiMinutes = utcMinutes + shanghaiOffsetMinutes
        return BusinessDate(dayNumber: floorDivide(shanghaiMinutes, minutesPerDay))
    }

    public var year: Int { civil.year }
    public var month: Int { civil.month }
    public var day: Int { civil.day }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int { floorModulo(dayNumber + 3, 7) + 1 }
    /// Saturday or Sunday.
    public var isWeekend: Bool { weekday >= 6 }
    /// 1…4.
    public var quarter: Int { (month - 1) / 3 + 1 }
    /// 1 (January–June) or 2 (July–December).
    public var half: Int { month <= 6 ? 1 : 2 }

    public func adding(days: Int) -> BusinessDate { BusinessDate(dayNumber: dayNumber + days) }
    /// Days from `other` to this date (positive when this date is later).
    public func days(since other: BusinessDate) -> Int { dayNumber - other.dayNumber }

    public var firstOfMonth: BusinessDate { adding(days: 1 - day) }
    public var lastOfMonth: BusinessDate {
        let (year, month, day) = civil
        return adding(days: Self.daysInMonth(year: year, month: month) - day)
    }
    public var firstOfQuarter: BusinessDate { BusinessDate(year: year, month: quarter * 3 - 2, day: 1) }
    public var lastOfQuarter: BusinessDate { BusinessDate(year: year, month: quarter * 3, day: 1).lastOfMonth }
    public var firstOfHalf: BusinessDate { BusinessDate(year: year, month: half * 6 - 5, day: 1) }
    public var lastOfHalf: BusinessDate { BusinessDate(year: year, month: half * 6, day: 1).lastOfMonth }
    public var firstOfYear: BusinessDate { BusinessDate(year: year, month: 1, day: 1) }
    public var lastOfYear: BusinessDate { BusinessDate(year: year, month: 12, day: 31) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = civil
        // Written digit by digit: a COMPLIANCE answer names a date for every deadline.
        if (0...9999).contains(year) {
            return String(unsafeUninitializedCapacity: 10) { text in
                func digits(_ value: Int, count: Int, endingAt end: Int) {
                    var rest = value
                    for position in (end - count..<end).reversed() {
                        text[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                        rest /= 10
                    }
                }
                digits(year, count: 4, endingAt: 4)
                text[4] = UInt8(ascii: "-")
                digits(month, count: 2, endingAt: 7)
                text[7] = UInt8(ascii: "-")
                digits(day, count: 2, endingAt: 10)
                return 10
            }
        }
        let yearDigits = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearDigits.count)) + yearDigits
        return paddedYear + "-" + (month < 10 ? "0" : "") + String(month) + "-" + (day < 10 ? "0" : "") + String(day)
    }

    public static func < (lhs: BusinessDate, rhs: BusinessDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        supportedYears.contains(year) && (1...12).contains(month) && day >= 1 && day <= daysInMonth(year: year, month: month)
    }

    // MARK: - Private

    private static let minutesPerDay = 24 * 60
    /// A date-time is short; this bounds the scan of the fraction digits.
    private static let maxEventTimeBytes = 64

    /// (year, month, day) from the day number: Howard Hinnant's `civil_from_days`.
    private var civil: (year: Int, month: Int, day: Int) {
        let shifted = dayNumber + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Howard Hinnant's `days_from_civil`.
    private static func dayNumber(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func parseDate(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> BusinessDate? {
        guard bytes.count >= start + 10,
              let century = twoDigits(bytes, at: start), let yearInCentury = twoDigits(bytes, at: start + 2),
              bytes[start + 4] == UInt8(ascii: "-"), let month = twoDigits(bytes, at: start + 5),
              bytes[start + 7] == UInt8(ascii: "-"), let day = twoDigits(bytes, at: start + 8) else { return nil }
        return validated(year: century * 100 + yearInCentury, month: month, day: day)
    }

    private static func twoDigits(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard index + 1 < bytes.count, isDigit(bytes[index]), isDigit(bytes[index + 1]) else { return nil }
        return Int(bytes[index] - UInt8(ascii: "0")) * 10 + Int(bytes[index + 1] - UInt8(ascii: "0"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

private func floorDivide(_ value: Int, _ divisor: Int) -> Int {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}

private func floorModulo(_ value: Int, _ divisor: Int) -> Int {
    value - floorDivide(value, divisor) * divisor
}

extension BusinessDate {
    /// The date in Asia/Shanghai (UTC+8, no daylight saving) at `millis` after the Unix
    /// epoch: "today" for a default `asof`, or the day a record was recorded.
    public static func inShanghai(millis: Int64) -> BusinessDate {
        let shifted = millis + 8 * 3_600_000
        let days = shifted >= 0 ? shifted / 86_400_000 : (shifted - 86_399_999) / 86_400_000
        return BusinessDate(year: 1970, month: 1, day: 1).adding(days: Int(days))
    }
}
