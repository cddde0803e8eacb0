import GongkaiDomain

/// One unit's COMPLIANCE inputs kept between queries, so that a busy unit is not judged again
/// from its first record at every query. A digest stands for one view (`known`). Moving it to
/// a later view reads only the facts recorded since. A catalog, calendar or void recorded in
/// between can change any verdict; the digest is then built again from every fact.
///
/// Inquiries are split in two. A settled inquiry has a counted reply. Its verdict (on time or
/// late) is fixed once every step up to the reply has happened, so it is counted once per
/// channel. An unsettled inquiry becomes overdue as days pass: its due date is kept, and each
/// query compares it with `asof`. Pure: advancing returns a new digest.
public struct UnitDigest: Sendable {
    public let unit: String
    /// The view this digest stands for.
    public private(set) var known: UInt64 = 0
    /// The catalog its reply rules came from (views of different years may judge by
    /// different catalogs).
    public let catalogSeq: UInt64?
    /// The latest date of any step a settled verdict rests on. The digest answers only for
    /// `asof` on or after it; before that, some settled inquiry had not been replied to yet.
    public private(set) var settledThrough = BusinessDate(dayNumber: Int.min)
    /// Dates of the counted facts, and in `replies` the replied inquiries, per channel and year.
    private var inputs = ComplianceInputs()
    /// Inquiries without a counted reply.
    private var unsettled: [Pending] = []
    /// Inquiries whose receipt was voided. The same id may be received again later, and
    /// that new receipt goes into the same steps list, so these are looked at again at
    /// every fold.
    private var uncounted: [String] = []
    /// How much of each of the unit's fact lists has been read (all of it through `known`).
    private var publicationsRead = 0, completionsRead = 0, meetingsRead = 0, inquiriesRead = 0

    /// Settled verdicts are reached with every step up to the reply counted.
    private static let endOfTime = BusinessDate(year: 9999, month: 12, day: 31)

    /// An inquiry not yet replied to, judged with all its counted steps. Its due date holds
    /// for any `asof` on or after its latest step; an earlier `asof` judges it again.
    private struct Pending: Sendable {
        let inquiry: String
        let key: ComplianceInputs.ReplyKey
        let latestStep: BusinessDate
        let due: BusinessDate?
    }

    /// The digest of `unit` at `view`, from every fact.
    public init(unit: String, view: LedgerView) {
        self.unit = unit
        catalogSeq = view.catalogSeq
        fold(view)
    }

    /// Whether `advanced(to:)` can reuse this digest for `view` (else it builds anew).
    public func canAdvance(to view: LedgerView) -> Bool {
        view.known >= known && view.catalogSeq == catalogSeq && view.facts.lastRuleChange(through: view.known) <= known
    }

    /// This digest moved to `view`: the facts recorded since folded in, or built anew when a
    /// rule change or an earlier view rules reuse out.
    public func advanced(to view: LedgerView) -> UnitDigest {
        guard canAdvance(to: view) else { return UnitDigest(unit: unit, view: view) }
        guard view.known > known else { return self }
        var next = self
        next.fold(view)
        return next
    }

