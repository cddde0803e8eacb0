import GongkaiDomain
import GongkaiProtocol

/// A dated fact with the seq of the record that stated it. Every answer filters facts by
/// seq ≤ known (what the ledger knew then) and by date ≤ asof (the business date judged).
public struct Dated<Value: Sendable>: Sendable {
    public let seq: UInt64
    public let date: BusinessDate
    public let value: Value
}

/// One step in an inquiry's life (DESIGN.md section 2, `inquiry.*`).
public enum InquiryStep: Sendable {
    case received(channel: String, simple: Bool)
    case extended(days: Int)
    case paused
    case resumed
    case correctionRequested
    case correctionReceived
    case replied

    /// The event type that records this step.
    public var eventType: EventType {
        switch self {
        case .received: .inquiryReceived
        case .extended: .inquiryExtended
        case .paused: .inquiryPaused
        case .resumed: .inquiryResumed
        case .correctionRequested: .inquiryCorrectionRequested
        case .correctionReceived: .inquiryCorrectionReceived
        case .replied: .inquiryReplied
        }
    }
}

/// Everything recorded about one unit, each list in seq order.
public struct UnitFacts: Sendable {
    public var publications: [Dated<String>] = []   // obligation id
    public var completions: [Dated<String>] = []    // obligation id
    public var meetings: [Dated<String>] = []       // meeting kind
    public var notices: [Dated<String>] = []        // level
    public var interviews: [Dated<Void>] = []
    /// Inquiry id → its steps; `inquiryOrder` keeps first-received order.
    public var inquiries: [String: [Dated<InquiryStep>]] = [:]
    public var inquiryOrder: [String] = []

    /// Appends a step with one lookup of the inquiry; true if it is the inquiry's first.
    mutating func addStep(_ step: Dated<InquiryStep>, inquiry: String) -> Bool {
        let before = inquiries.count
        inquiries[inquiry, default: []].append(step)
        guard inquiries.count > before else { return false }
        inquiryOrder.append(inquiry)
        return true
    }
}

/// The ledger folded into facts: the single projection every query reads. It is built in
/// seq order, one record at a time, and can drop a tail of tentative records (a group
/// commit that failed), so the live state always equals a rebuild from the log.
public final class LedgerFacts: @unchecked Sendable {
    /// Seq of the last record folded in.
    public private(set) var size: UInt64 = 0
    public private(set) var catalogs: [(seq: UInt64, catalog: Catalog)] = []
    public private(set) var calendars: [(seq: UInt64, document: CalendarDocument)] = []
    /// The working-day calendar from every adopted calendar document (kept current, since
    /// validation needs it for each inquiry event).
    public private(set) var calendar = WorkingDayCalendar()
    public private(set) var units: [String: UnitFacts] = [:]
    /// Inquiry id → the first unit to receive it (inquiry ids are one namespace across units).
    public private(set) var inquiryOwner: [String: String] = [:]
    /// Inquiry id → the units that received it after `inquiryOwner`'s receipt was voided, in
    /// order. Rare, so kept apart: a million-record ledger has no list per inquiry.
    public private(set) var inquiryLaterUnits: [String: [String]] = [:]
    /// Voided seq → seq of the void.
    public private(set) var voidedBy: [UInt64: UInt64] = [:]
    /// Per record (index seq-1): its type, so a void can check its target.
    public private(set) var recordTypes: [EventType] = []
    /// Seqs of the records that can change a verdict already reached: catalog and calendar
    /// adoptions and voids. Whatever is kept between queries is valid only while none of
    /// these comes after it (see UnitDigest).
    public private(set) var ruleChanges: [UInt64] = []

    private enum Undo {
        case catalog, calendar, publication(String), completion(String), meeting(String), notice(String), interview(String)
        case inquiryStep(String, String), inquiryCreated(String, String), void(UInt64)
    }

    private var journal: [(seq: UInt64, undo: [Undo])] = []
    private var journaling = false

    public init() {}

