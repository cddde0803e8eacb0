import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
import XCTest

/// Builds a LedgerFacts the way the daemon does: seed catalog and calendars first, then
/// events validated one by one as the writer would.
final class FactsFixture {
    let facts = LedgerFacts()
    let today: BusinessDate
    private var counter = 0

    init(today: BusinessDate = BusinessDate("2024-06-30")!) throws {
        self.today = today
        try appendRaw(["id": "seed-catalog", "type": "catalog.adopted", "catalog": try JSONParser.parse(BundledDocuments.catalog)])
        for text in BundledDocuments.calendars {
            guard case .object(var members) = try JSONParser.parse(text) else { throw TestError("calendar") }
            members["id"] = .string("seed-calendar-\(members["year"]!.integerValue!)")
            members["type"] = "calendar.adopted"
            try appendRaw(.object(members))
        }
    }

    /// Validates and folds an event; returns its seq.
    @discardableResult
    func append(_ fields: [String: JSONValue]) throws -> UInt64 {
        counter += 1
        var members = fields
        if members["id"] == nil { members["id"] = .string("e\(counter)") }
        return try appendRaw(.object(members))
    }

    @discardableResult
    func appendRaw(_ value: JSONValue) throws -> UInt64 {
        let event = try DomainEvent.decode(try EventEnvelope(value: value))
        let checked = try EventValidator.validate(event, facts: facts, today: today)
        let seq = facts.size + 1
        facts.apply(seq: seq, event: checked)
        return seq
    }

    func publish(_ unit: String, _ obligation: String, _ date: String) throws {
        try append(["type": "publication.recorded", "unit": .string(unit), "obligation": .string(obligation),
                    "title": "某某信息公开", "at": .string(date)])
    }

    func notice(_ unit: String, _ level: String, _ date: String) throws -> UInt64 {
        try append(["type": "notice.issued", "unit": .string(unit), "level": .string(level), "reason": "栏目未按期更新", "at": .string(date)])
    }

    func view(known: UInt64? = nil) -> LedgerView { LedgerView(facts: facts, known: known ?? facts.size) }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func date(_ text: String) -> BusinessDate { BusinessDate(text)! }
