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

    /// 补正 answers a request: it cannot be dated before the request, and once the request is
    /// voided it no longer restarts the count (validation would not take it without one).
    func testACorrectionCountsOnlyAsTheAnswerToARequest() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "c1", unit: "swj", channel: "application", at: "2023-07-03")
        try step(fixture, "inquiry.correction-requested", "c1", unit: "swj", at: "2023-07-10")
        XCTAssertThrowsError(try step(fixture, "inquiry.correction-received", "c1", unit: "swj", at: "2023-07-06")) { error in
            XCTAssertTrue("\(error)".contains("before the correction was requested (2023-07-10)"), "\(error)")
        }
        try step(fixture, "inquiry.correction-received", "c1", unit: "swj", at: "2023-07-12")
        XCTAssertEqual(status(fixture, "swj", "c1", asof: "2023-12-31")?.countFrom, date("2023-07-12"))

        try receive(fixture, "c2", unit: "swj", channel: "application", at: "2023-06-21")
        try step(fixture, "inquiry.correction-requested", "c2", unit: "swj", at: "2023-07-20")
        let request = fixture.facts.size
        try step(fixture, "inquiry.correction-received", "c2", unit: "swj", at: "2023-07-25")
        try fixture.append(["type": "event.voided", "target": .number(Double(request)), "reason": "误录", "at": "2023-07-26"])
        let afterVoid = try XCTUnwrap(status(fixture, "swj", "c2", asof: "2023-12-31"))
        XCTAssertEqual(afterVoid.countFrom, date("2023-06-21"), "the orphaned correction restarts nothing")
        XCTAssertEqual(afterVoid.due, fixture.view().calendar.dueDate(from: date("2023-06-21"), workingDays: 20))
    }

    func testAPauseStillOpenWhenTheCorrectionArrivesKeepsItsDaysOutOfTheNewCount() throws {
        // DESIGN.md: days d with pausedAt < d ≤ resumedAt do not count; a correction restarts the count.
        let fixture = try FactsFixture()
        try receive(fixture, "p1", unit: "czj", channel: "application", at: "2023-03-01")
        try step(fixture, "inquiry.paused", "p1", unit: "czj", at: "2023-03-02")
        try step(fixture, "inquiry.correction-requested", "p1", unit: "czj", at: "2023-03-03")
        try step(fixture, "inquiry.correction-received", "p1", unit: "czj", at: "2023-03-06")
        let stillPaused = try XCTUnwrap(status(fixture, "czj", "p1", asof: "2023-03-15"))
        XCTAssertTrue(stillPaused.paused, "the consultation has not ended")
        XCTAssertNil(stillPaused.due, "an open pause stops the count")
        try step(fixture, "inquiry.resumed", "p1", unit: "czj", at: "2023-03-20")
        try step(fixture, "inquiry.replied", "p1", unit: "czj", at: "2023-04-10")
        let replied = try XCTUnwrap(status(fixture, "czj", "p1", asof: "2023-12-31"))
        XCTAssertEqual(replied.countFrom, date("2023-03-06"))
        // Counted from 03-21: March 21–24 and 27–31 (9), April 3, 4, 6, 7 (13; 04-05 清明),
        // 10–14 (18), 17, 18 (20).
        XCTAssertEqual(replied.due, date("2023-04-18"))
        XCTAssertEqual(replied.state, .onTime)
    }

    func testAnInquiryReceivedAgainAfterItsVoidedReceiptHadStepsCountsFromTheNewReceipt() throws {
        let fixture = try FactsFixture()
        let receipt = try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "x1", "channel": "application",
                                          "simple": false, "at": "2023-03-01"])
        try step(fixture, "inquiry.paused", "x1", unit: "czj", at: "2023-03-02")
        try fixture.append(["type": "event.voided", "target": .number(Double(receipt)), "reason": "登记有误", "at": "2023-03-03"])
        XCTAssertNil(status(fixture, "czj", "x1", asof: "2023-12-31"), "a voided receipt: no inquiry")
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "x1", unit: "czj", at: "2023-03-03"), "no receipt counts")
        try receive(fixture, "x1", unit: "czj", channel: "application", at: "2023-03-03")
        let open = try XCTUnwrap(status(fixture, "czj", "x1", asof: "2023-03-10"))
        XCTAssertEqual(open.received, date("2023-03-03"))
        XCTAssertFalse(open.paused, "the pause belonged to the voided receipt")
        XCTAssertEqual(open.due, fixture.view().calendar.dueDate(from: date("2023-03-03"), workingDays: 20))
        XCTAssertThrowsError(try step(fixture, "inquiry.resumed", "x1", unit: "czj", at: "2023-03-06"), "not paused")
        try step(fixture, "inquiry.replied", "x1", unit: "czj", at: "2023-03-10")
        XCTAssertEqual(status(fixture, "czj", "x1", asof: "2023-12-31")?.state, .onTime)
        XCTAssertThrowsError(try receive(fixture, "x1", unit: "czj", channel: "application", at: "2023-03-11"), "received twice")
    }

    func testAnotherUnitMayReceiveAnInquiryWhoseReceiptWasVoidedAndThenOwnsIt() throws {
        let fixture = try FactsFixture()
        let receipt = try fixture.append(["type": "inquiry.received", "unit": "rsj", "inquiry": "y1", "channel": "hotline",
                                          "simple": false, "at": "2023-03-01"])
        try fixture.append(["type": "event.voided", "target": .number(Double(receipt)), "reason": "转交民政局", "at": "2023-03-02"])
        let beforeSecondReceipt = fixture.facts.size
        try receive(fixture, "y1", unit: "mzj", at: "2023-03-02")
        XCTAssertEqual(fixture.view().owner(ofInquiry: "y1"), "mzj")
        XCTAssertEqual(fixture.view(known: beforeSecondReceipt - 1).owner(ofInquiry: "y1"), "rsj", "before the void")
        XCTAssertNil(fixture.view(known: beforeSecondReceipt).owner(ofInquiry: "y1"), "voided, not yet received again")
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "y1", unit: "rsj", at: "2023-03-03")) { error in
            XCTAssertEqual((error as? DomainError)?.description.contains("belongs to mzj"), true, "\(error)")
        }
        XCTAssertThrowsError(try receive(fixture, "y1", unit: "rsj", at: "2023-03-03"), "mzj's receipt counts")
        try step(fixture, "inquiry.replied", "y1", unit: "mzj", at: "2023-03-03")
        XCTAssertEqual(status(fixture, "mzj", "y1", asof: "2023-12-31")?.state, .onTime)
        XCTAssertNil(status(fixture, "rsj", "y1", asof: "2023-12-31"))
    }

    /// A question recorded late (found in a mailbox weeks on) is listed by its receipt date.
    func testInquiriesAreListedUnitByUnitInTheOrderReceived() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "q-march", at: "2023-03-01")
        try receive(fixture, "q-feb-1", at: "2023-02-01")
        try receive(fixture, "q-czj", unit: "czj", at: "2023-01-05")
        try receive(fixture, "q-feb-2", at: "2023-02-01")
        let listed = InquiriesAnswer.answer(unit: nil, view: fixture.view(), asof: date("2023-06-30"))["inquiries"]?.arrayValue ?? []
        let order = listed.compactMap { $0["inquiry"]?.stringValue }
        XCTAssertEqual(order.filter { $0 != "q-czj" }, ["q-feb-1", "q-feb-2", "q-march"], "same day: the order recorded")
        let one = InquiriesAnswer.answer(unit: "rsj", view: fixture.view(), asof: date("2023-06-30"))["inquiries"]?.arrayValue ?? []
        XCTAssertEqual(one.compactMap { $0["inquiry"]?.stringValue }, ["q-feb-1", "q-feb-2", "q-march"])
        XCTAssertTrue(order.contains("q-czj"))
    }

    func testInquiriesSayWhenADueDateWasCountedMondayToFridayOnly() throws {
        let fixture = try FactsFixture(today: date("2026-12-31"))
        try receive(fixture, "n1", unit: "sjj", channel: "application", at: "2026-11-27")
        let inDecember = InquiriesAnswer.answer(unit: "sjj", view: fixture.view(), asof: date("2026-12-01"))
        XCTAssertNil(inDecember["calendarNote"], "20 working days after 2026-11-27 end in 2026, which has a calendar")
        try step(fixture, "inquiry.extended", "n1", unit: "sjj", at: "2026-12-01", extra: ["days": 20])
        let extended = InquiriesAnswer.answer(unit: "sjj", view: fixture.view(), asof: date("2026-12-01"))
        XCTAssertEqual(extended["inquiries"]?.arrayValue?.first?["due"]?.stringValue, "2027-01-22", "2027-01-01 counted as a working day")
        XCTAssertEqual(extended["calendarNote"]?.stringValue,
                       "no holiday calendar adopted for 2027; working days counted Monday–Friday only")
    }

    /// Before the catalog's first day nothing was counted, so nothing is noted; far ahead,
    /// the years without a calendar are named as one span, not one by one.
    func testTheCalendarNoteNamesOnlyYearsCountedInAndJoinsRuns() throws {
        let fixture = try FactsFixture()
        XCTAssertNil(ComplianceEvaluation.answer(unit: "czj", view: fixture.view(), asof: date("2020-06-01"))["calendarNote"])
        XCTAssertNil(ComplianceEvaluation.answer(unit: "czj", view: fixture.view(), asof: date("2026-12-31"))["calendarNote"])
        XCTAssertEqual(ComplianceEvaluation.answer(unit: "czj", view: fixture.view(), asof: date("2028-03-01"))["calendarNote"]?.stringValue,
                       "no holiday calendar adopted for 2027, 2028; working days counted Monday–Friday only")
        XCTAssertEqual(ComplianceEvaluation.answer(unit: "czj", view: fixture.view(), asof: date("9999-12-31"))["calendarNote"]?.stringValue,
                       "no holiday calendar adopted for 2027–9999; working days counted Monday–Friday only")
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

    /// A correction request made while the count runs stops it until the correction arrives;
    /// one made after the due date stops nothing (it stopped the count for good, and a reply
    /// months late was on time). The correction received restarts the count either way.
    func testACorrectionRequestAfterTheDueDateDoesNotStopTheCount() throws {
        let fixture = try FactsFixture()
        // Received Wed 2023-03-01, 20 working days: due Wed 2023-03-29.
        try receive(fixture, "a1", channel: "application", at: "2023-03-01")
        try step(fixture, "inquiry.correction-requested", "a1", at: "2023-05-15")
        let late = try XCTUnwrap(status(fixture, "rsj", "a1", asof: "2023-06-01"))
        XCTAssertEqual(late.due, date("2023-03-29"))
        XCTAssertEqual(late.state, .overdue)
        XCTAssertTrue(late.awaitingCorrection, "the request is still shown")
        try step(fixture, "inquiry.replied", "a1", at: "2023-09-01")
        XCTAssertEqual(status(fixture, "rsj", "a1", asof: "2023-12-31")?.state, .late)

        // The correction received restarts the count (DESIGN.md), late request or not.
        try receive(fixture, "a2", channel: "application", at: "2023-03-01")
        try step(fixture, "inquiry.correction-requested", "a2", at: "2023-05-15")
        try step(fixture, "inquiry.correction-received", "a2", at: "2023-05-22")
        let restarted = try XCTUnwrap(status(fixture, "rsj", "a2", asof: "2023-05-22"))
        XCTAssertEqual(restarted.countFrom, date("2023-05-22"))
        XCTAssertEqual(restarted.due, date("2023-06-19"))
        XCTAssertFalse(restarted.awaitingCorrection)

        // Made on the due date itself, it stops the count.
        try receive(fixture, "a3", channel: "application", at: "2023-03-01")
        try step(fixture, "inquiry.correction-requested", "a3", at: "2023-03-29")
        XCTAssertNil(status(fixture, "rsj", "a3", asof: "2023-12-31")?.due, "awaiting the correction")
    }

    /// An inquiry's steps are recorded in the order they happened: a reply dated before an
    /// extension already recorded was on time or late depending on asof.
    func testAStepDatedBeforeOneAlreadyRecordedIsRefused() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "x1", channel: "application", simple: true, at: "2023-03-01")
        try step(fixture, "inquiry.extended", "x1", at: "2023-03-09", extra: ["days": 5])
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "x1", at: "2023-03-08")) { error in
            XCTAssertEqual((error as? DomainError)?.field, "at")
            XCTAssertTrue("\(error)".contains("2023-03-08 is before x1's step of 2023-03-09 (inquiry.extended)"), "\(error)")
        }
        try step(fixture, "inquiry.replied", "x1", at: "2023-03-09")
        XCTAssertEqual(status(fixture, "rsj", "x1", asof: "2023-12-31")?.state, .onTime)
    }

    func testReplyBeforeReceiptIsRefused() throws {
        let fixture = try FactsFixture()
        try receive(fixture, "h2", at: "2023-04-10")
        XCTAssertThrowsError(try step(fixture, "inquiry.replied", "h2", at: "2023-04-09")) { error in
            XCTAssertEqual((error as? DomainError)?.field, "at")
        }
    }
}
