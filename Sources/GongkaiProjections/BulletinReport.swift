import GongkaiDomain
import GongkaiJSON

/// BULLETIN <YYYY-MM>: what the county office's monthly 政务公开月报 reports for a month,
/// judged at the month's last day — per unit: publications in the month, obligations found
/// missed, deadline tasks done late in the month, overdue and late replies, notices issued,
/// escalation state; and the five units
/// that published least, with every unit tied with the fifth (tied units share a rank,
/// 并列: a published list that names units must not pick among equals). Pure.
public enum BulletinReport {
    public static let fewestCount = 5

    /// The `fewestCount` units that published least, in catalog order among equals, plus
    /// every unit tied with the last of them; each ranked 1 + the number that published less.
    static func fewest(_ counts: [(unit: CatalogUnit, publications: Int)]) -> [JSONValue] {
        let sorted = counts.enumerated().sorted { ($0.element.publications, $0.offset) < ($1.element.publications, $1.offset) }
            .map(\.element)
        guard let cutoff = sorted.prefix(fewestCount).last?.publications else { return [] }
        var ranked: [JSONValue] = []
        var rank = 0
        for (position, entry) in sorted.enumerated() where entry.publications <= cutoff {
            // A unit that published more than the one before it ranks by its place; a tie shares.
            if position == 0 || sorted[position - 1].publications < entry.publications { rank = position + 1 }
            ranked.append(["unit": .string(entry.unit.id), "name": .string(entry.unit.name),
                           "publications": .number(Double(entry.publications)), "rank": .number(Double(rank))])
        }
        return ranked
    }

    public static func answer(year: Int, month: Int, view: LedgerView) -> JSONValue {
        let first = BusinessDate(year: year, month: month, day: 1)
        let last = first.lastOfMonth
        let label = first.description.prefix(7)
        var base: [String: JSONValue] = ["month": .string(String(label)), "asof": .string(last.description),
                                         "known": .number(Double(view.known))]
        guard let catalog = view.catalog else {
            base["units"] = []
            base["fewestPublications"] = []
            return .object(base)
        }
        var rows: [(unit: CatalogUnit, publications: Int, json: JSONValue)] = []
        var totals = (publications: 0, missed: 0, lateTasks: 0, overdue: 0, late: 0, notices: 0, interviewRequired: 0)
        for unit in catalog.units {
            let facts = view.unitFacts(unit.id)
            let publications = view.counted(facts.publications, asof: last).filter { $0.date >= first }.count
            // Found missed this month: periods or deadlines that ended within the month unmet.
            // Judged at the last day, so that nothing done after the month counts; one ending on
            // that day is still pending then, but the month is over: it was missed.
            let (_, entries) = ComplianceEvaluation.evaluate(unit: unit.id, view: view, asof: last)
            let missed = entries.filter { ($0.status == .missed || $0.status == .pending) && $0.end >= first && $0.end <= last && $0.label != "replies" }
                .map { "\($0.obligation) \($0.label)" }
            // Done this month after the due date: a task due and done late within one month was
            // never found missed, and no bulletin reported it (one done a month later was missed
            // in its due month's). A late task is reported in the month it was done.
            let lateTasks = entries.filter { $0.status == .late && ($0.done.map { $0 >= first && $0 <= last } ?? false) }
                .map { "\($0.obligation) \($0.label)" }
            let inquiries = InquiryEvaluation.all(unit: unit.id, view: view, asof: last)
            let overdue = inquiries.filter { $0.state == .overdue }.map(\.inquiry)
            let late = inquiries.filter { $0.state == .late && ($0.replied.map { $0 >= first } ?? false) }.map(\.inquiry)
            let notices = view.counted(facts.notices, asof: last).filter { $0.date >= first }
            let escalation = EscalationEvaluation.evaluate(unit: unit.id, view: view, asof: last)
            totals.publications += publications
            totals.missed += missed.count
            totals.lateTasks += lateTasks.count
            totals.overdue += overdue.count
            totals.late += late.count
            totals.notices += notices.count
            if escalation?.state == .interviewRequired { totals.interviewRequired += 1 }
            let row: JSONValue = [
                "unit": .string(unit.id), "name": .string(unit.name), "publications": .number(Double(publications)),
                "missed": .array(missed.map { .string($0) }), "lateTasks": .array(lateTasks.map { .string($0) }),
                "overdueReplies": .array(overdue.map { .string($0) }),
                "lateReplies": .array(late.map { .string($0) }),
                "notices": .array(notices.map { ["level": .string($0.value), "date": .string($0.date.description)] }),
                "escalation": .string(escalation?.state.rawValue ?? "clear"),
            ]
            rows.append((unit, publications, row))
        }
        let fewest = Self.fewest(rows.map { ($0.unit, $0.publications) })
        base["catalog"] = .string(catalog.name)
        if let note = CalendarNote.note(view: view, through: last) { base["calendarNote"] = note }
        if let note = TableNote.note(view: view, judging: year) { base["tableNote"] = note }
        base["units"] = .array(rows.map(\.json))
        base["fewestPublications"] = .array(Array(fewest))
        // January's bulletin (and later months') names an interview still owed from last
        // year, as ESCALATIONS does; only when there is one, so other answers are unchanged.
        let owed = EscalationEvaluation.owedFromLastYear(view: view, asof: last)
        if !owed.isEmpty { base["owedFromLastYear"] = .array(owed) }
        base["totals"] = ["publications": .number(Double(totals.publications)), "missed": .number(Double(totals.missed)),
                          "lateTasks": .number(Double(totals.lateTasks)),
                          "overdueReplies": .number(Double(totals.overdue)), "lateReplies": .number(Double(totals.late)),
                          "notices": .number(Double(totals.notices)), "interviewRequired": .number(Double(totals.interviewRequired))]
        return .object(base)
    }
}
