import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import XCTest

/// Due dates in working days, replies on time and late, extensions, pauses and corrections.
final class InquiryTests: XCTestCase {
    func status(_ fixture: FactsFixture, _ unit: String, _ inquiry: String, asof: String) -> InquiryStatus? {
        InquiryEvaluation.all(unit: unit, view: fixture.view(), asof: date(asof)).first { $0.inquiry == inquiry }
    }

    func receive(_ fixture: FactsFixture, _ inquiry: String, unit: String = "rsj", channel: String = "hotline",
                 simple: Bool = false, at: String) throws {
        try fixture.append(["type": "inquiry.received", "unit": .string(unit), "inquiry": .string(inquiry),
                            "channel": .string(channel), "simple": .bool(simple), "at": .string(at)])
    }

    func step(_ fixture: FactsFixture, _ type: String, _ inquiry: String, unit: String = "rsj", at: String, extra: [String: JSONValue] = [:]) throws {
        var fields: [String: JSONValue] = ["type": .string(type), "unit": .string(unit), "inquiry": .string(inquiry), "at": .string(at)]
        for (key, value) in extra { fields[key] = value }
        try fixture.append(fields)
    }

    func testDesignExampleDueDateAcrossNationalDay() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "q1", at: "2023-09-25")
        let open = try XCTUnwrap(status(fixture, "rsj", "q1", asof: "2023-09-30"))
        XCTAssertEqual(open.due, date("2023-10-08"), "Mon 2023-09-25 + 5 working days → Sun 2023-10-08 (a make-up day)")
        XCTAssertEqual(open.state, .open)
        XCTAssertEqual(status(fixture, "rsj", "q1", asof: "2023-10-09")?.state, .overdue)
        XCTAssertEqual(status(fixture, "rsj", "q1", asof: "2023-10-09")?.lateDays, 1)
        try step(fixture, "inquiry.replied", "q1", at: "2023-10-10")
        let late = try XCTUnwrap(status(fixture, "rsj", "q1", asof: "2023-12-31"))
        XCTAssertEqual(late.state, .late)
        XCTAssertEqual(late.lateDays, 2, "10-09 and 10-10 are working days after the due date")
        XCTAssertEqual(late.replied, date("2023-10-10"))
    }

    func testSimpleQuestionHasThreeDaysAndOnTimeReply() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "q2", simple: true, at: "2023-06-20")  // Tue; 06-22..24 holiday, 06-25 make-up
        let open = try XCTUnwrap(status(fixture, "rsj", "q2", asof: "2023-06-20"))
        XCTAssertEqual(open.due, date("2023-06-26"), "06-21 (1), 06-25 make-up Sunday (2), 06-26 (3)")
        try step(fixture, "inquiry.replied", "q2", at: "2023-06-26")
        XCTAssertEqual(status(fixture, "rsj", "q2", asof: "2023-12-31")?.state, .onTime)
    }

    func testApplicationWithExtensionPauseAndCorrection() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "a1", unit: "czj", channel: "application", at: "2023-03-01")
        XCTAssertEqual(status(fixture, "czj", "a1", asof: "2023-03-01")?.limitDays, 20)
        try step(fixture, "inquiry.extended", "a1", unit: "czj", at: "2023-03-20", extra: ["days": 20])
        let extended = try XCTUnwrap(status(fixture, "czj", "a1", asof: "2023-03-20"))
        XCTAssertEqual(extended.limitDays, 40)
        XCTAssertThrowsError(try step(fixture, "inquiry.extended", "a1", unit: "czj", at: "2023-03-21", extra: ["days": 1]),
                             "extensions total at most 20 working days")
        let dueBefore = try XCTUnwrap(extended.due)
        try step(fixture, "inquiry.paused", "a1", unit: "czj", at: "2023-03-22")
        XCTAssertNil(status(fixture, "czj", "a1", asof: "2023-03-30")?.due, "an open pause stops the count")
        try step(fixture, "inquiry.resumed", "a1", unit: "czj", at: "2023-03-24")  // Wed → Fri: Thu and Fri do not count
        let resumed = try XCTUnwrap(status(fixture, "czj", "a1", asof: "2023-03-24"))
        XCTAssertEqual(resumed.due, fixture.view().calendar.dueDate(from: date("2023-03-01"), workingDays: 40,
                                                                    pauses: [.init(pausedAt: date("2023-03-22"), resumedAt: date("2023-03-24"))]))
        XCTAssertGreaterThan(resumed.due!, dueBefore)

        try receive(fixture, "a2", unit: "czj", channel: "application", simple: true, at: "2023-05-08")
        try step(fixture, "inquiry.correction-requested", "a2", unit: "czj", at: "2023-05-09")
        XCTAssertTrue(status(fixture, "czj", "a2", asof: "2023-06-30")!.awaitingCorrection)
        XCTAssertEqual(status(fixture, "czj", "a2", asof: "2023-06-30")?.state, .open)
        try step(fixture, "inquiry.correction-received", "a2", unit: "czj", at: "2023-05-15")
        let restarted = try XCTUnwrap(status(fixture, "czj", "a2", asof: "2023-05-15"))
        XCTAssertEqual(restarted.countFrom, date("2023-05-15"))
        XCTAssertEqual(restarted.due, date("2023-05-24"), "7 working days after Mon 2023-05-15")
    }

    func testHotlineCannotBeExtendedAndRepliesOnlyOnce() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "h1", at: "2023-04-03")
        XCTAssertThrowsError(try step(fixture, "inquiry.extended", "h1", at: "2023-04-04", extra: ["days": 5]))
        try step(fixture, "inquiry.replied", "h1", at: "2023-04-04")
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "h1", at: "2023-04-05"))
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "h1", unit: "czj", at: "2023-04-05"), "belongs to another unit")
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "nope", at: "2023-04-05"), "unknown inquiry")
        XCTAssertThrowsError(try receive(fixture, "h1", at: "2023-04-06"), "received twice")
    }

    func testReplyBeforeReceiptIsRefused() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "h2", at: "2023-04-10")
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "h2", at: "2023-04-09")) { error in
            XCTAssertEqual((error as? DomainError)?.field, "at")
        }
    }
}
