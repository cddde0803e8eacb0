import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import XCTest

/// A new year's catalog judges its own year's dates; the year before keeps being judged by
/// the catalog adopted for it, so adopting 2024's table in January changes nothing said
/// about 2023 (December's bulletin, the year's escalations, an interview still owed).
final class CatalogYearTests: XCTestCase {
    /// The bundled 2023 catalog moved a year on: year 2024, every deadline a year later.
    private func adopt2024(_ fixture: FactsFixture) throws -> UInt64 { try adopt(fixture, year: 2024) }

    /// The bundled 2023 catalog moved to `year` (deadlines too), named `name`.
    @discardableResult
    private func adopt(_ fixture: FactsFixture, year: Int, name: String? = nil, edits: [(String, String)] = []) throws -> UInt64 {
        let name = name ?? "shangyou-\(year)"
        var text = BundledDocuments.catalog
            .replacingOccurrences(of: "\"2023-", with: "\"\(year)-")
            .replacingOccurrences(of: "\"year\": 2023", with: "\"year\": \(year)")
            .replacingOccurrences(of: "\"shangyou-2023\"", with: "\"\(name)\"")
        for (old, new) in edits {
            XCTAssertTrue(text.contains(old), old)
            text = text.replacingOccurrences(of: old, with: new)
        }
        XCTAssertTrue(text.contains("\"\(name)\""))
        return try fixture.appendRaw(["id": .string("catalog-\(name)"), "type": "catalog.adopted", "catalog": try JSONParser.parse(Array(text.utf8))])
    }

