import GongkaiDomain

/// The ledger as it stood when it held `known` records: the catalog and calendars adopted by
/// then, and only the facts recorded by then and not voided by then. Answers computed from a
/// view with known = N are the same today as they were when the log ended at N.
public struct LedgerView {
    public let facts: LedgerFacts
    public let known: UInt64
    /// The rules in force at `known`, if any catalog was adopted by then.
    public let catalog: Catalog?
    public let calendar: WorkingDayCalendar
    /// The facts' voids, held here once: `counts` runs for every fact a query looks at, and
    /// reaching through the facts object each time costs a retain and a release.
    private let voidedBy: [UInt64: UInt64]

    public init(facts: LedgerFacts, known: UInt64) {
        precondition(known <= facts.size, "a view cannot know records the ledger does not have")
        self.facts = facts
        self.known = known
        voidedBy = facts.voidedBy
        catalog = facts.catalogs.last { $0.seq <= known }?.catalog
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

    /// The steps that count, in seq order; empty if the receipt does not count.
    public func countedSteps(_ all: [Dated<InquiryStep>]) -> [Dated<InquiryStep>] {
        // Usually every step counts: then the stored list itself, with no copy.
        let steps = all.allSatisfy { counts($0.seq) } ? all : all.filter { counts($0.seq) }
        guard let first = steps.first, case .received = first.value else { return [] }
        return steps
    }
}
