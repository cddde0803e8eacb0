import GongkaiDomain
import GongkaiJSON

/// One judged period or deadline of one obligation.
public struct ComplianceEntry: Equatable, Sendable {
    public enum Status: String, Sendable { case met, missed, late, pending }
    public let obligation: String
    public let label: String
    public let status: Status
    public let end: BusinessDate
    /// A deadline task's completion counted for it (nil for periods and replies).
    public var done: BusinessDate? = nil
}

/// A unit's obligations judged at a business date (COMPLIANCE). Pure.
public enum ComplianceEvaluation {
    /// Only periods that have begun by `asof` are judged; a period that has ended without its
    /// minimum is missed, one still running is pending. `dates` are ascending; those after
    /// `asof` do not count.
    public static func periods(_ periods: [Period], minimum: Int, dates: [BusinessDate],
                               asof: BusinessDate) -> [(Period, ComplianceEntry.Status, Int)] {
        assert(zip(dates, dates.dropFirst()).allSatisfy { $0 <= $1 }, "dates are ascending")
        // Two binary searches per period: a busy unit publishes thousands of times a year.
        return periods.filter { $0.start <= asof }.map { period in
            let count = ComplianceInputs.count(dates, from: period.start, through: min(period.end, asof))
            return (period, count >= minimum ? .met : (asof > period.end ? .missed : .pending), count)
        }
    }

    /// A deadline is met if done by its due date, late if done after, missed if still not
    /// done once the date has passed, pending before that. `completions` are this task's,
    /// ascending, so the first is the earliest (a busy unit can record thousands).
    public static func deadline(due: BusinessDate, completions: ArraySlice<BusinessDate>, asof: BusinessDate) -> (ComplianceEntry.Status, BusinessDate?) {
        assert(zip(completions, completions.dropFirst()).allSatisfy { $0 <= $1 }, "completions are ascending")
        if let done = completions.first, done <= asof { return (done <= due ? .met : .late, done) }
        return (asof > due ? .missed : .pending, nil)
    }

    /// Where the completions of `catalog`'s task `id` begin among all of the unit's (ascending):
    /// a task of one year's table is done by a completion of that year or later, never by an
    /// earlier year's. Each completion counts for the earliest task still open: when last
    /// year's table had the same task and nothing completed it within last year, the first
    /// completion of this year was its late one, and this year's task counts those after it.
    static func firstCompletion(of id: String, unit: String, in completions: [BusinessDate], catalog: Catalog,
                                view: LedgerView) -> Int {
        let first = ComplianceInputs.firstIndex(onOrAfter: BusinessDate(year: catalog.year, month: 1, day: 1), in: completions)
        // Only a task last year's table set this unit (a unit or an obligation new this year had none).
        guard first < completions.count,
              let previous = view.facts.adoptedCatalog(known: view.known, year: catalog.year - 1)?.catalog,
              previous.year == catalog.year - 1, let task = previous.obligation(id), case .deadline = task.rule,
              task.applies(to: unit) else { return first }
        let doneInItsYear = ComplianceInputs.firstIndex(onOrAfter: BusinessDate(year: previous.year, month: 1, day: 1), in: completions) < first
        return doneInItsYear ? first : first + 1
    }

    /// The answer's obligations list and every judged entry (for summaries and bulletins),
    /// from every fact of the unit.
    public static func evaluate(unit: String, view: LedgerView, asof: BusinessDate) -> (json: [JSONValue], entries: [ComplianceEntry]) {
        evaluate(unit: unit, view: view, asof: asof, inputs: ComplianceInputs.judged(unit: unit, view: view, asof: asof))
    }

