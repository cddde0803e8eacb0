@testable import GongkaiDomain
import GongkaiJSON
import XCTest

/// A clerk's typo in a unit or obligation is answered with the names it was likely meant for.
final class NameSuggestionTests: XCTestCase {
    private var catalog: Catalog!

    override func setUpWithError() throws {
        catalog = try Catalog(json: try JSONParser.parse(BundledDocuments.catalog))
    }

    func testUnitsAreSuggestedByIdNameOrPartOfTheName() {
        XCTAssertEqual(catalog.unitSuggestions(for: "czjj"), ["czj（县财政局）"], "one edit, and its start (zjj is one edit too)")
        XCTAssertEqual(catalog.unitSuggestions(for: "xzj"), ["czj（县财政局）", "mzj（县民政局）"],
                       "one edit from each, neither its start: both, in the table's order")
        XCTAssertEqual(catalog.unitSuggestions(for: "szj").count, 3, "five are one edit away: three are named")
        XCTAssertEqual(catalog.unitSuggestions(for: "CZJ"), ["czj（县财政局）"], "case aside")
        XCTAssertEqual(catalog.unitSuggestions(for: "财政局"), ["czj（县财政局）"], "the name without 县")
        XCTAssertEqual(catalog.unitSuggestions(for: "财政"), ["czj（县财政局）"], "part of the name")
        XCTAssertEqual(catalog.unitSuggestions(for: "东山"), ["dongshan（东山镇）"])
        XCTAssertEqual(catalog.unitSuggestions(for: "atlantis"), [])
        XCTAssertEqual(catalog.unitSuggestions(for: ""), [])
        XCTAssertEqual(catalog.unitSuggestions(for: String(repeating: "财", count: 41)), [], "too long to be a typo")
        XCTAssertEqual(catalog.unitSuggestions(for: "c" + String(repeating: "\u{301}", count: 100_000)), [],
                       "one Character of 200,001 bytes is not compared")
        XCTAssertEqual(catalog.obligationSuggestions(for: "T" + String(repeating: "\u{301}", count: 100_000)), [])
    }

    func testObligationsAreSuggestedForCaseZerosAndMissingLetters() {
        XCTAssertEqual(catalog.obligationSuggestions(for: "T4a"), ["T04a"])
        XCTAssertEqual(catalog.obligationSuggestions(for: "t01"), ["T01"])
        XCTAssertEqual(catalog.obligationSuggestions(for: "T1"), ["T01"], "T1 is T01, not T10–T18b")
        XCTAssertEqual(catalog.obligationSuggestions(for: "T18"), ["T18a", "T18b"], "not T08 or T10–T17, one edit away too")
        XCTAssertEqual(catalog.obligationSuggestions(for: "m1"), ["M1"])
        XCTAssertEqual(catalog.obligationSuggestions(for: "T99"), [], "one edit from T09 is another task, not a typo")
        XCTAssertEqual(catalog.obligationSuggestions(for: "T"), [])
        XCTAssertEqual(catalog.obligationSuggestions(for: "T004a"), ["T04a"], "every leading zero")
        XCTAssertEqual(catalog.obligationSuggestions(for: "T0"), [], "not T01–T09: a zero alone is no number's lead")
        XCTAssertEqual(catalog.obligationSuggestions(for: "T2"), ["T02"])
        XCTAssertEqual(catalog.obligationSuggestions(for: "T20"), [], "not T20's neighbours, and not by a missing digit")
    }

    /// Worked out once per text (a clerk's file repeats its typo on every line, and each is
    /// worked out on the writer), in a memo that never grows past its bound.
    func testUnitSuggestionsAreRememberedWithinABound() {
        XCTAssertEqual(catalog.unitSuggestions(for: "czjj"), ["czj（县财政局）"])
        XCTAssertEqual(catalog.unitSuggestionMemo.withLock { $0["czjj"] }, ["czj（县财政局）"])
        for index in 0..<(Catalog.maxMemoizedSuggestions + 44) { _ = catalog.unitSuggestions(for: "x\(index)") }
        XCTAssertLessThanOrEqual(catalog.unitSuggestionMemo.withLock { $0.count }, Catalog.maxMemoizedSuggestions)
        XCTAssertEqual(catalog.unitSuggestions(for: "czjj"), ["czj（县财政局）"])
        XCTAssertEqual(catalog.unitSuggestions(for: String(repeating: "c", count: 161)), [], "too long: neither worked out nor kept")
        XCTAssertNil(catalog.unitSuggestionMemo.withLock { $0[String(repeating: "c", count: 161)] })
    }

    func testTheQuestionNamesEverySuggestion() {
        XCTAssertNil(NameSuggestion.question([]))
        XCTAssertEqual(NameSuggestion.question(["T01"]), "did you mean T01?")
        XCTAssertEqual(NameSuggestion.question(["a", "b", "c"]), "did you mean a, b or c?")
    }
}
