import GongkaiJSON
import Synchronization

/// The rules in force: units, groups, obligations and escalation rules of one year, decoded
/// from a catalog document (`Schemas/catalogs/*.json`) carried by a `catalog.adopted` event.
/// Rules are data: a new year's table is a new document, not new code.
public final class Catalog: Sendable {
    public static let meetingKinds: Set<String> = ["report-heard", "special-study"]
    public static let channels: Set<String> = ["hotline", "mailbox", "online", "application"]
    public static let noticeLevels: Set<String> = ["county", "city", "province"]

    public let name: String
    public let title: String
    public let year: Int
    public let units: [CatalogUnit]
    public let groups: [String: [String]]
    public let obligations: [Obligation]
    public let escalationRules: [EscalationRule]
    /// The document exactly as adopted.
    public let document: JSONValue

    private let unitIndex: [String: Int]
    private let aliases: [String: String]
    private let obligationIndex: [String: Int]
    /// The periods of the year per kind (in `PeriodKind.allCases` order), labelled once here
    /// rather than at every COMPLIANCE.
    private let periodsByKind: [[Period]]
    /// Each unit's obligations in catalog order, gathered once: every append and every
    /// COMPLIANCE asks for them.
    private let obligationsByUnit: [String: [Obligation]]
    /// Unit suggestions already worked out, by the text that named no unit (NameSuggestion):
    /// they are worked out on the writer thread for a refused event, about 56 µs each in a
    /// release build, and a clerk's file repeats its typo on every line. Emptied when full.
    let unitSuggestionMemo = Mutex<[String: [String]]>([:])
    static let maxMemoizedSuggestions = 256

    public init(json: JSONValue) throws {
        guard let root = json.objectValue else { throw DomainError("catalog", "must be an object") }
        document = json
        name = try Self.string(root, "catalog", in: "catalog")
        title = root["title"]?.stringValue ?? name
        guard let year = root["year"]?.integerValue, (2000...2100).contains(year) else {
            throw DomainError("catalog.year", "must be a year between 2000 and 2100")
        }
        self.year = Int(year)

        guard let unitList = root["units"]?.arrayValue, !unitList.isEmpty else { throw DomainError("catalog.units", "must be a non-empty array") }
        var units: [CatalogUnit] = []
        var unitIndex: [String: Int] = [:]
        var aliases: [String: String] = [:]
        for (position, value) in unitList.enumerated() {
            let field = "catalog.units[\(position)]"
            guard let object = value.objectValue else { throw DomainError(field, "must be an object") }
            let unit = CatalogUnit(id: try Self.string(object, "id", in: field), name: try Self.string(object, "name", in: field),
                                   kind: object["kind"]?.stringValue ?? "unit")
            guard unitIndex[unit.id] == nil, aliases[unit.name] == nil else { throw DomainError(field, "unit \(unit.id) is listed twice") }
            unitIndex[unit.id] = units.count
            aliases[unit.name] = unit.id
            units.append(unit)
        }
        self.units = units
        self.unitIndex = unitIndex
        self.aliases = aliases

        var groups: [String: [String]] = [:]
        for (group, members) in root["groups"]?.objectValue ?? [:] {
            guard unitIndex[group] == nil else { throw DomainError("catalog.groups.\(group)", "a group cannot share a unit's id") }
            guard let list = members.arrayValue?.compactMap(\.stringValue), list.count == members.arrayValue?.count else {
                throw DomainError("catalog.groups.\(group)", "must be an array of unit ids")
            }
            for member in list where unitIndex[member] == nil {
                throw DomainError("catalog.groups.\(group)", "unknown unit \(member)")
            }
            groups[group] = list
        }
        self.groups = groups

        guard let obligationList = root["obligations"]?.arrayValue else { throw DomainError("catalog.obligations", "must be an array") }
        var obligations: [Obligation] = []
        var obligationIndex: [String: Int] = [:]
        for (position, value) in obligationList.enumerated() {
            let obligation = try Self.obligation(value, field: "catalog.obligations[\(position)]", unitIndex: unitIndex, groups: groups)
            guard obligationIndex[obligation.id] == nil else {
                throw DomainError("catalog.obligations[\(position)].id", "obligation \(obligation.id) is listed twice")
            }
            obligationIndex[obligation.id] = obligations.count
            obligations.append(obligation)
        }
        self.obligations = obligations
        self.obligationIndex = obligationIndex
        periodsByKind = PeriodKind.allCases.map { [year = Int(year)] in Period.all($0, in: year) }
        var byUnit: [String: [Obligation]] = [:]
        for unit in units {
            byUnit[unit.id] = obligations.filter { $0.applies(to: unit.id) }
        }
        obligationsByUnit = byUnit

        var rules: [EscalationRule] = []
        for (position, value) in (root["escalation"]?["rules"]?.arrayValue ?? []).enumerated() {
            let field = "catalog.escalation.rules[\(position)]"
            guard let object = value.objectValue else { throw DomainError(field, "must be an object") }
            let levels = Set((object["levels"]?.arrayValue ?? []).compactMap(\.stringValue))
            guard !levels.isEmpty, levels.isSubset(of: Self.noticeLevels) else {
                throw DomainError(field + ".levels", "must name levels among county, city, province")
            }
            guard let threshold = object["threshold"]?.integerValue, threshold >= 1 else {
                throw DomainError(field + ".threshold", "must be an integer ≥ 1")
            }
            rules.append(EscalationRule(id: try Self.string(object, "id", in: field), levels: levels,
                                        threshold: Int(threshold), title: object["title"]?.stringValue ?? ""))
        }
        escalationRules = rules
    }