    /// The same from inputs already gathered (from every fact, or from a UnitDigest).
    public static func evaluate(unit: String, view: LedgerView, asof: BusinessDate,
                                inputs: ComplianceInputs) -> (json: [JSONValue], entries: [ComplianceEntry]) {
        guard let catalog = view.catalog else { return ([], []) }
        var json: [JSONValue] = []
        var entries: [ComplianceEntry] = []
        for obligation in catalog.obligations(for: unit) {
            // Room for every member up front: growing a dictionary rehashes its keys.
            var object = [String: JSONValue](minimumCapacity: 8)
            object["id"] = .string(obligation.id)
            object["kind"] = .string(obligation.rule.kindName)
            object["title"] = .string(obligation.title)
            switch obligation.rule {
            case .periodic(let kind, let minimum), .meeting(_, let kind, let minimum):
                let dates: [BusinessDate]
                if case .meeting(let meetingKind, _, _) = obligation.rule {
                    dates = inputs.meetings[meetingKind] ?? []
                    object["meeting"] = .string(meetingKind)
                } else {
                    dates = inputs.publications[obligation.id] ?? []
                }
                object["every"] = .string(kind.rawValue)
                object["minimum"] = .number(Double(minimum))
                let judged = periods(catalog.periods(kind), minimum: minimum, dates: dates, asof: asof)
                object["periods"] = .array(judged.map { period, status, count in
                    ["period": .string(period.label), "status": .string(status.rawValue), "count": .number(Double(count))]
                })
                entries += judged.map { ComplianceEntry(obligation: obligation.id, label: $0.0.label, status: $0.1, end: $0.0.end) }
            case .deadline(let due):
                let completions = inputs.completions[obligation.id] ?? []
                let first = firstCompletion(of: obligation.id, unit: unit, in: completions, catalog: catalog, view: view)
                let (status, done) = deadline(due: due, completions: completions[first...], asof: asof)
                object["due"] = .string(due.description)
                object["status"] = .string(status.rawValue)
                object["completed"] = done.map { .string($0.description) } ?? .null
                entries.append(ComplianceEntry(obligation: obligation.id, label: due.description, status: status, end: due, done: done))
            case .reply(_, _, _, let channels):
                // The inquiries received in the year asked for; those of other years answer to
                // their own year's obligation. The year asked, not the table's: a year without
                // a table of its own is judged by another year's, and its questions must still
                // count somewhere.
                let counts = inputs.replies(on: channels, receivedIn: view.year ?? catalog.year)
                let status: ComplianceEntry.Status = counts.overdue > 0 ? .missed : counts.late > 0 ? .late : counts.open > 0 ? .pending : .met
                object["status"] = .string(status.rawValue)
                object["inquiries"] = ["open": .number(Double(counts.open)), "overdue": .number(Double(counts.overdue)),
                                       "onTime": .number(Double(counts.onTime)), "late": .number(Double(counts.late))]
                entries.append(ComplianceEntry(obligation: obligation.id, label: "replies", status: status, end: asof))
            }
            json.append(.object(object))
        }
        return (json, entries)
    }

    /// The COMPLIANCE answer; `inputs` gathered from every fact unless given.
    public static func answer(unit: String, view: LedgerView, asof: BusinessDate, inputs: ComplianceInputs? = nil) -> JSONValue {
        let (obligations, entries) = evaluate(unit: unit, view: view, asof: asof,
                                              inputs: inputs ?? ComplianceInputs.judged(unit: unit, view: view, asof: asof))
        var summary: [String: JSONValue] = [:]
        for status in [ComplianceEntry.Status.met, .missed, .late, .pending] {
            summary[status.rawValue] = .number(Double(entries.filter { $0.status == status }.count))
        }
        var answer: [String: JSONValue] = [
            "unit": .string(unit), "name": view.catalog?.unit(unit).map { .string($0.name) } ?? .null,
            "asof": .string(asof.description), "known": .number(Double(view.known)),
            "catalog": view.catalog.map { .string($0.name) } ?? .null,
            "obligations": .array(obligations), "summary": .object(summary),
        ]
        if let note = CalendarNote.note(view: view, through: asof) { answer["calendarNote"] = note }
        if let note = TableNote.note(view: view, judging: view.year ?? asof.year) { answer["tableNote"] = note }
        return .object(answer)
    }
}
