import GongkaiClient
import GongkaiDomain
import GongkaiJSON

/// A realistic year of 政务公开 work for every unit of a catalog, as events the daemon accepts
/// in order. Pure and deterministic: the same catalog, calendar and seed give the same lines.
///
/// What happens is read from the catalog's rules, not from task numbers: every periodic
/// obligation gets publications per period, every deadline task a completion, every meeting
/// obligation its meetings, every reply obligation questions or applications with replies.
/// Each unit misses a share of its periods (`SimulationPlan.missRate`, 2–7 %, 20–30 % for the
/// chronically weak), finishes deadline tasks mostly on time, and answers most inquiries
/// within their working-day limit (`WorkingDayCalendar.dueDate`, the daemon's own count).
struct YearSimulation {
    let catalog: Catalog
    let calendar: WorkingDayCalendar
    let seed: UInt64

    var year: Int { catalog.year }

    /// The bundled catalog and holiday calendars: what a daemon adopts on an empty log.
    static func bundled(seed: UInt64) throws -> YearSimulation {
        let catalog = try Catalog(json: try JSONParser.parse(BundledDocuments.catalog))
        let documents = try BundledDocuments.calendars.map { try CalendarDocument(json: try JSONParser.parse($0)) }
        return YearSimulation(catalog: catalog, calendar: WorkingDayCalendar(documents), seed: seed)
    }

    /// The year's events as NDJSON lines (canonical JSON, no newline), ordered by date.
    func lines() -> [String] { datedLines().map(\.line) }

    /// As `lines()`, each with the date, type and unit it was made with.
    func datedLines() -> [SimulatedLine] {
        var rng = SplitMix64(seed: seed)
        let days = SimulationDays(year: year, calendar: calendar)
        let plan = SimulationPlan(catalog: catalog, days: days, rng: &rng)
        var log = EventLog()
        for unit in catalog.units {
            var unitRNG = rng.fork()
            UnitYear(simulation: self, unit: unit, plan: plan, days: days).generate(rng: &unitRNG, into: &log)
        }
        for notice in plan.notices {
            var fields: [String: JSONValue] = ["level": .string(notice.level), "reason": .string(notice.reason)]
            if let bulletin = notice.bulletin { fields["bulletin"] = .string(bulletin) }
            log.add("notice.issued", unit: notice.unit, date: notice.date, fields)
        }
        if let interview = plan.interview {
            log.add("interview.held", unit: interview.unit, date: interview.date,
                    ["note": "县政府领导约谈该单位主要负责人、分管负责人"])
        }
        return log.lines(idPrefix: "sim-\(year)-s\(seed)-")
    }
}

/// One generated event: its canonical JSON line and what merging years needs to know of it.
struct SimulatedLine {
    let date: BusinessDate
    let type: String
    let unit: String
    let line: String
}

/// Events collected in generation order, then sorted by date. Within a day they keep the
/// order they were made in, so an inquiry's receipt precedes its later steps.
struct EventLog {
    private struct Entry {
        let date: BusinessDate
        let order: Int
        let fields: [String: JSONValue]
    }

    private var entries: [Entry] = []

    mutating func add(_ type: String, unit: String, date: BusinessDate, _ fields: [String: JSONValue]) {
        var fields = fields
        fields["type"] = .string(type)
        fields["unit"] = .string(unit)
        fields["at"] = .string(date.description)
        entries.append(Entry(date: date, order: entries.count, fields: fields))
    }

    /// Sorted by (date, order), each given the id `<prefix><6-digit position>`.
    func lines(idPrefix: String) -> [SimulatedLine] {
        entries.sorted { ($0.date, $0.order) < ($1.date, $1.order) }.enumerated().map { index, entry in
            var fields = entry.fields
            let number = String(index + 1)
            fields["id"] = .string(idPrefix + String(repeating: "0", count: max(0, 6 - number.count)) + number)
            return SimulatedLine(date: entry.date, type: fields["type"]!.stringValue!, unit: fields["unit"]!.stringValue!,
                                 line: CanonicalJSON.encodeString(.object(fields)))
        }
    }
}
