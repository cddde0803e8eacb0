import GongkaiClient
import GongkaiDomain
import GongkaiJSON

/// One unit's year: publications, deadline tasks, meetings, questions and applications.
struct UnitYear {
    let simulation: YearSimulation
    let unit: CatalogUnit
    let plan: SimulationPlan
    let days: SimulationDays

    private var catalog: Catalog { simulation.catalog }
    private var isWeak: Bool { plan.weak.contains(unit.id) }
    private var missRate: Double { plan.missRate[unit.id] ?? 0.05 }
    private var county: String { BulletinFormat.county(fromCatalogTitle: catalog.title) }

    func generate(rng: inout SplitMix64, into log: inout EventLog) {
        let forcedObligation = SimulationPlan.firstMonthlyObligation(catalog, unit: unit.id)?.id
        for obligation in catalog.obligations(for: unit.id) {
            switch obligation.rule {
            case .periodic(let period, let minimum):
                let forced = obligation.id == forcedObligation ? plan.forcedMissMonths[unit.id] ?? [] : []
                publications(obligation, period: period, minimum: minimum, forcedMissMonths: forced, rng: &rng, into: &log)
            case .deadline(let due):
                task(obligation, due: due, rng: &rng, into: &log)
            case .meeting(let kind, let period, let minimum):
                meetings(kind: kind, period: period, minimum: minimum, rng: &rng, into: &log)
            case .reply:
                break  // inquiries are drawn per channel below
            }
        }
        questions(rng: &rng, into: &log)
        applications(rng: &rng, into: &log)
    }

    // MARK: Publications, tasks, meetings

    private func publications(_ obligation: Obligation, period: PeriodKind, minimum: Int, forcedMissMonths: Set<Int>,
                              rng: inout SplitMix64, into log: inout EventLog) {
        let templates = SimulationTexts.titles[obligation.id]
            ?? (obligation.id == "T05" ? SimulationTexts.livelihoodTitles[unit.id] : nil)
            ?? SimulationTexts.genericTitles
        for span in Period.all(period, in: simulation.year) {
            let forced = period == .month && forcedMissMonths.contains(span.start.month)
            if forced || rng.chance(missRate) { continue }
            let extra: Int
            switch period {
            case .month: extra = rng.weighted([(0, 55), (1, 30), (2, 15)])
            case .quarter: extra = rng.weighted([(0, 60), (1, 40)])
            case .half: extra = rng.weighted([(0, 70), (1, 30)])
            case .year: extra = 1  // e.g. the budget in spring and the final accounts later
            }
            let start = rng.below(templates.count)
            for (index, date) in days.pick(&rng, count: minimum + extra, from: span.start, through: span.end).enumerated() {
                var fields: [String: JSONValue] = [
                    "obligation": .string(obligation.id),
                    "title": .string(text(templates[(start + index) % templates.count], date: date)),
                ]
                if let column = SimulationTexts.columns[obligation.id] { fields["column"] = .string(column) }
                log.add("publication.recorded", unit: unit.id, date: date, fields)
            }
        }
    }

    /// Mostly done in the weeks before the due date, some late, a few never.
    private func task(_ obligation: Obligation, due: BusinessDate, rng: inout SplitMix64, into log: inout EventLog) {
        let outcome = rng.weighted(isWeak ? [(0, 65), (1, 20), (2, 15)] : [(0, 88), (1, 8), (2, 4)])
        var done: BusinessDate?
        switch outcome {
        case 0:
            done = days.pick(&rng, from: max(days.first.adding(days: 14), due.adding(days: -80)), through: min(due, days.last))
        case 1 where due < days.last:
            done = days.pick(&rng, from: due.adding(days: 1), through: due.adding(days: 35))
        default:
            done = nil
        }
        guard let done else { return }
        log.add("task.completed", unit: unit.id, date: done, [
            "obligation": .string(obligation.id),
            "evidence": .string(text(rng.pick(SimulationTexts.evidence), date: done)),
        ])
    }

    private func meetings(kind: String, period: PeriodKind, minimum: Int, rng: inout SplitMix64, into log: inout EventLog) {
        let notes = SimulationTexts.meetingNotes[kind] ?? ["政务公开工作会议"]
        for span in Period.all(period, in: simulation.year) {
            if rng.chance(missRate * 0.7) { continue }
            let count = minimum + (rng.chance(0.15) ? 1 : 0)
            for date in days.pick(&rng, count: count, from: span.start, through: span.end) {
                log.add("meeting.held", unit: unit.id, date: date,
                        ["meeting": .string(kind), "note": .string(text(rng.pick(notes), date: date))])
            }
        }
    }

    // MARK: Questions (Task 17) and applications (Task 18)