    /// The unit's id for an id or its Chinese name (the name is accepted on input).
    public func unitId(for text: String) -> String? {
        unitIndex[text] != nil ? text : aliases[text]
    }

    public func unit(_ id: String) -> CatalogUnit? { unitIndex[id].map { units[$0] } }

    public func obligation(_ id: String) -> Obligation? { obligationIndex[id].map { obligations[$0] } }

    public func obligations(for unit: String) -> [Obligation] {
        obligationsByUnit[unit] ?? obligations.filter { $0.applies(to: unit) }
    }

    /// `Period.all(kind, in: year)`.
    public func periods(_ kind: PeriodKind) -> [Period] { periodsByKind[PeriodKind.allCases.firstIndex(of: kind)!] }

    /// The reply obligation whose channels include `channel` and that binds `unit`.
    public func replyObligation(channel: String, unit: String) -> Obligation? {
        obligations.first { obligation in
            if case .reply(_, _, _, let channels) = obligation.rule { return channels.contains(channel) && obligation.applies(to: unit) }
            return false
        }
    }

    private static func obligation(_ value: JSONValue, field: String, unitIndex: [String: Int], groups: [String: [String]]) throws -> Obligation {
        guard let object = value.objectValue else { throw DomainError(field, "must be an object") }
        let id = try string(object, "id", in: field)
        let kind = try string(object, "kind", in: field)
        func integer(_ key: String, minimum: Int = 0) throws -> Int {
            guard let number = object[key]?.integerValue, number >= minimum else {
                throw DomainError("\(field).\(key)", "must be an integer ≥ \(minimum)")
            }
            return Int(number)
        }
        func period() throws -> PeriodKind {
            guard let text = object["period"]?.stringValue, let period = PeriodKind(rawValue: text) else {
                throw DomainError("\(field).period", "must be month, quarter, half or year")
            }
            return period
        }
        let rule: ObligationRule
        switch kind {
        case "periodic":
            rule = .periodic(period: try period(), minimum: try integer("minimum", minimum: 1))
        case "deadline":
            guard let due = object["due"]?.stringValue.flatMap(BusinessDate.init) else {
                throw DomainError("\(field).due", "must be a date YYYY-MM-DD")
            }
            rule = .deadline(due: due)
        case "reply":
            let channels = (object["channels"]?.arrayValue ?? []).compactMap(\.stringValue)
            guard !channels.isEmpty, Set(channels).isSubset(of: Self.channels) else {
                throw DomainError("\(field).channels", "must name channels among hotline, mailbox, online, application")
            }
            rule = .reply(limitDays: try integer("limitDays", minimum: 1), simpleLimitDays: try integer("simpleLimitDays", minimum: 1),
                          maxExtensionDays: try integer("maxExtensionDays"), channels: channels)
        case "meeting":
            guard let meeting = object["meeting"]?.stringValue, Self.meetingKinds.contains(meeting) else {
                throw DomainError("\(field).meeting", "must be report-heard or special-study")
            }
            rule = .meeting(kind: meeting, period: try period(), minimum: try integer("minimum", minimum: 1))
        default:
            throw DomainError("\(field).kind", "unknown kind \(kind); expected periodic, deadline, reply or meeting")
        }
        var units: [String] = []
        var seen = Set<String>()
        for entry in (object["units"]?.arrayValue ?? []).compactMap(\.stringValue) {
            let members: [String]
            if let group = groups[entry] {
                members = group
            } else if unitIndex[entry] != nil {
                members = [entry]
            } else {
                throw DomainError("\(field).units", "\(entry) is neither a unit nor a group")
            }
            for member in members where seen.insert(member).inserted { units.append(member) }
        }
        guard !units.isEmpty else { throw DomainError("\(field).units", "must name at least one unit or group") }
        return Obligation(id: id, task: object["task"]?.stringValue ?? "", title: object["title"]?.stringValue ?? "",
                          rule: rule, units: units, unitSet: seen)
    }

    private static func string(_ object: [String: JSONValue], _ key: String, in field: String) throws -> String {
        guard let text = object[key]?.stringValue, !text.isEmpty else { throw DomainError("\(field).\(key)", "must be a non-empty string") }
        return text
    }
}
