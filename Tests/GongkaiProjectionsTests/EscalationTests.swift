import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import XCTest

/// Rules E1 (≥3 county notices) and E2 (≥2 city + province notices) within the year.
final class EscalationTests: XCTestCase {
    func testThreeCountyNoticesRequireAnInterviewAndVoidingOneGoesBackToWatch() throws {
        let fixture = try FactsFixture()
        _ = try fixture.notice("czj", "county", "2023-03-02")
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "czj", view: fixture.view(), asof: date("2023-12-31"))?.state, .clear)
        let second = try fixture.notice("czj", "county", "2023-05-04")
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "czj", view: fixture.view(), asof: date("2023-12-31"))?.state, .watch)
        _ = try fixture.notice("czj", "county", "2023-07-06")
        let required = try XCTUnwrap(EscalationEvaluation.evaluate(unit: "czj", view: fixture.view(), asof: date("2023-12-31")))
        XCTAssertEqual(required.state, .interviewRequired)
        XCTAssertEqual(required.rule, "E1")
        XCTAssertEqual(required.triggeredAt, date("2023-07-06"))
        XCTAssertEqual(required.county, 3)
        // As of a date before the third notice, the unit was on watch.
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "czj", view: fixture.view(), asof: date("2023-07-05"))?.state, .watch)

        try fixture.append(["type": "event.voided", "target": .number(Double(second)), "reason": "通报撤回", "at": "2023-08-01"])
        let afterVoid = try XCTUnwrap(EscalationEvaluation.evaluate(unit: "czj", view: fixture.view(), asof: date("2023-12-31")))
        XCTAssertEqual(afterVoid.state, .watch)
        XCTAssertEqual(afterVoid.county, 2)
    }

    func testCityPlusProvinceTriggersE2AndAnInterviewResolvesIt() throws {
        let fixture = try FactsFixture()
        _ = try fixture.notice("gxj", "city", "2023-04-03")
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "gxj", view: fixture.view(), asof: date("2023-12-31"))?.state, .watch)
        _ = try fixture.notice("gxj", "province", "2023-06-05")
        let status = try XCTUnwrap(EscalationEvaluation.evaluate(unit: "gxj", view: fixture.view(), asof: date("2023-12-31")))
        XCTAssertEqual(status.state, .interviewRequired)
        XCTAssertEqual(status.rule, "E2")
        XCTAssertEqual(status.cityProvince, 2)
        try fixture.append(["type": "interview.held", "unit": "gxj", "at": "2023-06-20"])
        let after = try XCTUnwrap(EscalationEvaluation.evaluate(unit: "gxj", view: fixture.view(), asof: date("2023-12-31")))
        XCTAssertEqual(after.state, .interviewed)
        XCTAssertEqual(after.interviewedAt, date("2023-06-20"))
        // A second one is refused, saying when the year's interview was held.
        XCTAssertThrowsError(try fixture.append(["type": "interview.held", "unit": "gxj", "at": "2023-07-20"])) { error in
            XCTAssertTrue("\(error)".contains("its escalation state is interviewed (held on 2023-06-20 for this year's requirement: one interview a year)"),
                          "\(error)")
        }
    }

    func testInterviewIsRefusedWhenNoneIsRequired() throws {
        let fixture = try FactsFixture()
        XCTAssertThrowsError(try fixture.append(["type": "interview.held", "unit": "gxj", "at": "2023-06-20"])) { error in
            XCTAssertEqual((error as? DomainError)?.field, "type")
        }
    }

    func testNoticesOutsideTheCatalogYearDoNotCount() throws {
        let fixture = try FactsFixture()
        for day in ["2024-01-05", "2024-02-05", "2024-03-05"] { _ = try fixture.notice("sjj", "county", day) }
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "sjj", view: fixture.view(), asof: date("2024-06-01"))?.state, .clear)
    }

    func testEscalationsAnswerListsUnitsWithNotices() throws {
        let fixture = try FactsFixture()
        _ = try fixture.notice("gxj", "city", "2023-04-03")
        let answer = EscalationEvaluation.answer(view: fixture.view(), asof: date("2023-12-31"))
        XCTAssertEqual(answer["year"]?.integerValue, 2023)
        XCTAssertEqual(answer["units"]?.arrayValue?.map { $0["unit"]!.stringValue! }, ["gxj"])
        XCTAssertEqual(answer["units"]?.arrayValue?.first?["state"]?.stringValue, "watch")
    }
}
