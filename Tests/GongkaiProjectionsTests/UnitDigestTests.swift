import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import XCTest

/// A kept UnitDigest must give exactly the COMPLIANCE answer judged from every fact, for every
/// view it can answer, however it got there: built once, advanced step by step, across voids,
/// catalog and calendar adoptions, and tentative records past the view.
final class UnitDigestTests: XCTestCase {
    /// A small deterministic generator (a 64-bit LCG's high bits), so a failure reproduces.
    struct Dice {
        var state: UInt64
        mutating func roll(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    let units = ["rsj", "czj", "zfb", "xzspj"]
    let channels = ["hotline", "mailbox", "online", "application"]
    let stepTypes = ["inquiry.extended", "inquiry.paused", "inquiry.resumed", "inquiry.correction-requested",
                     "inquiry.correction-received", "inquiry.replied", "inquiry.replied"]

    func testDigestAnswersEqualAnswersFromEveryFact() throws {
        for seed in [1, 0x9E37_79B9_7F4A_7C15, 0xD1B5_4A32_D192_ED03] as [UInt64] { try check(seed: seed) }
    }

    func testDigestAdvancesOnlyWithoutRuleChangesBetween() throws {
        let fixture = try FactsFixture(today: date("2023-12-31"))
        try fixture.publish("rsj", "T01", "2023-01-10")
        let digest = UnitDigest(unit: "rsj", view: fixture.view())
        try fixture.publish("rsj", "T01", "2023-02-10")
        XCTAssertTrue(digest.canAdvance(to: fixture.view()), "a publication changes no earlier verdict")
        XCTAssertFalse(digest.canAdvance(to: fixture.view(known: digest.known - 1)), "an earlier view is not reached by advancing")
        let publication = fixture.facts.size
        try fixture.append(["type": "event.voided", "target": .number(Double(publication)), "reason": "重复登记", "at": "2023-02-11"])
        XCTAssertFalse(digest.canAdvance(to: fixture.view()), "a void can change a verdict already counted")
        let rebuilt = digest.advanced(to: fixture.view())
        XCTAssertEqual(rebuilt.known, fixture.facts.size)
        let answer = ComplianceEvaluation.answer(unit: "rsj", view: fixture.view(), asof: date("2023-03-01"),
                                                 inputs: rebuilt.inputs(view: fixture.view(), asof: date("2023-03-01")))
        XCTAssertEqual(answer, ComplianceEvaluation.answer(unit: "rsj", view: fixture.view(), asof: date("2023-03-01")))
    }

    /// A receipt voided, then the same inquiry received again: the new receipt joins the old
    /// steps list, and the digest must count it (found in review).
    func testAnInquiryReceivedAgainAfterItsReceiptWasVoidedCounts() throws {
        let fixture = try FactsFixture(today: date("2023-12-31"))
        let receipt = try fixture.append(["type": "inquiry.received", "unit": "rsj", "inquiry": "x", "channel": "hotline", "simple": false, "at": "2023-03-01"])
        try fixture.append(["type": "event.voided", "target": .number(Double(receipt)), "reason": "登记有误", "at": "2023-03-02"])
        let digest = UnitDigest(unit: "rsj", view: fixture.view())
        try fixture.append(["type": "inquiry.received", "unit": "rsj", "inquiry": "x", "channel": "hotline", "simple": false, "at": "2023-03-03"])
        let view = fixture.view()
        XCTAssertTrue(digest.canAdvance(to: view), "a receipt is no rule change")
        let asof = date("2023-06-30")
        let answer = ComplianceEvaluation.answer(unit: "rsj", view: view, asof: asof, inputs: digest.advanced(to: view).inputs(view: view, asof: asof))
        XCTAssertEqual(answer, ComplianceEvaluation.answer(unit: "rsj", view: view, asof: asof))
        XCTAssertEqual(digest.advanced(to: view).inputs(view: view, asof: asof).replies(on: ["hotline"], receivedIn: 2023).overdue, 1)
    }

    func testSettledThroughIsTheLatestStepOfAReply() throws {
        let fixture = try FactsFixture(today: date("2023-12-31"))
        try fixture.append(["type": "inquiry.received", "unit": "rsj", "inquiry": "q1", "channel": "hotline", "simple": false, "at": "2023-03-01"])
        try fixture.append(["type": "inquiry.received", "unit": "rsj", "inquiry": "q2", "channel": "hotline", "simple": false, "at": "2023-05-01"])
        let open = UnitDigest(unit: "rsj", view: fixture.view())
        XCTAssertLessThan(open.settledThrough, date("2023-01-01"), "nothing replied: any asof can be answered")
        try fixture.append(["type": "inquiry.replied", "unit": "rsj", "inquiry": "q1", "at": "2023-03-20"])
        let replied = open.advanced(to: fixture.view())
        XCTAssertEqual(replied.settledThrough, date("2023-03-20"))
        let asof = date("2023-06-30")
        let counts = replied.inputs(view: fixture.view(), asof: asof).replies(on: ["hotline"], receivedIn: 2023)
        XCTAssertEqual(counts.late, 1, "q1 replied after its 5 working days")
        XCTAssertEqual(counts.overdue, 1, "q2 is judged at the asof asked")
    }

    private func check(seed: UInt64) throws {
        let fixture = try FactsFixture(today: date("2023-12-31"))
        let catalog = try XCTUnwrap(fixture.facts.catalogs.last?.catalog)
        var dice = Dice(state: seed)
        var inquiries: [(unit: String, id: String, receipt: UInt64)] = []
        var voidedReceipts: [(unit: String, id: String)] = []
        var digests: [String: UnitDigest] = [:]
        var compared = 0, advancedInPlace = 0, rebuilt = 0, reReceived = 0
        var day = 0
        let seededRuleChanges = fixture.facts.ruleChanges.count
        for round in 1...24 {
            for _ in 0..<60 {
                day = min(day + dice.roll(2), 364)
                // Now and then a fact recorded late, dated weeks back.
                let back = dice.roll(4) == 0 ? dice.roll(30) : 0
                let at = BusinessDate(year: 2023, month: 1, day: 1).adding(days: max(0, day - back)).description
                let unit = units[dice.roll(units.count)]
                let obligations = catalog.obligations(for: unit)
                switch dice.roll(10) {
                case 0, 1:
                    let periodic = obligations.filter { if case .periodic = $0.rule { true } else { false } }
                    if let obligation = periodic.randomElement(using: &dice) { try? fixture.publish(unit, obligation.id, at) }
                case 2:
                    let deadlines = obligations.filter { if case .deadline = $0.rule { true } else { false } }
                    if let obligation = deadlines.randomElement(using: &dice) {
                        try? fixture.append(["type": "task.completed", "unit": .string(unit), "obligation": .string(obligation.id), "at": .string(at)])
                    }
                case 3:
                    let kind = ["report-heard", "special-study"][dice.roll(2)]
                    try? fixture.append(["type": "meeting.held", "unit": .string(unit), "meeting": .string(kind), "at": .string(at)])
                case 4, 5:
                    // Now and then an id already used: refused, unless its receipt was voided.
                    let reused = !inquiries.isEmpty && dice.roll(3) == 0
                    var id = "q\(inquiries.count + 1)"
                    if reused, !voidedReceipts.isEmpty, dice.roll(2) == 0 {
                        id = voidedReceipts[dice.roll(voidedReceipts.count)].id
                    } else if reused {
                        id = inquiries[inquiries.count - 1 - dice.roll(min(inquiries.count, 40))].id
                    }
                    let received = try? fixture.append(["type": "inquiry.received", "unit": .string(unit), "inquiry": .string(id),
                                                        "channel": .string(channels[dice.roll(channels.count)]),
                                                        "simple": .bool(dice.roll(3) == 0), "at": .string(at)])
                    if let received, !reused { inquiries.append((unit, id, received)) }
                    if received != nil && reused { reReceived += 1 }
                case 6, 7, 8:
                    guard !inquiries.isEmpty else { continue }
                    let (owner, id, _) = inquiries[inquiries.count - 1 - dice.roll(min(inquiries.count, 40))]
                    var fields: [String: JSONValue] = ["type": .string(stepTypes[dice.roll(stepTypes.count)]), "unit": .string(owner),
                                                       "inquiry": .string(id), "at": .string(at)]
                    if fields["type"] == "inquiry.extended" { fields["days"] = .number(Double(1 + dice.roll(10))) }
                    try? fixture.append(fields)
                default:
                    // Rarely, a rule change: a void of a recent record, or the catalog adopted again.
                    if dice.roll(30) == 0 {
                        var target = fixture.facts.size - UInt64(dice.roll(Int(min(fixture.facts.size, 30))))
                        // Half the time a recent receipt, so that ids get received again.
                        let inquiry = inquiries.isEmpty ? nil : inquiries[inquiries.count - 1 - dice.roll(min(inquiries.count, 20))]
                        if let inquiry, dice.roll(2) == 0 { target = inquiry.receipt }
                        let voided = try? fixture.append(["type": "event.voided", "target": .number(Double(target)), "reason": "登记有误", "at": .string(at)])
                        if voided != nil, let inquiry, inquiry.receipt == target { voidedReceipts.append((inquiry.unit, inquiry.id)) }
                    } else if dice.roll(150) == 0 {
                        try? fixture.appendRaw(["id": .string("catalog-again-\(round)"), "type": "catalog.adopted", "catalog": catalog.document])
                    }
                }
            }
            // Records past the durable view, as in a group commit being written: a publication,
            // or a void (a rule change the durable view must not see).
            let durable = fixture.facts.size
            fixture.facts.beginTentative()
            let tentativeAt = BusinessDate(year: 2023, month: 1, day: 1).adding(days: day).description
            if round % 2 == 0 {
                try? fixture.publish("rsj", "T01", tentativeAt)
            } else {
                try? fixture.append(["type": "event.voided", "target": .number(Double(durable - 1)), "reason": "登记有误", "at": .string(tentativeAt)])
            }
            XCTAssertEqual(fixture.facts.size, durable + 1, "seed \(seed) round \(round): a tentative record")
            for unit in units {
                for known in [durable, durable / 2] {
                    let view = fixture.view(known: known)
                    let kept = digests[unit]
                    let digest = kept?.advanced(to: view) ?? UnitDigest(unit: unit, view: view)
                    XCTAssertEqual(digest.known, known)
                    if let kept, known >= kept.known {
                        if kept.canAdvance(to: view) { advancedInPlace += 1 } else { rebuilt += 1 }
                    }
                    if known == durable { digests[unit] = digest }
                    for asof in [date("2023-12-31"), BusinessDate(year: 2023, month: 1, day: 1).adding(days: day / 2), date("2023-03-31")]
                    where asof >= digest.settledThrough {
                        let expected = ComplianceEvaluation.answer(unit: unit, view: view, asof: asof)
                        let actual = ComplianceEvaluation.answer(unit: unit, view: view, asof: asof, inputs: digest.inputs(view: view, asof: asof))
                        XCTAssertEqual(actual, expected, "seed \(seed) round \(round) unit \(unit) known \(known) asof \(asof)")
                        compared += 1
                    }
                }
            }
            fixture.facts.dropTentative()
        }
        // The comparison must have covered the interesting paths, or it proves little.
        XCTAssertGreaterThan(compared, 150, "seed \(seed)")
        XCTAssertGreaterThan(advancedInPlace, 40, "seed \(seed)")
        XCTAssertGreaterThan(rebuilt, 3, "seed \(seed)")
        XCTAssertGreaterThanOrEqual(fixture.facts.ruleChanges.count - seededRuleChanges, 2, "seed \(seed): voids happened")
        print("UnitDigestTests seed \(seed): \(compared) answers compared, \(advancedInPlace) advanced, \(rebuilt) rebuilt, \(reReceived) inquiries received again after a void")
    }
}

extension UnitDigestTests.Dice: RandomNumberGenerator {
    mutating func next() -> UInt64 {
        UInt64(roll(1 << 30)) << 34 | UInt64(roll(1 << 30)) << 4 | UInt64(roll(16))
    }
}
