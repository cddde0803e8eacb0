import XCTest
@testable import GongkaiDomain

/// Hand-checked due dates. Every expectation below was worked out on a printed calendar
/// (2023-01-01 was a Sunday) with the pinned holiday table of DESIGN.md, which these tests
/// build inline so they do not depend on the shipped files (ShippedCalendarTests checks those).
final class WorkingDayCalendarTests: XCTestCase {
    private let calendar = WorkingDayCalendar(pinnedDocuments())

    // MARK: - isWorkingDay

    func testWorkingDaysAroundThe2023Holidays() {
        let expectations: [(String, Bool)] = [
            ("2022-12-30", true), ("2022-12-31", false), ("2023-01-01", false), ("2023-01-02", false), ("2023-01-03", true),
            ("2023-01-20", true), ("2023-01-21", false), ("2023-01-23", false), ("2023-01-27", false),
            ("2023-01-28", true), ("2023-01-29", true), ("2023-01-30", true), ("2023-02-04", false),
            ("2023-04-04", true), ("2023-04-05", false), ("2023-04-06", true), ("2023-04-22", false), ("2023-04-23", true),
            ("2023-04-28", true), ("2023-04-29", false), ("2023-05-01", false), ("2023-05-03", false), ("2023-05-04", true),
            ("2023-05-06", true), ("2023-05-07", false),
            ("2023-06-21", true), ("2023-06-22", false), ("2023-06-23", false), ("2023-06-24", false), ("2023-06-25", true),
            ("2023-09-28", true), ("2023-09-29", false), ("2023-10-02", false), ("2023-10-06", false),
            ("2023-10-07", true), ("2023-10-08", true), ("2023-10-09", true), ("2023-10-14", false),
            ("2023-07-01", false), ("2023-07-03", true),
        ]
        for (text, working) in expectations {
            XCTAssertEqual(calendar.isWorkingDay(date(text)), working, text)
        }
    }

    func testWithoutDocumentsMondayToFridayOnly() {
        let plain = WorkingDayCalendar()
        XCTAssertFalse(plain.isWorkingDay(date("2023-01-28")))
        XCTAssertTrue(plain.isWorkingDay(date("2023-10-02")))
        XCTAssertFalse(plain.hasCalendar(forYear: 2023))
    }

    func testYearCounts() {
        // 2023: 260 weekdays, 18 of them holidays (01-02, 01-23…27, 04-05, 05-01…03, 06-22…23,
        // 09-29, 10-02…06), plus 7 make-up days.
        XCTAssertEqual(calendar.workingDays(after: date("2022-12-31"), through: date("2023-12-31")), 249)
        // 2024 (leap, starts Monday): 262 weekdays − 19 holidays + 8 make-up days.
        XCTAssertEqual(calendar.workingDays(after: date("2023-12-31"), through: date("2024-12-31")), 251)
        // 2027 has no calendar: 261 weekdays.
        XCTAssertEqual(calendar.workingDays(after: date("2026-12-31"), through: date("2027-12-31")), 261)
    }

    // MARK: - Due dates around every 2023 holiday and make-up day

    func testDESIGNExample() {
        // Received Mon 2023-09-25, limit 5: 26, 27, 28, then 29 Sep – 6 Oct off, then the
        // make-up days Sat 10-07 and Sun 10-08.
        XCTAssertEqual(due("2023-09-25", 5), "2023-10-08")
    }

    func testNewYear2023() {
        // Holidays Sat 12-31 – Mon 01-02; 2022 itself has no adopted calendar.
        XCTAssertEqual(due("2022-12-30", 1), "2023-01-03")
        XCTAssertEqual(due("2022-12-30", 5), "2023-01-09")   // 3, 4, 5, 6, 9
        XCTAssertEqual(due("2022-12-29", 3), "2023-01-04")   // 30, 3, 4
        XCTAssertEqual(due("2023-01-01", 3), "2023-01-05")   // received on the holiday: 3, 4, 5
    }

