import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
@testable import GongkaiServer
import XCTest

/// The cache answers the newest view it has seen, advances to newer ones, and leaves older
/// views and early `asof`s to judging every fact.
final class UnitDigestCacheTests: XCTestCase {
    private let facts = LedgerFacts()

    private func append(_ value: JSONValue) throws {
        let event = try DomainEvent.decode(try EventEnvelope(value: value))
        facts.apply(seq: facts.size + 1, event: try EventValidator.validate(event, facts: facts, today: BusinessDate("2023-12-31")!))
    }

    private func answer(_ cache: UnitDigestCache, known: UInt64, asof: String) -> (cached: JSONValue?, full: JSONValue) {
        let view = LedgerView(facts: facts, known: known)
        let date = BusinessDate(asof)!
        let inputs = cache.inputs(unit: "rsj", view: view, asof: date)
        return (inputs.map { ComplianceEvaluation.answer(unit: "rsj", view: view, asof: date, inputs: $0) },
                ComplianceEvaluation.answer(unit: "rsj", view: view, asof: date))
    }

    func testNewestViewsAreAnsweredOlderOnesAndEarlyAsofsAreNot() throws {
        try append(["id": "catalog", "type": "catalog.adopted", "catalog": try JSONParser.parse(BundledDocuments.catalog)])
        try append(["id": "q1", "type": "inquiry.received", "unit": "rsj", "inquiry": "q1", "channel": "hotline", "simple": false, "at": "2023-03-01"])
        let cache = UnitDigestCache()
        let first = facts.size
        let (cached, full) = answer(cache, known: first, asof: "2023-12-31")
        XCTAssertEqual(cached, full)
        try append(["id": "r1", "type": "inquiry.replied", "unit": "rsj", "inquiry": "q1", "at": "2023-03-20"])
        try append(["id": "p1", "type": "publication.recorded", "unit": "rsj", "obligation": "T01", "title": "公示", "at": "2023-04-02"])
        let newer = answer(cache, known: facts.size, asof: "2023-12-31")
        XCTAssertNotNil(newer.cached, "a newer view advances the kept digest")
        XCTAssertEqual(newer.cached, newer.full)
        XCTAssertNil(answer(cache, known: first, asof: "2023-12-31").cached, "an older view is judged from every fact")
        XCTAssertNil(answer(cache, known: facts.size, asof: "2023-03-10").cached, "before the reply it rests on")
        XCTAssertEqual(answer(cache, known: facts.size, asof: "2023-03-20").cached, answer(cache, known: facts.size, asof: "2023-03-20").full)
    }
}