    /// A deadline obligation's status and completion date in `unit`'s COMPLIANCE at `asof`,
    /// judged by the table of asof's year.
    private func deadline(_ fixture: FactsFixture, _ obligation: String, unit: String,
                          asof: String) throws -> (status: String?, completed: String?) {
        let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: date(asof).year)
        let (json, _) = ComplianceEvaluation.evaluate(unit: unit, view: view, asof: date(asof))
        let entry = try XCTUnwrap(json.first { $0["id"]?.stringValue == obligation })
        return (entry["status"]?.stringValue, entry["completed"]?.stringValue)
    }

    /// A year without a table of its own is judged by the latest earlier year's, whatever is
    /// adopted after it; a revision of an old year's table does not spread to later years.
    func testAYearWithoutItsOwnTableIsJudgedByTheLatestEarlierOne() throws {
        let fixture = try FactsFixture(today: date("2026-06-30"))
        func name(_ year: Int) -> String? { LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year).catalog?.name }
        try adopt(fixture, year: 2025)
        XCTAssertEqual(name(2024), "shangyou-2023", "2024 had no table: 2023's, as before 2025's was adopted")
        XCTAssertEqual(name(2026), "shangyou-2025")
        XCTAssertEqual(name(2022), "shangyou-2023", "before every table's year: the earliest")
        try adopt(fixture, year: 2024)
        try adopt(fixture, year: 2023, name: "shangyou-2023-revised")
        XCTAssertEqual(name(2023), "shangyou-2023-revised")
        XCTAssertEqual(name(2024), "shangyou-2024", "the revision of 2023 does not judge later years")
        XCTAssertEqual(name(2026), "shangyou-2025")
    }

    /// An interview is owed until the end of the next year: one a later year's own table
    /// judged answered that year's notices, not an older requirement (it made 2023's
    /// `interviewed` in 2025).
    func testAnInterviewJudgedByALaterYearsOwnTableDoesNotAnswerAnOlderRequirement() throws {
        let fixture = try FactsFixture(today: date("2026-06-30"))
        _ = try adopt2024(fixture)
        try adopt(fixture, year: 2025)
        for day in ["2023-10-01", "2023-11-01", "2025-01-10", "2025-02-10"] { _ = try fixture.notice("czj", "city", day) }
        try fixture.append(["type": "interview.held", "unit": "czj", "at": "2025-03-01"])
        func state(_ year: Int) -> EscalationStatus.State? {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year)
            return EscalationEvaluation.evaluate(unit: "czj", view: view, asof: date("2025-12-31"))?.state
        }
        XCTAssertEqual(state(2023), .interviewRequired)
        XCTAssertEqual(state(2025), .interviewed)
    }

    /// Where no later table was adopted, later years are judged by the older one, and an
    /// interview held then for its requirement counts; adopting a later table afterwards
    /// does not undo an interview already accepted.
    func testAnInterviewAcceptedUnderAnOlderTableKeepsCountingOnceALaterOneIsAdopted() throws {
        let fixture = try FactsFixture(today: date("2026-06-30"))
        for day in ["2023-10-01", "2023-11-01"] { _ = try fixture.notice("czj", "city", day) }
        try fixture.append(["type": "interview.held", "unit": "czj", "at": "2025-03-01"])
        func state() -> EscalationStatus.State? {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2023)
            return EscalationEvaluation.evaluate(unit: "czj", view: view, asof: date("2025-12-31"))?.state
        }
        XCTAssertEqual(state(), .interviewed)
        try adopt(fixture, year: 2025)
        XCTAssertEqual(state(), .interviewed)
    }

    /// Answers judging a year by another year's table say so (a county that has not adopted
    /// this year's table sees last year's periods and thresholds).
    func testAnswersJudgedByAnotherYearsTableSaySo() throws {
        let fixture = try FactsFixture(today: date("2024-06-30"))
        func notes(_ year: Int) -> [String?] {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year)
            let asof = BusinessDate(year: year, month: 3, day: 31)
            return [ComplianceEvaluation.answer(unit: "czj", view: view, asof: asof)["tableNote"]?.stringValue,
                    EscalationEvaluation.answer(view: view, asof: asof)["tableNote"]?.stringValue,
                    BulletinReport.answer(year: year, month: 3, view: view)["tableNote"]?.stringValue]
        }
        XCTAssertEqual(notes(2023), [nil, nil, nil])
        let expected = "2024 has no table of its own adopted: judged by shangyou-2023, the table for 2023; adopt 2024's table to judge its dates by its own rules"
        XCTAssertEqual(notes(2024), [expected, expected, expected])
        _ = try adopt2024(fixture)
        XCTAssertEqual(notes(2024), [nil, nil, nil])
    }

    /// Notices until December, the interview in January after next year's table: it is the
    /// interview owed from the year before, and resolves it. With nothing owed it is refused.
    func testAnInterviewOwedFromLastYearCanBeHeldInTheNewYear() throws {
        let fixture = try FactsFixture(today: date("2024-01-20"))
        for day in ["2023-03-02", "2023-05-04", "2023-12-06"] { _ = try fixture.notice("czj", "county", day) }
        _ = try adopt2024(fixture)
        // January's ESCALATIONS (2024's table) names the interview still owed from 2023.
        func owed(_ asof: String, year: Int? = nil) -> [String]? {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year ?? date(asof).year)
            return EscalationEvaluation.answer(view: view, asof: date(asof))["owedFromLastYear"]?.arrayValue?.compactMap { $0["unit"]?.stringValue }
        }
        XCTAssertEqual(owed("2024-01-09"), ["czj"])
        XCTAssertNil(owed("2024-01-09", year: 2023), "2023's own answer says interview-required among its units")
        // January's BULLETIN names it too (judged at the 31st: before the interview below).
        func bulletinOwed(_ year: Int, _ month: Int) -> [String]? {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year)
            return BulletinReport.answer(year: year, month: month, view: view)["owedFromLastYear"]?.arrayValue?.compactMap { $0["unit"]?.stringValue }
        }
        XCTAssertEqual(bulletinOwed(2024, 1), ["czj"])
        XCTAssertNil(bulletinOwed(2023, 12), "December's bulletin: 2022 has no table, nothing owed from it")
        let owedBefore = fixture.facts.size
        XCTAssertNil(owed("2023-12-31"), "2022 has no table")
        XCTAssertThrowsError(try fixture.append(["type": "interview.held", "unit": "rsj", "at": "2024-01-10"]), "rsj owes nothing")
        XCTAssertNoThrow(try fixture.append(["type": "interview.held", "unit": "czj", "at": "2024-01-10"]))
        XCTAssertNil(owed("2024-01-10"), "held: nothing owed, and no empty list in the answer")
        XCTAssertNil(bulletinOwed(2024, 1), "held in January: January's bulletin owes nothing")
        let asKnownBefore = LedgerView(facts: fixture.facts, known: owedBefore, year: 2024)
        XCTAssertEqual(BulletinReport.answer(year: 2024, month: 1, view: asKnownBefore)["owedFromLastYear"]?.arrayValue?.count, 1,
                       "as known before the interview was recorded (known=N), it was still owed")
        XCTAssertEqual(owed("2024-01-09"), ["czj"], "the day before it was held")
        let lastYear = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2023)
        let status = EscalationEvaluation.evaluate(unit: "czj", view: lastYear, asof: date("2024-01-10"))
        XCTAssertEqual(status?.state, .interviewed)
        XCTAssertEqual(status?.interviewedAt, date("2024-01-10"))
        XCTAssertThrowsError(try fixture.append(["type": "interview.held", "unit": "czj", "at": "2024-01-15"]), "nothing owed any more")
    }

    /// With tables for 2023 and 2025 only, a 2023 interview owed is not owed in 2025: 2024's
    /// answers fall back to 2023's table, but an owed interview is last year's own.
    func testAnInterviewOwedTwoYearsBackIsNotTakenThroughAFallbackTable() throws {
        let fixture = try FactsFixture(today: date("2025-06-30"))
        for day in ["2023-03-02", "2023-05-04", "2023-12-06"] { _ = try fixture.notice("czj", "county", day) }
        try adopt(fixture, year: 2025)
        XCTAssertThrowsError(try fixture.append(["type": "interview.held", "unit": "czj", "at": "2025-01-10"])) { error in
            XCTAssertTrue("\(error)".contains("can be held until the end of the next"), "\(error)")
        }
        let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2025)
        XCTAssertNil(EscalationEvaluation.answer(view: view, asof: date("2025-01-10"))["owedFromLastYear"])
        XCTAssertNoThrow(try fixture.append(["type": "interview.held", "unit": "czj", "at": "2024-01-10"]),
                         "in 2024 (judged by 2023's table) it was still owed")
    }

    /// T08b was due at the end of 2023 and done on 2024-01-10, late: that completion was last
    /// year's task's, so 2024's T08b is still pending until a completion after it.
    func testALateCompletionOfLastYearsTaskDoesNotDoThisYears() throws {
        let fixture = try FactsFixture(today: date("2024-06-30"))
        _ = try adopt2024(fixture)
        try fixture.append(["type": "task.completed", "unit": "dongshan", "obligation": "T08b", "at": "2024-01-10"])
        try fixture.append(["type": "task.completed", "unit": "shexi", "obligation": "T08b", "at": "2023-12-20"])
        try fixture.append(["type": "task.completed", "unit": "shexi", "obligation": "T08b", "at": "2024-01-10"])
        func t08b(_ unit: String) throws -> (status: String?, completed: String?) {
            try deadline(fixture, "T08b", unit: unit, asof: "2024-06-30")
        }
        XCTAssertEqual(try t08b("dongshan").status, "pending", "dongshan's January completion was 2023's task, late")
        XCTAssertEqual(try t08b("shexi").status, "met", "shexi did 2023's in 2023: its January one is 2024's")
        try fixture.append(["type": "task.completed", "unit": "dongshan", "obligation": "T08b", "at": "2024-03-01"])
        XCTAssertEqual(try t08b("dongshan").completed, "2024-03-01")
    }

    func testEachYearIsJudgedByItsOwnCatalog() throws {
        let fixture = try FactsFixture(today: date("2024-06-30"))
        let before = fixture.facts.size
        let adopted = try adopt2024(fixture)
        func name(_ known: UInt64, _ year: Int?) -> String? {
            LedgerView(facts: fixture.facts, known: known, year: year).catalog?.name
        }
        XCTAssertEqual(name(fixture.facts.size, 2023), "shangyou-2023")
        XCTAssertEqual(name(fixture.facts.size, 2024), "shangyou-2024")
        XCTAssertEqual(name(fixture.facts.size, 2026), "shangyou-2024", "a year without its own catalog: the last adopted")
        XCTAssertEqual(name(fixture.facts.size, nil), "shangyou-2024", "the rules in force")
        XCTAssertEqual(name(before, 2024), "shangyou-2023", "before 2024's adoption only 2023's was known")
        XCTAssertEqual(LedgerView(facts: fixture.facts, known: adopted, year: 2024).catalogSeq, adopted)
    }

    /// 2024's T06a is not done by a 2023 completion of 2023's T06a; a 2024 one does it.
    func testADeadlineCountsOnlyCompletionsOfItsCatalogsYear() throws {
        let fixture = try FactsFixture(today: date("2024-06-30"))
        try fixture.append(["type": "task.completed", "unit": "dongshan", "obligation": "T06a", "at": "2023-08-14"])
        _ = try adopt2024(fixture)
        func t06a(_ asof: String) throws -> (status: String?, completed: String?) {
            try deadline(fixture, "T06a", unit: "dongshan", asof: asof)
        }
        XCTAssertEqual(try t06a("2023-12-31").status, "met", "2023 keeps its completion")
        XCTAssertEqual(try t06a("2024-06-30").status, "pending", "2024's task is not done yet")
        try fixture.append(["type": "task.completed", "unit": "dongshan", "obligation": "T06a", "at": "2024-03-01"])
        XCTAssertEqual(try t06a("2024-06-30").status, "met")
        XCTAssertEqual(try t06a("2024-06-30").completed, "2024-03-01")
    }

    /// Three county notices in 2023 require an interview; 2024's adoption in January neither
    /// clears it nor stops the interview, dated in 2023, from being recorded.
    func testLastYearsEscalationSurvivesTheNewCatalog() throws {
        let fixture = try FactsFixture(today: date("2024-01-20"))
        for day in ["2023-03-02", "2023-05-04", "2023-07-06"] { _ = try fixture.notice("czj", "county", day) }
        let bulletinBefore = BulletinReport.answer(year: 2023, month: 12, view: LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2023))
        _ = try adopt2024(fixture)
        let view2023 = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2023)
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "czj", view: view2023, asof: date("2023-12-31"))?.state, .interviewRequired)
        var after = try XCTUnwrap(BulletinReport.answer(year: 2023, month: 12, view: view2023).objectValue)
        var before = try XCTUnwrap(bulletinBefore.objectValue)
        XCTAssertNotEqual(after["known"], before["known"])
        (after["known"], before["known"]) = (nil, nil)
        XCTAssertEqual(after, before, "December 2023's bulletin reads the same after 2024's adoption")
        XCTAssertNoThrow(try fixture.append(["type": "interview.held", "unit": "czj", "at": "2023-12-20"]))
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "czj", view: LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2023),
                                                     asof: date("2023-12-31"))?.state, .interviewed)
        XCTAssertEqual(EscalationEvaluation.evaluate(unit: "czj", view: fixture.view(), asof: date("2024-06-30"))?.state, .clear,
                       "2024 starts clear")
    }

    /// A unit's kept digest holds reply rules of one catalog: a view of another year's
    /// catalog builds its own.
    func testADigestServesOnlyViewsOfItsCatalog() throws {
        let fixture = try FactsFixture(today: date("2024-06-30"))
        _ = try adopt2024(fixture)
        let view2023 = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2023)
        let view2024 = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2024)
        let digest = UnitDigest(unit: "czj", view: view2023)
        XCTAssertTrue(digest.canAdvance(to: view2023))
        XCTAssertFalse(digest.canAdvance(to: view2024))
        XCTAssertEqual(digest.advanced(to: view2024).catalogSeq, view2024.catalogSeq)
    }

    /// 2024's table with a new department, xinban, and without the township wuzhifeng.
    private let newUnitOneGone: [(String, String)] = [
        (#"{"id": "fgw", "name": "县发改委", "kind": "department"},"#,
         #"{"id": "xinban", "name": "县新办", "kind": "department"}, {"id": "fgw", "name": "县发改委", "kind": "department"},"#),
        (#""departments": ["fgw","#, #""departments": ["xinban", "fgw","#),
        (#"{"id": "wuzhifeng", "name": "五指峰乡", "kind": "township"},"#, ""),
        (#", "wuzhifeng"]"#, "]"),
    ]

    /// A unit new in 2024 had no 2023 task to finish late: its first completion is 2024's.
    func testANewUnitsFirstCompletionIsThisYearsTask() throws {
        let fixture = try FactsFixture(today: date("2024-06-30"))
        try adopt(fixture, year: 2024, edits: newUnitOneGone)
        try fixture.append(["type": "task.completed", "unit": "xinban", "obligation": "T06a", "at": "2024-05-01"])
        let t06a = try deadline(fixture, "T06a", unit: "xinban", asof: "2024-06-30")
        XCTAssertEqual(t06a.status, "met")
        XCTAssertEqual(t06a.completed, "2024-05-01")
    }

    /// A question received in December is judged to its reply by December's rules: 2024's
    /// table (10 working days for T17) does not move its due date.
    func testAnInquiryIsJudgedByTheRulesOfItsReceiptsYear() throws {
        let fixture = try FactsFixture(today: date("2024-01-31"))
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "q-dec", "channel": "hotline",
                            "simple": false, "at": "2023-12-25"])
        func due(_ asof: String) -> String? {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: date(asof).year)
            return InquiriesAnswer.answer(unit: "czj", view: view, asof: date(asof))["inquiries"]?.arrayValue?.first?["due"]?.stringValue
        }
        let before = due("2024-01-05")
        XCTAssertEqual(before, "2024-01-02", "5 working days after 2023-12-25 (01-01 a holiday)")
        try adopt(fixture, year: 2024, edits: [(#""limitDays": 5,"#, #""limitDays": 10,"#)])
        XCTAssertEqual(due("2024-01-05"), before, "2024's 10 days are not this question's")
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "q-jan", "channel": "hotline",
                            "simple": false, "at": "2024-01-02"])
        let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2024)
        let january = InquiriesAnswer.answer(unit: "czj", view: view, asof: date("2024-01-05"))["inquiries"]?.arrayValue?
            .first { $0["inquiry"]?.stringValue == "q-jan" }
        XCTAssertEqual(january?["limitDays"]?.integerValue, 10, "a question received in 2024 by 2024's rules")
    }

    /// A reply obligation answers for the inquiries received in its table's year: a December
    /// question answered late in January is late in 2023 only, and February's late answer
    /// changes nothing about 2023. The same from every fact and from a kept digest.
    func testAReplyObligationCountsTheInquiriesReceivedInItsYear() throws {
        let fixture = try FactsFixture(today: date("2024-03-01"))
        _ = try adopt2024(fixture)
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "q-dec", "channel": "hotline",
                            "simple": false, "at": "2023-12-27"])
        try fixture.append(["type": "inquiry.replied", "unit": "czj", "inquiry": "q-dec", "at": "2024-01-08"])
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "q-feb", "channel": "hotline",
                            "simple": false, "at": "2024-02-05"])
        func t17(year: Int, asof: String, fromDigest: Bool) throws -> JSONValue? {
            let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year)
            let inputs = fromDigest ? UnitDigest(unit: "czj", view: view).inputs(view: view, asof: date(asof))
                : ComplianceInputs.judged(unit: "czj", view: view, asof: date(asof))
            let (json, _) = ComplianceEvaluation.evaluate(unit: "czj", view: view, asof: date(asof), inputs: inputs)
            return try XCTUnwrap(json.first { $0["id"]?.stringValue == "T17" })["inquiries"]
        }
        let counts: (Int, Int, Int, Int) -> JSONValue = { open, overdue, onTime, late in
            ["open": .number(Double(open)), "overdue": .number(Double(overdue)), "onTime": .number(Double(onTime)), "late": .number(Double(late))]
        }
        for fromDigest in [false, true] {
            XCTAssertEqual(try t17(year: 2023, asof: "2024-01-31", fromDigest: fromDigest), counts(0, 0, 0, 1), "December's question, late")
            XCTAssertEqual(try t17(year: 2024, asof: "2024-01-31", fromDigest: fromDigest), counts(0, 0, 0, 0), "nothing received in 2024 yet")
            XCTAssertEqual(try t17(year: 2023, asof: "2024-02-29", fromDigest: fromDigest), counts(0, 0, 0, 1), "February's question is 2024's")
            XCTAssertEqual(try t17(year: 2024, asof: "2024-02-29", fromDigest: fromDigest), counts(0, 1, 0, 0), "due 02-18, still unanswered")
        }
        try fixture.append(["type": "inquiry.replied", "unit": "czj", "inquiry": "q-feb", "at": "2024-02-20"])
        XCTAssertEqual(try t17(year: 2024, asof: "2024-02-29", fromDigest: true), counts(0, 0, 0, 1))
        XCTAssertEqual(try t17(year: 2023, asof: "2024-02-29", fromDigest: true), counts(0, 0, 0, 1))
    }

    /// A year without a table of its own is judged by the latest earlier one; its questions
    /// still count in its reply obligation, not in the table's own year's.
    func testAYearWithoutItsOwnTableCountsItsOwnQuestions() throws {
        let fixture = try FactsFixture(today: date("2024-03-01"))
        try fixture.append(["type": "inquiry.received", "unit": "czj", "inquiry": "q-feb", "channel": "hotline",
                            "simple": false, "at": "2024-02-01"])
        for fromDigest in [false, true] {
            func overdue(year: Int) throws -> Int64? {
                let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: year)
                XCTAssertEqual(view.catalog?.year, 2023, "2024 has no table: 2023's judges it")
                let inputs = fromDigest ? UnitDigest(unit: "czj", view: view).inputs(view: view, asof: date("2024-03-01"))
                    : ComplianceInputs.judged(unit: "czj", view: view, asof: date("2024-03-01"))
                let (json, _) = ComplianceEvaluation.evaluate(unit: "czj", view: view, asof: date("2024-03-01"), inputs: inputs)
                return try XCTUnwrap(json.first { $0["id"]?.stringValue == "T17" })["inquiries"]?["overdue"]?.integerValue
            }
            XCTAssertEqual(try overdue(year: 2024), 1)
            XCTAssertEqual(try overdue(year: 2023), 0)
        }
    }

    /// wuzhifeng is gone from 2024's table: it still replies to its December application,
    /// holds the interview it owes from 2023, and its open question is still listed.
    func testAUnitGoneFromTheNewTableFinishesLastYearsBusiness() throws {
        let fixture = try FactsFixture(today: date("2024-01-31"))
        try fixture.append(["type": "inquiry.received", "unit": "wuzhifeng", "inquiry": "q-w1", "channel": "application",
                            "simple": false, "at": "2023-12-20"])
        try fixture.append(["type": "inquiry.received", "unit": "wuzhifeng", "inquiry": "q-w2", "channel": "hotline",
                            "simple": false, "at": "2023-12-28"])
        _ = try fixture.notice("wuzhifeng", "city", "2023-12-01")
        _ = try fixture.notice("wuzhifeng", "city", "2023-12-02")
        try adopt(fixture, year: 2024, edits: newUnitOneGone)
        XCTAssertThrowsError(try fixture.append(["type": "publication.recorded", "unit": "wuzhifeng", "obligation": "T08a",
                                                 "title": "村务公开", "at": "2024-01-05"]), "not a unit of 2024")
        XCTAssertNoThrow(try fixture.append(["type": "inquiry.replied", "unit": "wuzhifeng", "inquiry": "q-w1", "at": "2024-01-03"]))
        XCTAssertNoThrow(try fixture.append(["type": "interview.held", "unit": "wuzhifeng", "at": "2024-01-10"]))
        let view = LedgerView(facts: fixture.facts, known: fixture.facts.size, year: 2024)
        let answer = InquiriesAnswer.answer(unit: nil, view: view, asof: date("2024-01-10"))
        let listed = answer["inquiries"]?.arrayValue?.compactMap { $0["inquiry"]?.stringValue } ?? []
        XCTAssertTrue(listed.contains("q-w2"), "its open question is still listed: \(listed)")
        // And named, from 2023's table (today's UNITS no longer knows it).
        XCTAssertEqual(answer["unitNames"]?["wuzhifeng"]?.stringValue, "五指峰乡")
        XCTAssertEqual(InquiriesAnswer.answer(unit: "wuzhifeng", view: view, asof: date("2024-01-10"))["unitNames"]?["wuzhifeng"]?.stringValue, "五指峰乡")
    }
}