    func testSpringFestival2023() {
        // Holidays Sat 01-21 – Fri 01-27; make-up Sat 01-28 and Sun 01-29.
        XCTAssertEqual(due("2023-01-20", 3), "2023-01-30")   // 28, 29, 30
        XCTAssertEqual(due("2023-01-19", 5), "2023-01-31")   // 20, 28, 29, 30, 31
        XCTAssertEqual(due("2023-01-19", 7), "2023-02-02")
        XCTAssertEqual(due("2023-01-19", 20), "2023-02-21")
        XCTAssertEqual(due("2023-01-23", 3), "2023-01-30")
        XCTAssertEqual(due("2023-01-27", 1), "2023-01-28")
        XCTAssertEqual(due("2023-01-28", 1), "2023-01-29")   // received on a make-up day
        XCTAssertEqual(due("2023-01-29", 5), "2023-02-03")
    }

    func testQingming2023() {
        // Wed 04-05 off.
        XCTAssertEqual(due("2023-04-03", 3), "2023-04-07")   // 4, 6, 7
        XCTAssertEqual(due("2023-04-04", 1), "2023-04-06")
        XCTAssertEqual(due("2023-04-05", 5), "2023-04-12")   // 6, 7, 10, 11, 12
        XCTAssertEqual(due("2023-03-31", 20), "2023-04-28")  // 3,4 | 6,7 | 10-14 | 17-21 | 23 (Sun make-up) | 24-28
    }

    func testLabourDay2023() {
        // Make-up Sun 04-23; holidays Sat 04-29 – Wed 05-03; make-up Sat 05-06.
        XCTAssertEqual(due("2023-04-21", 1), "2023-04-23")
        XCTAssertEqual(due("2023-04-21", 3), "2023-04-25")   // 23, 24, 25
        XCTAssertEqual(due("2023-04-27", 5), "2023-05-08")   // 28, 4, 5, 6, 8
        XCTAssertEqual(due("2023-04-27", 7), "2023-05-10")
        XCTAssertEqual(due("2023-05-05", 1), "2023-05-06")
        XCTAssertEqual(due("2023-04-28", 3), "2023-05-06")   // 4, 5, 6
    }

    func testDragonBoat2023() {
        // Holidays Thu 06-22 – Sat 06-24; make-up Sun 06-25.
        XCTAssertEqual(due("2023-06-21", 3), "2023-06-27")   // 25, 26, 27
        XCTAssertEqual(due("2023-06-21", 7), "2023-07-03")   // 25-30, 3
        XCTAssertEqual(due("2023-06-20", 1), "2023-06-21")
        XCTAssertEqual(due("2023-06-24", 1), "2023-06-25")
        XCTAssertEqual(due("2023-06-16", 5), "2023-06-26")   // 19, 20, 21, 25, 26
    }

    func testNationalDay2023() {
        // Holidays Fri 09-29 – Fri 10-06; make-up Sat 10-07 and Sun 10-08.
        XCTAssertEqual(due("2023-09-25", 20), "2023-10-27")
        XCTAssertEqual(due("2023-09-28", 3), "2023-10-09")   // 7, 8, 9
        XCTAssertEqual(due("2023-09-28", 7), "2023-10-13")
        XCTAssertEqual(due("2023-10-01", 1), "2023-10-07")
        XCTAssertEqual(due("2023-10-07", 1), "2023-10-08")
        XCTAssertEqual(due("2023-10-08", 5), "2023-10-13")
        XCTAssertEqual(due("2023-09-22", 5), "2023-10-07")   // 25, 26, 27, 28, 7
    }

    // MARK: - Across year ends

    func testAcrossYearEnds() {
        // 2023-12-28 Thu: 29 | 2024-01-01 off | 2, 3, 4, 5.
        XCTAssertEqual(due("2023-12-28", 5), "2024-01-05")
        // 2024-12-31 Tue: 2025-01-01 off | 2, 3, 6.
        XCTAssertEqual(due("2024-12-31", 3), "2025-01-06")
        // 2025-12-30 Tue: 31 | 2026-01-01…03 off | Sun 01-04 make-up | 5-9 | 12-16 | 19-23 | 26, 27, 28.
        XCTAssertEqual(due("2025-12-30", 20), "2026-01-28")
        XCTAssertEqual(due("2025-12-30", 7), "2026-01-09")
        // 2024 Spring Festival: Fri 02-09 | 02-10…17 off | Sun 02-18 make-up | 19, 20, 21.
        XCTAssertEqual(due("2024-02-08", 5), "2024-02-21")
    }

