import GongkaiDomain

/// How many of a unit's inquiries stand in each state (one channel, or the channels of one
/// reply obligation).
public struct ReplyCounts: Equatable, Sendable {
    public var open = 0, overdue = 0, onTime = 0, late = 0

    public init() {}

    public mutating func add(_ state: InquiryStatus.State) {
        switch state {
        case .open: open += 1
        case .overdue: overdue += 1
        case .onTime: onTime += 1
        case .late: late += 1
        }
    }

    public mutating func add(_ other: ReplyCounts) {
        open += other.open
        overdue += other.overdue
        onTime += other.onTime
        late += other.late
    }
}

/// What judging one unit's obligations at a date reads: the dates of its counted
/// publications and completions (per obligation) and meetings (per kind), and its inquiries
/// counted per channel and state. Each date list is ascending and may run past `asof`: the
/// judging ignores those.
/// Built either from every fact (`judged`) or from a kept UnitDigest.
public struct ComplianceInputs: Sendable {
    public var publications: [String: [BusinessDate]] = [:]
    public var completions: [String: [BusinessDate]] = [:]
    public var meetings: [String: [BusinessDate]] = [:]
    /// Inquiries received by `asof`, per channel and year of receipt: a year's reply
    /// obligation answers for the inquiries received in that year, so this year's cannot
    /// change last year's verdict, nor last year's this year's.
    public var replies: [ReplyKey: ReplyCounts] = [:]

    public struct ReplyKey: Hashable, Sendable {
        public let channel: String
        public let year: Int

        public init(channel: String, year: Int) {
            self.channel = channel
            self.year = year
        }
    }

    public init() {}

    /// From every fact of `unit` in `view`: one pass over each list.
    public static func judged(unit: String, view: LedgerView, asof: BusinessDate) -> ComplianceInputs {
        var inputs = ComplianceInputs()
        let facts = view.unitFacts(unit)
        group(facts.publications, view: view, asof: asof, into: &inputs.publications)
        group(facts.completions, view: view, asof: asof, into: &inputs.completions)
        group(facts.meetings, view: view, asof: asof, into: &inputs.meetings)
        // Inquiries are judged only for a unit some reply obligation binds.
        let replyBound = view.catalog?.obligations(for: unit).contains { if case .reply = $0.rule { true } else { false } } ?? false
        if replyBound {
            for status in InquiryEvaluation.all(unit: unit, view: view, asof: asof) {
                inputs.replies[ReplyKey(channel: status.channel, year: status.received.year), default: ReplyCounts()].add(status.state)
            }
        }
        return inputs
    }

    /// The counts of the channels a reply obligation covers (a channel named twice counts
    /// once), of the inquiries received in `year`.
    public func replies(on channels: [String], receivedIn year: Int) -> ReplyCounts {
        var total = ReplyCounts()
        for (index, channel) in channels.enumerated() where !channels[..<index].contains(channel) {
            if let counts = replies[ReplyKey(channel: channel, year: year)] { total.add(counts) }
        }
        return total
    }

    static func group(_ list: [Dated<String>], view: LedgerView, asof: BusinessDate, into groups: inout [String: [BusinessDate]]) {
        for fact in list where fact.date <= asof && view.counts(fact.seq) {
            insert(fact.date, into: &groups[fact.value, default: []])
        }
    }

    /// Inserts keeping `dates` ascending. Facts mostly arrive in date order, so nearly always
    /// this is an append.
    static func insert(_ date: BusinessDate, into dates: inout [BusinessDate]) {
        guard let last = dates.last, date < last else { return dates.append(date) }
        dates.insert(date, at: boundary(dates) { $0 <= date })
    }

    /// How many of the ascending `dates` lie in first...last.
    static func count(_ dates: [BusinessDate], from first: BusinessDate, through last: BusinessDate) -> Int {
        guard first <= last else { return 0 }
        return boundary(dates) { $0 <= last } - boundary(dates) { $0 < first }
    }

    /// The index of the first of the ascending `dates` on or after `date` (their count if none is).
    static func firstIndex(onOrAfter date: BusinessDate, in dates: [BusinessDate]) -> Int {
        boundary(dates) { $0 < date }
    }

    /// The index of the first date for which `isBefore` is false; `isBefore` must hold for a
    /// prefix of the dates and fail for the rest.
    private static func boundary(_ dates: [BusinessDate], _ isBefore: (BusinessDate) -> Bool) -> Int {
        var low = 0, high = dates.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(dates[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
