import GongkaiDomain

/// The ledger as it stood when it held `known` records: the catalog and calendars adopted by
/// then, and only the facts recorded by then and not voided by then. Answers computed from a
/// view with known = N are the same today as they were when the log ended at N.
public struct LedgerView {
    public let facts: LedgerFacts
    public let known: UInt64
    /// The rules that judge the view's year (`LedgerFacts.adoptedCatalog`): the catalog adopted
    /// by `known` for that year, else the last adopted by then; nil if none was.
    public let catalog: Catalog?
    /// The seq of the record that adopted `catalog`.
    public let catalogSeq: UInt64?
    /// The year asked for (nil: the rules in force). It is `catalog`'s year unless that year
    /// has no table of its own and `catalog` is another year's, taken in its place.
    public let year: Int?
    public let calendar: WorkingDayCalendar
    /// The facts' voids, held here once: `counts` runs for every fact a query looks at, and
    /// reaching through the facts object each time costs a retain and a release.
    private let voidedBy: [UInt64: UInt64]

    /// The ledger at `known` records, judging business dates of `year` (nil: by the rules in
    /// force, the last catalog adopted).
    public init(facts: LedgerFacts, known: UInt64, year: Int? = nil) {
        precondition(known <= facts.size, "a view cannot know records the ledger does not have")
        self.facts = facts
        self.known = known
        self.year = year
        voidedBy = facts.voidedBy
        let adopted = facts.adoptedCatalog(known: known, year: year)
        catalog = adopted?.catalog
        catalogSeq = adopted?.seq
        if facts.calendars.last.map({ $0.seq <= known }) ?? true {
            calendar = facts.calendar  // every adopted calendar is known: the kept one serves
        } else {
            calendar = WorkingDayCalendar(facts.calendars.filter { $0.seq <= known }.map(\.document))
        }
    }

    /// Whether record `seq` counts in this view: recorded by `known` and not voided by then.
    public func counts(_ seq: UInt64) -> Bool {
        guard seq <= known else { return false }
        guard !voidedBy.isEmpty, let voidSeq = voidedBy[seq] else { return true }
        return voidSeq > known
    }

    public func unitFacts(_ unit: String) -> UnitFacts { facts.units[unit] ?? UnitFacts() }

    /// Facts that count and happened on or before `asof`.
    public func counted<Value>(_ list: [Dated<Value>], asof: BusinessDate) -> [Dated<Value>] {
        list.filter { $0.date <= asof && counts($0.seq) }
    }

    /// The steps of an inquiry that count, in seq order; empty if its receipt does not count.
    public func inquirySteps(unit: String, inquiry: String) -> [Dated<InquiryStep>] {
        countedSteps(facts.units[unit]?.inquiries[inquiry] ?? [])
    }

    /// The steps that count, in seq order, from the receipt that counts; empty if none does.
    /// An inquiry whose receipt was voided can be received again: the steps recorded before
    /// the new receipt belonged to the voided one and do not count towards it. A view has at
    /// most one counted receipt, since a receipt is refused while another one counts.
    public func countedSteps(_ all: [Dated<InquiryStep>]) -> [Dated<InquiryStep>] {
        // Usually every step counts: then the stored list itself, with no copy.
        let steps = all.allSatisfy { counts($0.seq) } ? all : all.filter { counts($0.seq) }
        guard let first = steps.first else { return [] }
        if case .received = first.value { return steps }
        guard let receipt = steps.firstIndex(where: { if case .received = $0.value { true } else { false } }) else { return [] }
        return Array(steps[receipt...])
    }

    /// The unit whose receipt of `inquiry` counts in this view: the first unit to receive it,
    /// or one that received it again after that receipt was voided. nil if no receipt counts.
    public func owner(ofInquiry inquiry: String) -> String? {
        counted(inquiry: inquiry)?.owner
    }

    /// The owner of `inquiry` (see `owner(ofInquiry:)`) with its counted steps, which that
    /// search has read already: validating a step needs both.
    public func counted(inquiry: String) -> (owner: String, steps: [Dated<InquiryStep>])? {
        guard let first = facts.inquiryOwner[inquiry] else { return nil }
        let steps = inquirySteps(unit: first, inquiry: inquiry)
        if !steps.isEmpty { return (first, steps) }
        for unit in facts.inquiryLaterUnits[inquiry] ?? [] {
            let steps = inquirySteps(unit: unit, inquiry: inquiry)
            if !steps.isEmpty { return (unit, steps) }
        }
        return nil
    }
}
