import XCTest
@testable import GongkaiDomain

final class BusinessDateTests: XCTestCase {
    /// Shanghai is UTC+8 all year: its day begins at 16:00 UTC the day before.
    func testTheDateInShanghaiOfAMoment() {
        let midnight: Int64 = 1_704_384_000_000  // 2024-01-04T16:00:00Z
        XCTAssertEqual(BusinessDate.inShanghai(millis: midnight), BusinessDate("2024-01-05"))
        XCTAssertEqual(BusinessDate.inShanghai(millis: midnight - 1), BusinessDate("2024-01-04"))
        XCTAssertEqual(BusinessDate.inShanghai(millis: 0), BusinessDate("1970-01-01"))
        XCTAssertEqual(BusinessDate.inShanghai(millis: -28_800_001), BusinessDate("1969-12-31"))
    }

    func testEpochIsAThursday() {
        let epoch = BusinessDate(year: 1970, month: 1, day: 1)
        XCTAssertEqual(epoch.dayNumber, 0)
        XCTAssertEqual(epoch.weekday, 4)
        XCTAssertEqual(BusinessDate(dayNumber: -1).description, "1969-12-31")
        XCTAssertEqual(BusinessDate(dayNumber: -1).weekday, 3)
    }

    func testKnownWeekdays() {
        // 2023-01-01 was a Sunday; DESIGN.md's example date 2023-09-25 a Monday.
        XCTAssertEqual(BusinessDate(year: 2023, month: 1, day: 1).weekday, 7)
        XCTAssertEqual(BusinessDate(year: 2023, month: 9, day: 25).weekday, 1)
        XCTAssertEqual(BusinessDate(year: 2023, month: 10, day: 8).weekday, 7)
        XCTAssertEqual(BusinessDate(year: 2024, month: 2, day: 29).weekday, 4)
        XCTAssertEqual(BusinessDate(year: 2026, month: 1, day: 1).weekday, 4)
        XCTAssertEqual(BusinessDate(year: 2000, month: 1, day: 1).weekday, 6)
        XCTAssertTrue(BusinessDate(year: 2023, month: 1, day: 28).isWeekend)
        XCTAssertFalse(BusinessDate(year: 2023, month: 1, day: 27).isWeekend)
    }

    func testDayNumbersAgainstKnownValues() {
        XCTAssertEqual(BusinessDate(year: 2000, month: 3, day: 1).dayNumber, 11_017)
        XCTAssertEqual(BusinessDate(year: 2023, month: 1, day: 1).dayNumber, 19_358)
        XCTAssertEqual(BusinessDate(year: 1, month: 1, day: 1).dayNumber, -719_162)
        XCTAssertEqual(BusinessDate(year: 9999, month: 12, day: 31).dayNumber, 2_932_896)
    }

    func testDescriptionIsAlwaysTenCharactersWithinSupportedYears() {
        XCTAssertEqual(BusinessDate(year: 1, month: 1, day: 1).description, "0001-01-01")
        XCTAssertEqual(BusinessDate(year: 987, month: 6, day: 5).description, "0987-06-05")
        XCTAssertEqual(BusinessDate(year: 9999, month: 12, day: 31).description, "9999-12-31")
        // Past the supported years (only internal sentinels get there) the year keeps its digits.
        XCTAssertEqual(BusinessDate(year: 9999, month: 12, day: 31).adding(days: 1).description, "10000-01-01")
    }

    func testRoundTripEveryDayFrom1900To2200() {
        var date = BusinessDate(year: 1900, month: 1, day: 1)
        var expected = (year: 1900, month: 1, day: 1)
        var weekday = date.weekday
        while date.year < 2200 {
            XCTAssertEqual(date.year, expected.year)
            XCTAssertEqual(date.month, expected.month)
            XCTAssertEqual(date.day, expected.day)
            XCTAssertEqual(BusinessDate(date.description), date)
            XCTAssertEqual(date.weekday, weekday)
            let next = date.adding(days: 1)
            XCTAssertEqual(next.dayNumber, date.dayNumber + 1)
            if expected.day < BusinessDate.daysInMonth(year: expected.year, month: expected.month) {
                expected.day += 1
            } else if expected.month < 12 {
                expected = (expected.year, expected.month + 1, 1)
            } else {
                expected = (expected.year + 1, 1, 1)
            }
            weekday = weekday % 7 + 1
            date = next
        }
    }

    func testStrictParsing() {
        XCTAssertEqual(BusinessDate("2023-02-28")?.description, "2023-02-28")
        XCTAssertEqual(BusinessDate("2024-02-29")?.description, "2024-02-29")
        XCTAssertEqual(BusinessDate("2000-02-29")?.description, "2000-02-29")
        for bad in ["2023-02-29", "1900-02-29", "2023-02-30", "2023-04-31", "2023-13-01", "2023-00-10", "2023-01-00",
                    "2023-01-32", "2023-2-3", "2023-02-3", "23-02-03", "20230203", "2023/02/03", " 2023-02-03",
                    "2023-02-03 ", "2023-02-03\n", "2023-02-03T00:00:00Z", "0000-01-01", "+2023-02-03",
                    "２０２３-02-03", "2023-0a-03", "", "2023-02-0٣"] {
            XCTAssertNil(BusinessDate(bad), bad)
        }
    }

    func testDescriptionPadsYearMonthDay() {
        XCTAssertEqual(BusinessDate(year: 2023, month: 4, day: 5).description, "2023-04-05")
        XCTAssertEqual(BusinessDate(year: 999, month: 12, day: 31).description, "0999-12-31")
    }