    /// The inputs for judging at `asof`: settled counts plus the unsettled judged now.
    /// `view` must be the digest's and `asof` on or after `settledThrough`.
    public func inputs(view: LedgerView, asof: BusinessDate) -> ComplianceInputs {
        precondition(view.known == known && asof >= settledThrough, "a digest answers only for its view, from settledThrough on")
        var result = inputs
        guard view.catalog != nil else { return result }
        let facts = view.unitFacts(unit)
        let rules = InquiryEvaluation.ReplyRuleBook(view: view, unit: unit)
        // Counted per channel and year in a short list first: a unit has a few channels but
        // can have hundreds of unanswered inquiries, and each would hash its channel name again.
        var tallies: [(key: ComplianceInputs.ReplyKey, counts: ReplyCounts)] = []
        func tally(_ key: ComplianceInputs.ReplyKey, _ state: InquiryStatus.State) {
            if let index = tallies.firstIndex(where: { $0.key == key }) {
                tallies[index].counts.add(state)
            } else {
                tallies.append((key, ReplyCounts()))
                tallies[tallies.count - 1].counts.add(state)
            }
        }
        for pending in unsettled {
            if asof >= pending.latestStep {
                let overdue = pending.due.map { asof > $0 } ?? false
                tally(pending.key, overdue ? .overdue : .open)
            } else if let status = InquiryEvaluation.evaluate(inquiry: pending.inquiry, unit: unit,
                                                              steps: view.countedSteps(facts.inquiries[pending.inquiry] ?? []),
                                                              calendar: view.calendar, asof: asof, replyRule: rules.rule) {
                tally(ComplianceInputs.ReplyKey(channel: status.channel, year: status.received.year), status.state)
            }
        }
        for (key, counts) in tallies { result.replies[key, default: ReplyCounts()].add(counts) }
        return result
    }

    /// Reads the facts recorded after `known` through `view.known`. Callers have checked that
    /// no rule change lies between, so nothing read before needs judging again.
    private mutating func fold(_ view: LedgerView) {
        let facts = view.unitFacts(unit)
        Self.read(facts.publications, from: &publicationsRead, view: view, into: &inputs.publications)
        Self.read(facts.completions, from: &completionsRead, view: view, into: &inputs.completions)
        Self.read(facts.meetings, from: &meetingsRead, view: view, into: &inputs.meetings)
        let rules = InquiryEvaluation.ReplyRuleBook(view: view, unit: unit)
        let waiting = unsettled.map(\.inquiry) + uncounted
        unsettled.removeAll(keepingCapacity: true)
        uncounted.removeAll(keepingCapacity: true)
        for inquiry in waiting { sort(inquiry, facts: facts, view: view, rules: rules) }
        while inquiriesRead < facts.inquiryOrder.count {
            let inquiry = facts.inquiryOrder[inquiriesRead]
            // inquiryOrder is in the seq order of receipts: the first one past the view ends it.
            guard let receipt = facts.inquiries[inquiry]?.first, receipt.seq <= view.known else { break }
            inquiriesRead += 1
            sort(inquiry, facts: facts, view: view, rules: rules)
        }
        known = view.known
    }

    /// Counts an inquiry as settled if it has a counted reply, else keeps it for judging at
    /// each query, or, if its receipt does not count, for looking at again at the next fold.
    private mutating func sort(_ inquiry: String, facts: UnitFacts, view: LedgerView, rules: InquiryEvaluation.ReplyRuleBook) {
        let steps = view.countedSteps(facts.inquiries[inquiry] ?? [])
        guard let status = InquiryEvaluation.evaluate(inquiry: inquiry, unit: unit, steps: steps, calendar: view.calendar,
                                                      asof: Self.endOfTime, replyRule: rules.rule)
        else {
            uncounted.append(inquiry)
            return
        }
        let key = ComplianceInputs.ReplyKey(channel: status.channel, year: status.received.year)
        guard let reply = steps.dropFirst().firstIndex(where: { if case .replied = $0.value { true } else { false } }) else {
            assert(status.replied == nil, "an inquiry without a counted reply is not judged replied")
            let latestStep = steps.lazy.map(\.date).max()!
            unsettled.append(Pending(inquiry: inquiry, key: key, latestStep: latestStep, due: status.due))
            return
        }
        assert(status.replied != nil, "an inquiry with a counted reply is judged replied")
        inputs.replies[key, default: ReplyCounts()].add(status.state)
        for step in steps[...reply] where step.date > settledThrough { settledThrough = step.date }
    }

    private static func read(_ list: [Dated<String>], from position: inout Int, view: LedgerView, into groups: inout [String: [BusinessDate]]) {
        while position < list.count, list[position].seq <= view.known {
            let fact = list[position]
            if view.counts(fact.seq) { ComplianceInputs.insert(fact.date, into: &groups[fact.value, default: []]) }
            position += 1
        }
    }
}
