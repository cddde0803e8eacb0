import Foundation
import GongkaiJSON
import XCTest
@testable import GongkaiDomain

/// The calendars shipped in `Schemas/calendars/` against the independent holiday-cn data in
/// `../shared/reference/holiday-cn/` (beside the repository, in CI as on the development
/// machine), day by day. Missing files fail the test: a skipped check proves nothing.
final class ShippedCalendarTests: XCTestCase {
    static let shippedYears = 2023...2026

    /// The repository root: this file is `<root>/Tests/GongkaiDomainTests/ShippedCalendarTests.swift`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testShippedCalendarsAgreeWithHolidayCNDayByDay() throws {
        let documents = try Self.shippedDocuments()
        XCTAssertEqual(documents.map(\.year), Array(Self.shippedYears))
        let calendar = WorkingDayCalendar(documents)
        for year in Self.shippedYears {
            XCTAssertTrue(calendar.hasCalendar(forYear: year))
            let reference = try Self.holidayCN(year)
            var day = BusinessDate(year: year, month: 1, day: 1)
            var checked = 0
            while day.year == year {
                let expected = reference[day].map { !$0 } ?? (day.weekday <= 5)
                XCTAssertEqual(calendar.isWorkingDay(day), expected, "\(day)")
                checked += 1
                day = day.adding(days: 1)
            }
            XCTAssertEqual(checked, BusinessDate.isLeapYear(year) ? 366 : 365)
            // Dates the reference lists outside its own year (2022-12-31 in 2023) agree too.
            for (date, isOffDay) in reference where date.year != year {
                XCTAssertEqual(calendar.isWorkingDay(date), !isOffDay, "\(date)")
            }
        }
    }

    func testShippedDocumentsMatchTheReferenceExactly() throws {
        for document in try Self.shippedDocuments() {
            let reference = try Self.holidayCN(document.year)
            var holidays: Set<BusinessDate> = []
            for range in document.holidays {
                var day = range.lowerBound
                while day <= range.upperBound { holidays.insert(day); day = day.adding(days: 1) }
            }
            XCTAssertEqual(holidays, Set(reference.filter { $0.value }.keys), "\(document.year) holidays")
            XCTAssertEqual(Set(document.workdays), Set(reference.filter { !$0.value }.keys), "\(document.year) workdays")
        }
    }

    func testShippedNoticesAreThePinnedOnes() throws {
        let notices = try Self.shippedDocuments().map(\.notice)
        XCTAssertEqual(notices, ["国办发明电〔2022〕16号", "国办发明电〔2023〕7号", "国办发明电〔2024〕12号", "国办发明电〔2025〕7号"])
    }

    // MARK: - Loading

    static func shippedDocuments() throws -> [CalendarDocument] {
        try shippedYears.map { year in
            try CalendarDocument(json: parseFile(repositoryRoot.appendingPathComponent("Schemas/calendars/\(year).json")))
        }
    }

    /// holiday-cn's `days` for `year`: date → isOffDay.
    static func holidayCN(_ year: Int) throws -> [BusinessDate: Bool] {
        let url = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/holiday-cn/\(year).json")
        let json = try parseFile(url)
        guard let days = json["days"]?.arrayValue, !days.isEmpty else {
            throw DomainError(url.path, "has no days")
        }
        var result: [BusinessDate: Bool] = [:]
        for entry in days {
            guard let text = entry["date"]?.stringValue, let date = BusinessDate(text),
                  let isOffDay = entry["isOffDay"]?.boolValue else {
                throw DomainError(url.path, "malformed entry \(entry)")
            }
            result[date] = isOffDay
        }
        return result
    }

    private static func parseFile(_ url: URL) throws -> JSONValue {
        guard FileManager.default.fileExists(atPath: url.path) else {
            XCTFail("missing \(url.path)")
            throw DomainError(url.path, "missing")
        }
        return try JSONParser.parse(Array(try Data(contentsOf: url)))
    }
}
