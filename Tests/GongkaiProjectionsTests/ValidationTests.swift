import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
import XCTest

/// Each check of DESIGN.md section 2, refused with the field that is wrong.
final class ValidationTests: XCTestCase {
    func refusal(_ fixture: FactsFixture, _ fields: [String: JSONValue], file: StaticString = #filePath, line: UInt = #line) -> DomainError? {
        let sizeBefore = fixture.facts.size
        do {
            try fixture.append(fields)
            XCTFail("accepted \(fields)", file: file, line: line)
            return nil
        } catch let error as DomainError {
            XCTAssertEqual(fixture.facts.size, sizeBefore, "a refused event is not folded in", file: file, line: line)
            return error
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return nil
        }
    }

    let publication: [String: JSONValue] = ["type": "publication.recorded", "unit": "czj", "obligation": "T01", "title": "t", "at": "2023-05-06"]

    func with(_ base: [String: JSONValue], _ changes: [String: JSONValue?]) -> [String: JSONValue] {
        var result = base
        for (key, value) in changes { result[key] = value }
        return result
    }

    func testChineseUnitNameIsStoredAsTheId() throws {
        let fixture = try FactsFixture()
        let event = try DomainEvent.decode(try EventEnvelope(value: .object(with(publication, ["id": "cn", "unit": "县财政局"]))))
        let checked = try EventValidator.validate(event, facts: fixture.facts, today: fixture.today)
        XCTAssertEqual(checked.unit, "czj")
    }

    func testUnitAndObligationChecks() throws {
        let fixture = try FactsFixture()
        XCTAssertEqual(refusal(fixture, with(publication, ["unit": "nowhere"]))?.field, "unit")
        XCTAssertEqual(refusal(fixture, with(publication, ["obligation": "T99"]))?.field, "obligation")
        XCTAssertEqual(refusal(fixture, with(publication, ["obligation": "T02"]))?.field, "obligation", "T02 does not bind czj")
        XCTAssertEqual(refusal(fixture, with(publication, ["obligation": "T06a"]))?.field, "obligation", "a deadline is not met by publications")
        XCTAssertEqual(refusal(fixture, ["type": "task.completed", "unit": "czj", "obligation": "T01", "at": "2023-05-06"])?.field, "obligation")
        XCTAssertEqual(refusal(fixture, ["type": "task.completed", "unit": "czj", "obligation": "T11", "at": "2023-05-06"])?.field, "obligation",
                       "T11 binds xzspj only")
    }

    func testDateChecks() throws {
        let fixture = try FactsFixture(today: BusinessDate("2023-06-01")!)
        try fixture.append(with(publication, ["at": "2023-06-02"]))  // one day ahead is allowed
        XCTAssertEqual(refusal(fixture, with(publication, ["at": "2023-06-03"]))?.field, "at")
        XCTAssertThrowsError(try fixture.append(with(publication, ["at": "2023-02-30"])))
        XCTAssertThrowsError(try fixture.append(with(publication, ["at": "yesterday"])))
        // An RFC 3339 timestamp counts by its Asia/Shanghai date.
        let late = try DomainEvent.decode(try EventEnvelope(value: .object(with(publication, ["id": "ts", "at": "2023-05-31T17:30:00Z"]))))
        XCTAssertEqual(late.date, BusinessDate("2023-06-01"))
    }