    func testOrderingAndArithmetic() {
        let start = BusinessDate(year: 2023, month: 12, day: 30)
        XCTAssertLessThan(start, start.adding(days: 1))
        XCTAssertEqual(start.adding(days: 3).description, "2024-01-02")
        XCTAssertEqual(start.adding(days: -365).description, "2022-12-30")
        XCTAssertEqual(BusinessDate(year: 2024, month: 3, day: 1).days(since: BusinessDate(year: 2024, month: 2, day: 1)), 29)
    }

    func testPeriodsOfTheYear() {
        let date = BusinessDate(year: 2024, month: 2, day: 10)
        XCTAssertEqual(date.quarter, 1)
        XCTAssertEqual(date.half, 1)
        XCTAssertEqual(date.firstOfMonth.description, "2024-02-01")
        XCTAssertEqual(date.lastOfMonth.description, "2024-02-29")
        XCTAssertEqual(date.firstOfQuarter.description, "2024-01-01")
        XCTAssertEqual(date.lastOfQuarter.description, "2024-03-31")
        XCTAssertEqual(date.firstOfHalf.description, "2024-01-01")
        XCTAssertEqual(date.lastOfHalf.description, "2024-06-30")
        XCTAssertEqual(date.firstOfYear.description, "2024-01-01")
        XCTAssertEqual(date.lastOfYear.description, "2024-12-31")
        let autumn = BusinessDate(year: 2023, month: 9, day: 30)
        XCTAssertEqual(autumn.quarter, 3)
        XCTAssertEqual(autumn.half, 2)
        XCTAssertEqual(autumn.lastOfQuarter.description, "2023-09-30")
        XCTAssertEqual(autumn.firstOfHalf.description, "2023-07-01")
        XCTAssertEqual(autumn.lastOfHalf.description, "2023-12-31")
        XCTAssertEqual(BusinessDate(year: 2023, month: 12, day: 5).quarter, 4)
        XCTAssertEqual(BusinessDate(year: 2023, month: 4, day: 1).quarter, 2)
        XCTAssertEqual(BusinessDate(year: 2023, month: 6, day: 30).half, 1)
        XCTAssertEqual(BusinessDate(year: 2023, month: 7, day: 1).half, 2)
        XCTAssertEqual(BusinessDate(year: 2023, month: 2, day: 1).lastOfMonth.description, "2023-02-28")
    }

    func testEventTimeDateOnly() {
        XCTAssertEqual(BusinessDate.fromEventTime("2023-05-06")?.description, "2023-05-06")
        XCTAssertNil(BusinessDate.fromEventTime("2023-02-30"))
    }

    func testEventTimeIsTheShanghaiDate() {
        let cases: [(String, String)] = [
            ("2023-05-06T10:00:00+08:00", "2023-05-06"),
            ("2023-05-06T00:00:00+08:00", "2023-05-06"),
            ("2023-05-05T23:59:59+08:00", "2023-05-05"),
            ("2023-05-05T16:00:00Z", "2023-05-06"),     // 00:00 in Shanghai
            ("2023-05-05T15:59:59Z", "2023-05-05"),     // 23:59:59 in Shanghai
            ("2023-05-05t16:00:00z", "2023-05-06"),
            ("2023-05-05T15:59:59.999999Z", "2023-05-05"),
            ("2023-05-05T16:00:00.000Z", "2023-05-06"),
            ("2023-05-05T12:00:00-04:00", "2023-05-06"), // 16:00Z
            ("2023-05-05T11:59:00-04:00", "2023-05-05"),
            ("2023-12-31T16:00:00Z", "2024-01-01"),
            ("2024-02-28T16:00:00Z", "2024-02-29"),
            ("2023-02-28T16:00:00Z", "2023-03-01"),
            ("2023-01-01T07:59:59+23:59", "2022-12-31"),
            ("2023-12-31T23:59:60Z", "2024-01-01"),      // a leap second, 07:59:60 in Shanghai
            ("2023-12-31T15:59:60Z", "2023-12-31"),
            ("2023-05-06T10:00:00-00:00", "2023-05-06"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(BusinessDate.fromEventTime(text)?.description, expected, text)
        }
        // 01:30 at +09:30 is 16:00 UTC the day before, which is midnight in Shanghai.
        XCTAssertEqual(BusinessDate.fromEventTime("2023-05-06T01:30:00+09:30")?.description, "2023-05-06")
        XCTAssertEqual(BusinessDate.fromEventTime("2023-05-06T01:29:59+09:30")?.description, "2023-05-05")
    }

    func testEventTimeRejectsMalformedTimestamps() {
        for bad in ["2023-05-06T10:00:00", "2023-05-06T10:00Z", "2023-05-06 10:00:00+08:00", "2023-05-06T24:00:00Z",
                    "2023-05-06T10:60:00Z", "2023-05-06T10:00:61Z", "2023-05-06T10:00:00+0800", "2023-05-06T10:00:00+08",
                    "2023-05-06T10:00:00+24:00", "2023-05-06T10:00:00+08:60", "2023-05-06T10:00:00.Z", "2023-05-06T10:00:00.5",
                    "2023-05-06T10:00:00ZZ", "2023-05-06T10:00:00+08:00 ", "2023-05-06T", "2023-05-06T1:00:00Z",
                    "2023-02-30T10:00:00Z", "2023-5-6T10:00:00Z", "2023-05-06X10:00:00Z", "", "T10:00:00Z",
                    "2023-05-06T10:00:00,5Z", "2023-05-06T10:00:00+08:00:00",
                    "2023-05-06T10:00:00." + String(repeating: "0", count: 60) + "Z"] {
            XCTAssertNil(BusinessDate.fromEventTime(bad), bad)
        }
    }
}