    func testYearWithoutCalendarCountsMondayToFriday() {
        XCTAssertFalse(calendar.hasCalendar(forYear: 2027))
        XCTAssertTrue(calendar.hasCalendar(forYear: 2026))
        // 2026-12-30 Wed: 31 | Fri 2027-01-01 counts (no 2027 calendar) | 4, 5, 6.
        XCTAssertEqual(due("2026-12-30", 5), "2027-01-06")
        XCTAssertEqual(due("2027-02-01", 5), "2027-02-08")
        XCTAssertEqual(calendar.yearsWithoutCalendar(from: date("2026-12-30"), through: date("2027-01-06")), [2027])
        XCTAssertEqual(calendar.yearsWithoutCalendar(from: date("2023-09-25"), through: date("2023-10-08")), [])
        XCTAssertEqual(calendar.yearsWithoutCalendar(from: date("2027-01-06"), through: date("2021-06-01")), [2021, 2022, 2027])
    }

    // MARK: - Pauses

    func testClosedPauseSkipsPausedWorkingDays() {
        // Application received Mon 2023-03-06, limit 20, paused Wed 03-08, resumed Mon 03-13:
        // 7, 8 count; 9, 10, 13 do not; then 14-17, 20-24, 27-31, 4-3, 4-4, (4-5 off), 4-6, 4-7.
        let pause = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: date("2023-03-13"))
        XCTAssertEqual(due("2023-03-06", 20), "2023-04-03")
        XCTAssertEqual(due("2023-03-06", 20, [pause]), "2023-04-07")
    }

    func testPauseBeforeTheStartAndOverlappingPauses() {
        let early = WorkingDayCalendar.Pause(pausedAt: date("2023-03-01"), resumedAt: date("2023-03-07"))
        XCTAssertEqual(due("2023-03-06", 20, [early]), "2023-04-04")   // 03-07 is paused
        let first = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: date("2023-03-13"))
        let second = WorkingDayCalendar.Pause(pausedAt: date("2023-03-10"), resumedAt: date("2023-03-15"))
        // Paused 9, 10, 13, 14, 15: 7, 8, 16, 17, 20-24, 27-31, 4-3, 4-4, 4-6, 4-7, 4-10, 4-11.
        XCTAssertEqual(due("2023-03-06", 20, [second, first]), "2023-04-11")
    }

    func testPauseOverAHoliday() {
        // Mon 09-25, limit 5, paused 09-27 to 10-09: 26, 27 count; 28, 10-07, 10-08, 10-09 paused;
        // then 10, 11, 12.
        let pause = WorkingDayCalendar.Pause(pausedAt: date("2023-09-27"), resumedAt: date("2023-10-09"))
        XCTAssertEqual(due("2023-09-25", 5, [pause]), "2023-10-12")
    }

    func testPauseResumedTheSameDayPausesNothing() {
        let pause = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: date("2023-03-08"))
        XCTAssertEqual(due("2023-03-06", 20, [pause]), "2023-04-03")
    }

    func testOpenPauseNeverEnds() {
        let open = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: nil)
        XCTAssertNil(calendar.dueDate(from: date("2023-03-06"), workingDays: 20, pauses: [open]))
        // A pause opened after the due date was reached does not move it.
        let late = WorkingDayCalendar.Pause(pausedAt: date("2023-04-10"), resumedAt: nil)
        XCTAssertEqual(due("2023-03-06", 20, [late]), "2023-04-03")
        // Opened on the due date itself: the due day counted (d > pausedAt only are paused).
        let onDue = WorkingDayCalendar.Pause(pausedAt: date("2023-04-03"), resumedAt: nil)
        XCTAssertEqual(due("2023-03-06", 20, [onDue]), "2023-04-03")
        let dayBefore = WorkingDayCalendar.Pause(pausedAt: date("2023-03-31"), resumedAt: nil)
        XCTAssertNil(calendar.dueDate(from: date("2023-03-06"), workingDays: 20, pauses: [dayBefore]))
    }

    func testSearchIsBounded() {
        let decade = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: date("2034-01-01"))
        XCTAssertNil(calendar.dueDate(from: date("2023-03-06"), workingDays: 20, pauses: [decade]))
        XCTAssertNil(calendar.dueDate(from: date("2023-03-06"), workingDays: 3000))
        XCTAssertNil(calendar.dueDate(from: date("2023-03-06"), workingDays: -1))
        XCTAssertEqual(due("2023-03-06", 0), "2023-03-06")
        // 207 left in 2023, 251 + 248 + 248 in 2024-26, then Mon–Fri only: 261 (2027), 260 (2028),
        // 261 (2029), 261 (2030) make 1997; 2031-01-01, 02, 03 are the last three.
        XCTAssertEqual(due("2023-03-06", 2000), "2031-01-03")
    }

    // MARK: - lateDays

    func testLateDays() {
        XCTAssertEqual(late("2023-10-08", "2023-10-08"), 0)   // on the due date
        XCTAssertEqual(late("2023-10-08", "2023-10-01"), 0)   // early
        XCTAssertEqual(late("2023-10-08", "2023-10-10"), 2)   // 9, 10
        XCTAssertEqual(late("2023-09-28", "2023-10-06"), 0)   // only holidays after the due date
        XCTAssertEqual(late("2023-09-28", "2023-10-07"), 1)   // the make-up Saturday
        XCTAssertEqual(late("2023-01-20", "2023-01-30"), 3)   // 28, 29, 30
        XCTAssertEqual(late("2023-12-29", "2024-01-02"), 1)   // 2024-01-01 off
        XCTAssertEqual(late("2023-04-28", "2023-05-07"), 3)   // 4, 5, 6
        XCTAssertEqual(late("2026-12-31", "2027-01-08"), 6)   // no 2027 calendar: 1, 4-8
    }

    func testWorkingDaysWithPauses() {
        let closed = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: date("2023-03-13"))
        XCTAssertEqual(calendar.workingDays(after: date("2023-03-06"), through: date("2023-03-17")), 9)
        XCTAssertEqual(calendar.workingDays(after: date("2023-03-06"), through: date("2023-03-17"), pauses: [closed]), 6)
        let open = WorkingDayCalendar.Pause(pausedAt: date("2023-03-08"), resumedAt: nil)
        XCTAssertEqual(calendar.workingDays(after: date("2023-03-06"), through: date("2023-03-17"), pauses: [open]), 2)
        XCTAssertEqual(calendar.workingDays(after: date("2023-03-06"), through: date("2023-03-17"), pauses: [open, closed]), 2)
    }

    /// The count and the search agree: from every start date in 2022-12…2027-01, the due date is
    /// a working day and exactly `limit` working days come after the start through it.
    func testDueDateAndCountAgree() {
        let pause = WorkingDayCalendar.Pause(pausedAt: date("2024-05-08"), resumedAt: date("2024-05-20"))
        var start = date("2022-12-01")
        while start < date("2027-01-31") {
            for limit in [1, 3, 5, 7, 20, 40] {
                for pauses in [[], [pause]] {
                    guard let due = calendar.dueDate(from: start, workingDays: limit, pauses: pauses) else {
                        return XCTFail("no due date from \(start)")
                    }
                    XCTAssertTrue(calendar.isWorkingDay(due), "\(start) + \(limit)")
                    XCTAssertEqual(calendar.workingDays(after: start, through: due, pauses: pauses), limit, "\(start) + \(limit)")
                    XCTAssertEqual(calendar.workingDays(after: start, through: due.adding(days: -1), pauses: pauses), limit - 1)
                }
            }
            start = start.adding(days: 1)
        }
    }

    /// The arithmetic count agrees with a day-by-day count.
    func testWorkingDaysMatchesADayByDayCount() {
        var after = date("2022-11-20")
        while after < date("2027-02-01") {
            var count = 0
            var day = after
            for span in 0..<60 {
                day = day.adding(days: 1)
                if calendar.isWorkingDay(day) { count += 1 }
                if span % 7 == 0 || span == 59 {
                    XCTAssertEqual(calendar.workingDays(after: after, through: day), count, "\(after)…\(day)")
                }
            }
            after = after.adding(days: 5)
        }
    }

    // MARK: - Documents

    func testLaterDocumentForAYearReplacesTheEarlier() throws {
        let first = try CalendarDocument(year: 2023, notice: "first", holidays: [date("2023-03-01")...date("2023-03-01")],
                                         workdays: [date("2023-03-04")])
        let corrected = try CalendarDocument(year: 2023, notice: "corrected", holidays: [date("2023-03-02")...date("2023-03-02")],
                                             workdays: [])
        let replaced = WorkingDayCalendar([first, corrected])
        XCTAssertTrue(replaced.isWorkingDay(date("2023-03-01")))
        XCTAssertFalse(replaced.isWorkingDay(date("2023-03-02")))
        XCTAssertFalse(replaced.isWorkingDay(date("2023-03-04")))
        XCTAssertEqual(replaced.documents.map(\.notice), ["corrected"])
        XCTAssertEqual(WorkingDayCalendar([first]).adopting(corrected).documents, [corrected])
    }

    func testAnOwnYearDocumentWinsOverANeighbour() throws {
        // The 2023 notice calls 2022-12-31 a holiday; a (hypothetical) 2022 notice calling it a
        // make-up day decides, being about its own year.
        let own = try CalendarDocument(year: 2022, notice: "2022", holidays: [], workdays: [date("2022-12-31")])
        let neighbour = pinnedDocuments()[0]
        XCTAssertTrue(WorkingDayCalendar([own, neighbour]).isWorkingDay(date("2022-12-31")))
        XCTAssertTrue(WorkingDayCalendar([neighbour, own]).isWorkingDay(date("2022-12-31")))
        XCTAssertFalse(WorkingDayCalendar([neighbour]).isWorkingDay(date("2022-12-31")))
    }

    // MARK: - Helpers

    private func due(_ start: String, _ limit: Int, _ pauses: [WorkingDayCalendar.Pause] = []) -> String? {
        calendar.dueDate(from: date(start), workingDays: limit, pauses: pauses)?.description
    }

    private func late(_ due: String, _ replied: String) -> Int {
        calendar.workingDays(after: date(due), through: date(replied))
    }
}