    /// Facts dated before the first year any adopted table covers would count for nothing:
    /// they are refused rather than kept and ignored (a 2022 completion of T18a was accepted
    /// and T18a stayed missed).
    func testFactsBeforeTheFirstTablesYearAreRefused() throws {
        let fixture = try FactsFixture()
        let early: [[String: JSONValue]] = [
            with(publication, ["at": "2022-12-20"]),
            ["type": "task.completed", "unit": "czj", "obligation": "T18a", "at": "2022-12-20"],
            ["type": "meeting.held", "unit": "czj", "meeting": "report-heard", "at": "2022-12-20"],
            ["type": "notice.issued", "unit": "czj", "level": "county", "reason": "r", "at": "2022-12-20"],
        ]
        for fields in early {
            let refused = refusal(fixture, fields)
            XCTAssertEqual(refused?.field, "at", "\(fields)")
            XCTAssertTrue("\(refused.map { "\($0)" } ?? "")".contains("is before 2023, the first year an adopted table covers"), "\(String(describing: refused))")
        }
        try fixture.append(["type": "task.completed", "unit": "czj", "obligation": "T18a", "at": "2023-01-02"])
        // An inquiry received before it is still listed (and judged by the earliest table).
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "q-2022", "channel": "hotline", "simple": false, "at": "2022-12-20"])
    }

    func testUnknownAndMissingFieldsAreRejectedByDecoding() throws {
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: .object(with(publication, ["id": "x", "colour": "red"]))))) {
            XCTAssertEqual(($0 as? DomainError)?.field, "colour")
        }
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: .object(with(publication, ["id": "x", "title": nil]))))) {
            XCTAssertEqual(($0 as? DomainError)?.field, "title")
        }
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: ["id": "v", "type": "event.voided", "unit": "czj", "target": 1, "reason": "r", "at": "2023-01-01"]))) {
            XCTAssertEqual(($0 as? DomainError)?.field, "unit", "a void has no unit of its own")
        }
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: ["id": "n", "type": "notice.issued", "unit": "czj", "level": "village", "reason": "r", "at": "2023-01-01"])))
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: ["id": "m", "type": "meeting.held", "unit": "czj", "meeting": "party", "at": "2023-01-01"])))
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: ["id": "i", "type": "inquiry.received", "unit": "czj", "inquiry": "q", "channel": "fax", "simple": false, "at": "2023-01-01"])))
        XCTAssertThrowsError(try DomainEvent.decode(try EventEnvelope(value: ["id": "i", "type": "inquiry.received", "unit": "czj", "inquiry": "q", "channel": "hotline", "simple": "no", "at": "2023-01-01"])))
    }

    func testVoidChecks() throws {
        let fixture = try FactsFixture()
        try fixture.append(publication)
        let target = fixture.facts.size
        XCTAssertEqual(refusal(fixture, ["type": "event.voided", "target": 99_999, "reason": "r", "at": "2023-05-07"])?.field, "target")
        XCTAssertEqual(refusal(fixture, ["type": "event.voided", "target": 1, "reason": "r", "at": "2023-05-07"])?.field, "target",
                       "the catalog cannot be voided")
        try fixture.append(["type": "event.voided", "target": .number(Double(target)), "reason": "r", "at": "2023-05-07"])
        XCTAssertEqual(refusal(fixture, ["type": "event.voided", "target": .number(Double(target)), "reason": "r", "at": "2023-05-07"])?.field,
                       "target", "already voided")
    }

    func testTentativeRecordsAreUndoneExactly() throws {
        let fixture = try FactsFixture()
        try fixture.publish("dongshan", "T01", "2023-01-15")
        let asof = date("2023-12-31")
        let before = ComplianceEvaluation.answer(unit: "dongshan", view: fixture.view(), asof: asof)
        let escalationsBefore = EscalationEvaluation.answer(view: fixture.view(), asof: asof)
        let sizeBefore = fixture.facts.size
        fixture.facts.beginTentative()
        try fixture.publish("dongshan", "T01", "2023-02-15")
        _ = try fixture.notice("dongshan", "county", "2023-03-01")
        try fixture.append(["type": "inquiry.received", "unit": "dongshan", "inquiry": "tq", "channel": "mailbox", "simple": false, "at": "2023-03-01"])
        try fixture.append(["type": "event.voided", "target": .number(Double(sizeBefore)), "reason": "r", "at": "2023-03-02"])
        fixture.facts.dropTentative()
        XCTAssertEqual(fixture.facts.size, sizeBefore)
        XCTAssertEqual(ComplianceEvaluation.answer(unit: "dongshan", view: fixture.view(), asof: asof), before)
        XCTAssertEqual(EscalationEvaluation.answer(view: fixture.view(), asof: asof), escalationsBefore)
        XCTAssertNil(fixture.facts.inquiryOwner["tq"])
        XCTAssertNil(fixture.facts.voidedBy[sizeBefore])
        // And the same events can be appended again afterwards.
        try fixture.append(["type": "inquiry.received", "unit": "dongshan", "inquiry": "tq", "channel": "mailbox", "simple": false, "at": "2023-03-01"])
    }
}