    /// Start-up's size hint, given once some records are folded: grows the tables to what
    /// `records` records would need if they were like those folded so far. Without it the
    /// inquiry tables double again and again, hashing every id anew each time.
    public func reserveCapacity(records: UInt64) {
        guard size > 0, records > size else { return }
        let scale = Double(records) / Double(size)
        func estimate(_ count: Int) -> Int { min(Int(records), Int((Double(count) * scale * 1.1).rounded(.up))) }
        recordTypes.reserveCapacity(Int(records))
        inquiryOwner.reserveCapacity(estimate(inquiryOwner.count))
        for unit in units.keys {
            units[unit]!.inquiries.reserveCapacity(estimate(units[unit]!.inquiries.count))
            units[unit]!.inquiryOrder.reserveCapacity(estimate(units[unit]!.inquiryOrder.count))
        }
    }

    /// Starts recording how to undo what `apply` does, until `commitTentative` or `dropTentative`.
    public func beginTentative() {
        precondition(journal.isEmpty, "a tentative batch is still open")
        journaling = true
    }

    public func commitTentative() {
        journal.removeAll(keepingCapacity: true)
        journaling = false
    }

    /// Undoes every record applied since `beginTentative`, newest first.
    public func dropTentative() {
        while let (seq, undos) = journal.popLast() {
            precondition(seq == size, "tentative records are undone newest first")
            for undo in undos.reversed() { revert(undo) }
            if Self.changesRules(recordTypes.removeLast()) { ruleChanges.removeLast() }
            size -= 1
        }
        journaling = false
    }

    /// Folds record `seq` in. `event.unit` must already be the unit id; the event must have
    /// passed validation (or come from the log, where it once did).
    public func apply(seq: UInt64, event: DomainEvent) {
        apply(seq: seq, event: event.folded)
    }

    /// The same from the folded part of an event (start-up reads no more of stored records).
    public func apply(seq: UInt64, event: DomainEvent.Folded) {
        precondition(seq == size + 1, "facts are folded in seq order without gaps")
        var undos: [Undo] = []
        // Only a tentative batch needs its undo steps; start-up's million folds skip the array.
        let journaling = journaling
        func undo(_ step: Undo) { if journaling { undos.append(step) } }
        let unit = event.unit
        let date = event.date ?? BusinessDate(year: 1970, month: 1, day: 1)
        switch event.body {
        case .catalogAdopted(let catalog):
            catalogs.append((seq, catalog)); undo(.catalog)
        case .calendarAdopted(let document):
            calendars.append((seq, document)); undo(.calendar)
            calendar = WorkingDayCalendar(calendars.map(\.document))
        case .publicationRecorded(let obligation):
            units[unit!, default: UnitFacts()].publications.append(Dated(seq: seq, date: date, value: obligation))
            undo(.publication(unit!))
        case .taskCompleted(let obligation):
            units[unit!, default: UnitFacts()].completions.append(Dated(seq: seq, date: date, value: obligation))
            undo(.completion(unit!))
        case .meetingHeld(let kind):
            units[unit!, default: UnitFacts()].meetings.append(Dated(seq: seq, date: date, value: kind))
            undo(.meeting(unit!))
        case .noticeIssued(let level):
            units[unit!, default: UnitFacts()].notices.append(Dated(seq: seq, date: date, value: level))
            undo(.notice(unit!))
        case .interviewHeld:
            units[unit!, default: UnitFacts()].interviews.append(Dated(seq: seq, date: date, value: ()))
            undo(.interview(unit!))
        case .eventVoided(let target):
            voidedBy[target] = seq; undo(.void(target))
        default:
            let inquiry = event.body.inquiry!
            let step: InquiryStep
            switch event.body {
            case .inquiryReceived(_, let channel, let simple): step = .received(channel: channel, simple: simple)
            case .inquiryExtended(_, let days): step = .extended(days: days)
            case .inquiryPaused: step = .paused
            case .inquiryResumed: step = .resumed
            case .correctionRequested: step = .correctionRequested
            case .correctionReceived: step = .correctionReceived
            default: step = .replied
            }
            // Start-up folds a million of these: one lookup of the unit and one of the inquiry.
            if units[unit!, default: UnitFacts()].addStep(Dated(seq: seq, date: date, value: step), inquiry: inquiry) {
                // The first unit to name an inquiry is kept as its owner; a unit that received it
                // again once that receipt was voided is kept after it (LedgerView.owner).
                if let owner = inquiryOwner.updateValue(unit!, forKey: inquiry), owner != unit! {
                    inquiryOwner[inquiry] = owner
                    inquiryLaterUnits[inquiry, default: []].append(unit!)
                }
                undo(.inquiryCreated(unit!, inquiry))
            }
            undo(.inquiryStep(unit!, inquiry))
        }
        recordTypes.append(event.type)
        if Self.changesRules(event.type) { ruleChanges.append(seq) }
        size = seq
        if journaling { journal.append((seq, undos)) }
    }