private func date(_ text: String) -> BusinessDate {
    guard let date = BusinessDate(text) else { fatalError("bad test date \(text)") }
    return date
}

/// DESIGN.md's pinned holiday table.
private func pinnedDocuments() -> [CalendarDocument] {
    let table: [(Int, String, [(String, String)], [String])] = [
        (2023, "国办发明电〔2022〕16号",
         [("2022-12-31", "2023-01-02"), ("2023-01-21", "2023-01-27"), ("2023-04-05", "2023-04-05"),
          ("2023-04-29", "2023-05-03"), ("2023-06-22", "2023-06-24"), ("2023-09-29", "2023-10-06")],
         ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"]),
        (2024, "国办发明电〔2023〕7号",
         [("2024-01-01", "2024-01-01"), ("2024-02-10", "2024-02-17"), ("2024-04-04", "2024-04-06"), ("2024-05-01", "2024-05-05"),
          ("2024-06-10", "2024-06-10"), ("2024-09-15", "2024-09-17"), ("2024-10-01", "2024-10-07")],
         ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12"]),
        (2025, "国办发明电〔2024〕12号",
         [("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"), ("2025-05-01", "2025-05-05"),
          ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")],
         ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]),
        (2026, "国办发明电〔2025〕7号",
         [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"), ("2026-05-01", "2026-05-05"),
          ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"), ("2026-10-01", "2026-10-07")],
         ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]),
    ]
    return table.map { year, notice, holidays, workdays in
        try! CalendarDocument(year: year, notice: notice, holidays: holidays.map { date($0.0)...date($0.1) },
                              workdays: workdays.map(date))
    }
}
