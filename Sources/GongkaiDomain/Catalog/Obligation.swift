/// What an obligation asks of a unit. Each case is one kind of rule in the notice.
public enum ObligationRule: Equatable, Sendable {
    /// At least `minimum` publications per period (e.g. Task 1: every month).
    case periodic(period: PeriodKind, minimum: Int)
    /// A task done by a date (e.g. Task 6: clean-up by 2023-10-30).
    case deadline(due: BusinessDate)
    /// Answer each inquiry on these channels within a number of working days
    /// (Task 17: 5, simple 3; Task 18: 20, simple 7, extension ≤ 20).
    case reply(limitDays: Int, simpleLimitDays: Int, maxExtensionDays: Int, channels: [String])
    /// At least `minimum` leadership meetings of one kind per period (section 二).
    case meeting(kind: String, period: PeriodKind, minimum: Int)

    public var kindName: String {
        switch self {
        case .periodic: "periodic"
        case .deadline: "deadline"
        case .reply: "reply"
        case .meeting: "meeting"
        }
    }
}

/// One row of the task table: a pinned id, its rule, and the units it binds.
public struct Obligation: Equatable, Sendable {
    public let id: String
    public let task: String
    public let title: String
    public let rule: ObligationRule
    /// Unit ids, with groups already expanded, in catalog order.
    public let units: [String]
    public let unitSet: Set<String>

    public func applies(to unit: String) -> Bool { unitSet.contains(unit) }
}

/// A unit (单位): a township or a county department.
public struct CatalogUnit: Equatable, Sendable {
    public let id: String
    public let name: String
    public let kind: String
}

/// An escalation rule (三, 约谈): `threshold` notices at these levels within the year.
public struct EscalationRule: Equatable, Sendable {
    public let id: String
    public let levels: Set<String>
    public let threshold: Int
    public let title: String
}