    /// The catalog that judges business dates of `year` in a view that knows `known` records:
    /// the year's own table (the last adopted for it: a revision replaces it); else the table
    /// of the latest earlier year, in force until the next year's was adopted; else, before
    /// every table's year, the earliest year's. A later adoption for another year changes
    /// nothing about this one: December's bulletin, printed in January, reads the same after
    /// next year's table is adopted. `year` nil: the last catalog adopted.
    public func adoptedCatalog(known: UInt64, year: Int?) -> (seq: UInt64, catalog: Catalog)? {
        // Adopted in seq order: the known ones are a prefix.
        let adopted = catalogs.prefix { $0.seq <= known }
        guard let year else { return adopted.last }
        var best: (seq: UInt64, catalog: Catalog)?
        for entry in adopted {
            guard let current = best else { best = entry; continue }
            let (candidate, chosen) = (entry.catalog.year, current.catalog.year)
            // Among tables for years up to `year`, the latest year wins; failing any, the
            // earliest; among tables of one year, the last adopted.
            let better = candidate == chosen
                || (candidate <= year && (chosen > year || candidate > chosen))
                || (candidate > year && chosen > year && candidate < chosen)
            if better { best = entry }
        }
        return best
    }

    /// A unit's id from its id or Chinese name in any catalog adopted by `known`, the newest
    /// first: for a unit gone from the year's table (last year's business, an access file).
    public func unitIdInAnyCatalog(_ name: String, known: UInt64) -> String? {
        catalogs.reversed().lazy.filter { $0.seq <= known }.compactMap { $0.catalog.unitId(for: name) }.first
    }

    /// The last rule change recorded by `seq` (0 if none). For the newest view only tentative
    /// records lie past `seq`, so the search from the end is short; for an old `known=` it
    /// passes every later rule change (a few per thousand records).
    public func lastRuleChange(through seq: UInt64) -> UInt64 {
        ruleChanges.last { $0 <= seq } ?? 0
    }

    private static func changesRules(_ type: EventType) -> Bool {
        type == .catalogAdopted || type == .calendarAdopted || type == .eventVoided
    }

    private func revert(_ undo: Undo) {
        switch undo {
        case .catalog: catalogs.removeLast()
        case .calendar:
            calendars.removeLast()
            calendar = WorkingDayCalendar(calendars.map(\.document))
        case .publication(let unit): units[unit]!.publications.removeLast()
        case .completion(let unit): units[unit]!.completions.removeLast()
        case .meeting(let unit): units[unit]!.meetings.removeLast()
        case .notice(let unit): units[unit]!.notices.removeLast()
        case .interview(let unit): units[unit]!.interviews.removeLast()
        case .void(let target): voidedBy.removeValue(forKey: target)
        case .inquiryStep(let unit, let inquiry): units[unit]!.inquiries[inquiry]!.removeLast()
        case .inquiryCreated(let unit, let inquiry):
            units[unit]!.inquiries.removeValue(forKey: inquiry)
            units[unit]!.inquiryOrder.removeLast()
            if inquiryOwner[inquiry] == unit {
                inquiryOwner.removeValue(forKey: inquiry)
            } else if inquiryLaterUnits[inquiry]?.last == unit {
                inquiryLaterUnits[inquiry]!.removeLast()
                if inquiryLaterUnits[inquiry]!.isEmpty { inquiryLaterUnits.removeValue(forKey: inquiry) }
            }
        }
    }
}
