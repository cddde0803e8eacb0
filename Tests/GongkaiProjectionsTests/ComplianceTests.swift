import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import XCTest

/// Periodic, deadline and meeting obligations judged at a business date.
final class ComplianceTests: XCTestCase {
    func statuses(_ answer: JSONValue, _ obligation: String) -> [String: String] {
        let entry = answer["obligations"]!.arrayValue!.first { $0["id"]?.stringValue == obligation }!
        var result: [String: String] = [:]
        for period in entry["periods"]?.arrayValue ?? [] {
            result[period["period"]!.stringValue!] = period["status"]!.stringValue!
        }
        return result
    }

    func testMonthlyPublicationsMissedAndPending() throws {
        let fixture = try FactsFixture()
        try fixture.publish("dongshan", "T01", "2023-01-15")
        try fixture.publish("dongshan", "T01", "2023-02-03")
        let answer = ComplianceEvaluation.answer(unit: "dongshan", view: fixture.view(), asof: date("2023-04-10"))
        XCTAssertEqual(statuses(answer, "T01"), ["2023-01": "met", "2023-02": "met", "2023-03": "missed", "2023-04": "pending"],
                       "only periods begun by asof; March ended without a publication")
        let january = answer["obligations"]!.arrayValue!.first { $0["id"]?.stringValue == "T01" }!["periods"]!.arrayValue![0]
        XCTAssertEqual(january["count"]?.integerValue, 1)
        XCTAssertEqual(answer["unit"]?.stringValue, "dongshan")
        XCTAssertEqual(answer["asof"]?.stringValue, "2023-04-10")
        // Quarterly (T08a, townships) and yearly (T04a) periods.
        XCTAssertEqual(statuses(answer, "T08a"), ["2023-Q1": "missed", "2023-Q2": "pending"])
        XCTAssertEqual(statuses(answer, "T04a"), ["2023": "pending"])
        XCTAssertNil(answer["obligations"]!.arrayValue!.first { $0["id"]?.stringValue == "T02" }, "T02 binds fgw gxj xzspj only")
    }

    func testPublicationAfterAsofDoesNotCountYet() throws {
        let fixture = try FactsFixture()
        try fixture.publish("fgw", "T02", "2023-05-20")
        let before = ComplianceEvaluation.answer(unit: "fgw", view: fixture.view(), asof: date("2023-05-19"))
        let after = ComplianceEvaluation.answer(unit: "fgw", view: fixture.view(), asof: date("2023-05-20"))
        XCTAssertEqual(statuses(before, "T02")["2023-05"], "pending")
        XCTAssertEqual(statuses(after, "T02")["2023-05"], "met")
    }

    func deadline(_ answer: JSONValue, _ obligation: String) -> (String, String?) {
        let entry = answer["obligations"]!.arrayValue!.first { $0["id"]?.stringValue == obligation }!
        return (entry["status"]!.stringValue!, entry["completed"]?.stringValue)
    }

    func testDeadlineMetLateMissedPending() throws {
        let fixture = try FactsFixture()
        try fixture.append(["type": "task.completed", "unit": "sfj", "obligation": "T06a", "at": "2023-10-30"])
        try fixture.append(["type": "task.completed", "unit": "czj", "obligation": "T06a", "at": "2023-11-02"])
        let view = fixture.view()
        XCTAssertEqual(deadline(ComplianceEvaluation.answer(unit: "sfj", view: view, asof: date("2023-12-01")), "T06a").0, "met")
        XCTAssertEqual(deadline(ComplianceEvaluation.answer(unit: "czj", view: view, asof: date("2023-12-01")), "T06a").0, "late")
        XCTAssertEqual(deadline(ComplianceEvaluation.answer(unit: "czj", view: view, asof: date("2023-10-31")), "T06a").0, "missed")
        XCTAssertEqual(deadline(ComplianceEvaluation.answer(unit: "czj", view: view, asof: date("2023-10-30")), "T06a").0, "pending")
        XCTAssertEqual(deadline(ComplianceEvaluation.answer(unit: "czj", view: view, asof: date("2023-12-01")), "T06a").1, "2023-11-02")
    }

    func testMeetingsPerQuarterAndHalf() throws {
        let fixture = try FactsFixture()
        try fixture.append(["type": "meeting.held", "unit": "zfb", "meeting": "report-heard", "at": "2023-02-10"])
        try fixture.append(["type": "meeting.held", "unit": "zfb", "meeting": "special-study", "at": "2023-08-10"])
        let answer = ComplianceEvaluation.answer(unit: "zfb", view: fixture.view(), asof: date("2023-08-31"))
        XCTAssertEqual(statuses(answer, "M1"), ["2023-Q1": "met", "2023-Q2": "missed", "2023-Q3": "pending"])
        XCTAssertEqual(statuses(answer, "M2"), ["2023-H1": "missed", "2023-H2": "met"])
        let summary = answer["summary"]!
        XCTAssertGreaterThan(summary["missed"]!.integerValue!, 0)
    }

    func testVoidedPublicationStopsCountingFromTheVoidOn() throws {
        let fixture = try FactsFixture()
        try fixture.publish("anhe", "T01", "2023-03-05")
        let publication = fixture.facts.size
        try fixture.append(["type": "event.voided", "target": .number(Double(publication)), "reason": "重复登记", "at": "2023-04-01"])
        let asof = date("2023-04-10")
        XCTAssertEqual(statuses(ComplianceEvaluation.answer(unit: "anhe", view: fixture.view(), asof: asof), "T01")["2023-03"], "missed")
        XCTAssertEqual(statuses(ComplianceEvaluation.answer(unit: "anhe", view: fixture.view(known: publication), asof: asof), "T01")["2023-03"], "met",
                       "before the void was recorded, the publication counted")
    }

    func testKnownIgnoresLaterRecordsAndLaterCatalogs() throws {
        let fixture = try FactsFixture()
        try fixture.publish("dongshan", "T01", "2023-01-15")
        let known = fixture.facts.size
        try fixture.publish("dongshan", "T01", "2023-02-15")
        let then = ComplianceEvaluation.answer(unit: "dongshan", view: fixture.view(known: known), asof: date("2023-03-10"))
        XCTAssertEqual(statuses(then, "T01")["2023-02"], "missed")
        XCTAssertEqual(then["known"]?.integerValue, Int64(known))
    }
}
