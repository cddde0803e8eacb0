import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import XCTest

/// The monthly bulletin (政务公开月报): what it finds for a month once the month is over.
final class BulletinTests: XCTestCase {
    func row(_ answer: JSONValue, _ unit: String) -> JSONValue {
        answer["units"]!.arrayValue!.first { $0["unit"]?.stringValue == unit }!
    }

    func testMonthJudgedWhenOverWithPublicationsNoticesRepliesAndFewest() throws {
        let fixture = try FactsFixture()
        for unit in ["dongshan", "czj", "gxj"] { try fixture.publish(unit, "T01", "2023-06-12") }
        try fixture.publish("czj", "T01", "2023-06-20")
        _ = try fixture.notice("gxj", "county", "2023-06-15")
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "b1", "channel": "online", "simple": true, "at": "2023-06-01"])
        try fixture.append(["type": "inquiry.replied", "unit": "czj", "inquiry": "b1", "at": "2023-06-15"])
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "b2", "channel": "hotline", "simple": false, "at": "2023-06-05"])
        try fixture.append(["type": "task.completed", "unit": "czj", "obligation": "T18a", "at": "2023-06-30"])
        let answer = BulletinReport.answer(year: 2023, month: 6, view: fixture.view())
        XCTAssertEqual(answer["asof"]?.stringValue, "2023-06-30")
        XCTAssertEqual(answer["units"]?.arrayValue?.count, 37)
        let czj = row(answer, "czj")
        XCTAssertEqual(czj["publications"]?.integerValue, 2)
        XCTAssertEqual(czj["lateReplies"]?.arrayValue, ["b1"])
        XCTAssertEqual(czj["overdueReplies"]?.arrayValue, ["b2"])
        XCTAssertFalse(czj["missed"]!.arrayValue!.contains("T18a 2023-06-30"), "done on its due date")
        XCTAssertFalse(czj["missed"]!.arrayValue!.contains("T01 2023-06"))
        // June's own monthly period ends on the 30th: a unit that published nothing missed it,
        // and the deadline due on the 30th is missed too.
        let anhe = row(answer, "anhe")
        XCTAssertTrue(anhe["missed"]!.arrayValue!.contains("T01 2023-06"), "\(anhe)")
        XCTAssertTrue(anhe["missed"]!.arrayValue!.contains("T18a 2023-06-30"), "\(anhe)")
        XCTAssertTrue(anhe["missed"]!.arrayValue!.contains("M1 2023-Q2"), "\(anhe)")
        XCTAssertEqual(row(answer, "gxj")["notices"]?.arrayValue?.count, 1)
        XCTAssertEqual(row(answer, "gxj")["escalation"]?.stringValue, "clear")
        // 34 units published nothing: all tied, all listed, all first (并列).
        let fewest = answer["fewestPublications"]!.arrayValue!
        XCTAssertEqual(fewest.count, 34)
        XCTAssertTrue(fewest.allSatisfy { $0["publications"]?.integerValue == 0 && $0["rank"]?.integerValue == 1 })
        XCTAssertFalse(fewest.contains { ["czj", "dongshan", "gxj"].contains($0["unit"]?.stringValue) })
    }

    /// The five fewest and every unit tied with the fifth; a rank is 1 + those that published less.
    func testFewestPublicationsShareRanksAndListEveryUnitTiedWithTheFifth() throws {
        let fixture = try FactsFixture()
        let units = try XCTUnwrap(fixture.view().catalog?.units.map(\.id))
        // Every unit publishes three times but for: one unit none, two units once, six units twice.
        let counts = [0, 1, 1, 2, 2, 2, 2, 2, 2]
        for (index, unit) in units.enumerated() {
            let times = index < counts.count ? counts[index] : 3
            for day in 0..<times { try fixture.publish(unit, "T01", String(format: "2023-06-%02d", 12 + day)) }
        }
        let fewest = try XCTUnwrap(BulletinReport.answer(year: 2023, month: 6, view: fixture.view())["fewestPublications"]?.arrayValue)
        XCTAssertEqual(fewest.map { $0["unit"]?.stringValue }, Array(units.prefix(9)))
        XCTAssertEqual(fewest.map { $0["rank"]?.integerValue }, [1, 2, 2, 4, 4, 4, 4, 4, 4])
        XCTAssertEqual(fewest.map { $0["publications"]?.integerValue }, counts.map { Int64($0) })
    }

    func testNothingDoneAfterTheMonthCountsForIt() throws {
        let fixture = try FactsFixture()
        try fixture.append(["type": "task.completed", "unit": "dongshan", "obligation": "T09", "at": "2023-08-01"])
        try fixture.append(["type": "task.completed", "unit": "czj", "obligation": "T18a", "at": "2023-07-01"])
        let july = BulletinReport.answer(year: 2023, month: 7, view: fixture.view())
        XCTAssertTrue(row(july, "dongshan")["missed"]!.arrayValue!.contains("T09 2023-07-30"), "done on 08-01: July missed it")
        let june = BulletinReport.answer(year: 2023, month: 6, view: fixture.view())
        XCTAssertTrue(row(june, "czj")["missed"]!.arrayValue!.contains("T18a 2023-06-30"), "due on the last day, done the day after")
        XCTAssertNil(june["calendarNote"], "2023 has a holiday calendar")
    }

    /// A deadline task done late is reported in the month it was done: one due and done late
    /// within a month was never found missed, and no bulletin named it.
    func testATaskDoneLateIsReportedInTheMonthItWasDone() throws {
        let fixture = try FactsFixture()
        try fixture.append(["type": "task.completed", "unit": "shuangxi", "obligation": "T09", "at": "2023-07-31"])
        try fixture.append(["type": "task.completed", "unit": "anhe", "obligation": "T09", "at": "2023-08-01"])
        try fixture.append(["type": "task.completed", "unit": "dongshan", "obligation": "T09", "at": "2023-07-30"])
        let july = BulletinReport.answer(year: 2023, month: 7, view: fixture.view())
        let august = BulletinReport.answer(year: 2023, month: 8, view: fixture.view())
        func list(_ answer: JSONValue, _ unit: String, _ key: String) -> [String] {
            row(answer, unit)[key]!.arrayValue!.compactMap(\.stringValue).filter { $0.hasPrefix("T09") }
        }
        XCTAssertEqual(list(july, "shuangxi", "lateTasks"), ["T09 2023-07-30"])
        XCTAssertEqual(list(july, "shuangxi", "missed"), [])
        XCTAssertEqual(list(july, "anhe", "missed"), ["T09 2023-07-30"], "not done by July's end")
        XCTAssertEqual(list(july, "anhe", "lateTasks"), [])
        XCTAssertEqual(list(august, "anhe", "lateTasks"), ["T09 2023-07-30"], "done late in August")
        XCTAssertEqual(list(july, "dongshan", "lateTasks") + list(july, "dongshan", "missed"), [], "done on the due date")
        XCTAssertEqual(july["totals"]?["lateTasks"]?.integerValue, 1)
        XCTAssertEqual(august["totals"]?["lateTasks"]?.integerValue, 1)
    }

    func testAMonthInAYearWithNoCalendarSaysSo() throws {
        let fixture = try FactsFixture(today: date("2027-03-01"))
        let answer = BulletinReport.answer(year: 2027, month: 2, view: fixture.view())
        XCTAssertEqual(answer["calendarNote"]?.stringValue,
                       "no holiday calendar adopted for 2027; working days counted Monday–Friday only")
    }
}