    /// Hotline, mailbox and online questions: a few a month, mostly answered in time.
    private func questions(rng: inout SplitMix64, into log: inout EventLog) {
        let channels = [("hotline", 50), ("online", 30), ("mailbox", 20)].filter {
            catalog.replyObligation(channel: $0.0, unit: unit.id) != nil
        }
        guard !channels.isEmpty else { return }
        var number = 0
        for month in 1...12 {
            let first = BusinessDate(year: simulation.year, month: month, day: 1)
            let count = rng.weighted([(0, 5), (1, 25), (2, 35), (3, 25), (4, 10)])
            for received in (0..<count).map({ _ in days.anyDay(&rng, from: first, through: first.lastOfMonth) }).sorted() {
                number += 1
                let channel = rng.weighted(channels)
                let simple = rng.chance(0.4)
                guard case .reply(let limitDays, let simpleLimitDays, _, _)? = catalog.replyObligation(channel: channel, unit: unit.id)?.rule
                else { continue }
                let limit = simple ? simpleLimitDays : limitDays
                let inquiry = inquiryId("q", number, width: 3)
                log.add("inquiry.received", unit: unit.id, date: received,
                        ["inquiry": .string(inquiry), "channel": .string(channel), "simple": .bool(simple)])
                let due = days.workingDay(after: received, count: limit)
                var reply: BusinessDate?
                if rng.chance(isWeak ? 0.05 : 0.012) {
                    reply = nil
                } else if rng.chance(isWeak ? 0.20 : 0.06) {
                    reply = days.workingDay(after: due, count: rng.int(1...(isWeak ? 8 : 4)))
                } else {
                    reply = simple && rng.chance(0.3) ? received : days.workingDay(after: received, count: rng.int(1...limit))
                }
                if let reply, reply <= days.last {
                    log.add("inquiry.replied", unit: unit.id, date: reply,
                            ["inquiry": .string(inquiry), "outcome": .string(rng.pick(SimulationTexts.questionOutcomes))])
                }
            }
        }
    }

    /// Applications for disclosure (依申请公开): a few a year, some with a correction (补正),
    /// a third-party consultation (pause and resume) or an extension.
    private func applications(rng: inout SplitMix64, into log: inout EventLog) {
        guard case .reply(let limitDays, let simpleLimitDays, let maxExtensionDays, _)? =
            catalog.replyObligation(channel: "application", unit: unit.id)?.rule else { return }
        let featured = [plan.correctionUnit, plan.pauseUnit, plan.extensionUnit].contains(unit.id)
        var count = rng.weighted([(0, 20), (1, 35), (2, 30), (3, 15)])
        if featured && count == 0 { count = 1 }
        let window = (BusinessDate(year: simulation.year, month: 1, day: 4), BusinessDate(year: simulation.year, month: 10, day: 31))
        for (index, received) in days.pick(&rng, count: count, from: window.0, through: window.1).enumerated() {
            let inquiry = inquiryId("a", index + 1, width: 2)
            let simple = rng.chance(0.25)
            log.add("inquiry.received", unit: unit.id, date: received,
                    ["inquiry": .string(inquiry), "channel": "application", "simple": .bool(simple)])
            func step(_ type: String, _ date: BusinessDate, _ extra: [String: JSONValue] = [:]) {
                var fields = extra
                fields["inquiry"] = .string(inquiry)
                log.add(type, unit: unit.id, date: date, fields)
            }
            let first = index == 0
            var countFrom = received  // a received correction restarts the count
            var cursor = received     // the latest step so far: later steps never precede it
            if (first && unit.id == plan.correctionUnit) || rng.chance(0.08) {
                let requested = days.workingDay(after: received, count: rng.int(1...3))
                let corrected = requested.adding(days: rng.int(3...12))
                step("inquiry.correction-requested", requested)
                step("inquiry.correction-received", corrected)
                countFrom = corrected
                cursor = corrected
            }
            var pauses: [WorkingDayCalendar.Pause] = []
            if (first && unit.id == plan.pauseUnit) || rng.chance(0.08) {
                let paused = days.workingDay(after: countFrom, count: rng.int(2...5))
                let resumed = paused.adding(days: rng.int(5...15))
                step("inquiry.paused", paused)
                step("inquiry.resumed", resumed)
                pauses.append(WorkingDayCalendar.Pause(pausedAt: paused, resumedAt: resumed))
                cursor = resumed
            }
            let limit = simple ? simpleLimitDays : limitDays
            var extensionDays = 0
            if maxExtensionDays > 0 && ((first && unit.id == plan.extensionUnit) || rng.chance(0.18)) {
                // Approved shortly before the original limit runs out.
                extensionDays = min(maxExtensionDays, rng.pick([5, 10, 15, 20]))
                var approved = max(cursor, days.workingDay(after: countFrom, count: max(1, limit - rng.int(1...2)), pauses: pauses))
                if extensionDays >= 10 && rng.chance(0.3) {
                    step("inquiry.extended", approved, ["days": .number(Double(extensionDays / 2))])
                    approved = days.workingDay(after: approved, count: 3)
                    step("inquiry.extended", approved, ["days": .number(Double(extensionDays - extensionDays / 2))])
                } else {
                    step("inquiry.extended", approved, ["days": .number(Double(extensionDays))])
                }
                cursor = approved
            }
            let due = days.workingDay(after: countFrom, count: limit + extensionDays, pauses: pauses)
            var reply: BusinessDate?
            if rng.chance(isWeak ? 0.08 : 0.03) {
                reply = nil
            } else if rng.chance(isWeak ? 0.20 : 0.07) {
                reply = days.workingDay(after: max(due, cursor), count: rng.int(1...6))
            } else {
                let inTime = days.workingDays(from: cursor.adding(days: 1), through: due)
                reply = inTime.isEmpty ? cursor : inTime[inTime.startIndex + rng.below(inTime.count)]
            }
            if let reply, reply <= days.last {
                step("inquiry.replied", reply, ["outcome": .string(rng.pick(SimulationTexts.applicationOutcomes))])
            }
        }
    }

    // MARK: Texts and ids

    /// Inquiry ids share one namespace across units and seeds: `sim-2023-s7-dongshan-q012`.
    private func inquiryId(_ kind: String, _ number: Int, width: Int) -> String {
        let digits = String(number)
        return "sim-\(simulation.year)-s\(simulation.seed)-\(unit.id)-\(kind)"
            + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private func text(_ template: String, date: BusinessDate) -> String {
        SimulationTexts.render(template, date: BusinessDateParts(year: date.year, month: date.month),
                               unitName: unit.name, county: county)
    }
}
