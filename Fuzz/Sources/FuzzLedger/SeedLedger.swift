import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol

/// The facts of a new ledger as the daemon seeds it: the bundled catalog and calendars as its
/// first records. Built once; each input folds its events in tentatively and drops them.
public enum SeedLedger {
    /// The business date validation runs on ("at" may be at most a day after it).
    public static let today = BusinessDate(year: 2024, month: 6, day: 30)

    static let facts: LedgerFacts = {
        let facts = LedgerFacts()
        var events: [JSONValue] = []
        do {
            events.append(["id": "seed-catalog", "type": "catalog.adopted", "catalog": try JSONParser.parse(BundledDocuments.catalog)])
            for text in BundledDocuments.calendars {
                guard case .object(var members) = try JSONParser.parse(text), let year = members["year"]?.integerValue else {
                    broken("a bundled calendar is not an object with a year")
                }
                members["id"] = .string("seed-calendar-\(year)")
                members["type"] = .string(EventType.calendarAdopted.rawValue)
                events.append(.object(members))
            }
            for event in events {
                let decoded = try DomainEvent.decode(try EventEnvelope(value: event))
                facts.apply(seq: facts.size + 1, event: try EventValidator.validate(decoded, facts: facts, today: today))
            }
        } catch {
            broken("the bundled seed documents do not validate: \(error)")
        }
        return facts
    }()

    /// The ids the seed records take; an input's event with one of them is a duplicate.
    static let seedIds: Set<String> = {
        var ids: Set<String> = ["seed-catalog"]
        for text in BundledDocuments.calendars {
            if let year = (try? JSONParser.parse(text))?["year"]?.integerValue { ids.insert("seed-calendar-\(year)") }
        }
        return ids
    }()

    static let seedDigest = digest(facts)

    /// Everything the facts hold that a query can see, as text; a unit entry left empty by an
    /// undo counts as absent (every reader treats a missing unit as an empty one).
    static func digest(_ facts: LedgerFacts) -> String {
        var parts: [String] = ["size \(facts.size)"]
        parts.append("catalogs \(facts.catalogs.map(\.seq)) calendars \(facts.calendars.map(\.seq))")
        parts.append("years \((1999...2101).filter(facts.calendar.hasCalendar(forYear:)))")
        parts.append("types \(facts.recordTypes.map(\.rawValue))")
        parts.append("voided \(facts.voidedBy.sorted { $0.key < $1.key }.map { "\($0.key)<-\($0.value)" })")
        parts.append("owners \(facts.inquiryOwner.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
        for (unit, unitFacts) in facts.units.sorted(by: { $0.key < $1.key }) {
            let lists = [unitFacts.publications.map(\.seq), unitFacts.completions.map(\.seq), unitFacts.meetings.map(\.seq),
                         unitFacts.notices.map(\.seq), unitFacts.interviews.map(\.seq)]
            let inquiries = unitFacts.inquiries.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.map(\.seq))" }
            if lists.allSatisfy(\.isEmpty) && inquiries.isEmpty && unitFacts.inquiryOrder.isEmpty { continue }
            parts.append("unit \(unit) \(lists) \(inquiries) order \(unitFacts.inquiryOrder)")
        }
        return parts.joined(separator: "\n")
    }
}
