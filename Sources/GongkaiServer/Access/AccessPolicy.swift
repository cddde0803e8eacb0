import GongkaiProtocol

/// A role of the access file (DESIGN.md section 4): `admin`, `supervisor`, `auditor` or
/// `office:<unit>`.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    case admin
    case supervisor
    case auditor
    case office(String)

    /// Parses `admin`, `supervisor`, `auditor` or `office:<unit>`; nil for anything else.
    /// A unit may not contain `/` or whitespace: `by` is `<principal>/uid:<n>`.
    public init?(_ text: String) {
        switch text {
        case "admin": self = .admin
        case "supervisor": self = .supervisor
        case "auditor": self = .auditor
        default:
            guard text.hasPrefix("office:") else { return nil }
            let unit = String(text.dropFirst("office:".count))
            guard !unit.isEmpty, !unit.contains(where: { $0 == "/" || $0.isWhitespace || $0.isNewline }) else { return nil }
            self = .office(unit)
        }
    }

    /// The principal part of a record's `by` (`office:czj/uid:1001` → `office:czj`).
    public init?(by: String) {
        // A byte search: this runs for every append, and the generic `firstRange(of:)` cost
        // a tenth of the writer's time. No principal contains `/`, so the first one splits.
        let bytes = by.utf8
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")), bytes[slash...].starts(with: "/uid:".utf8) else { return nil }
        self.init(String(by[..<slash]))
    }

    public var description: String {
        switch self {
        case .admin: "admin"
        case .supervisor: "supervisor"
        case .auditor: "auditor"
        case .office(let unit): "office:\(unit)"
        }
    }

    /// What a record appended by this principal over a connection from `uid` says in `by`.
    public func by(uid: UInt32) -> String { "\(description)/uid:\(uid)" }
}

/// One entry of the access file, with its users and groups resolved to numbers.
public struct AccessRule: Equatable, Sendable {
    public var principal: Principal
    public var uids: Set<UInt32>
    public var gids: Set<UInt32>

    public init(principal: Principal, uids: Set<UInt32> = [], gids: Set<UInt32> = []) {
        self.principal = principal
        self.uids = uids
        self.gids = gids
    }
}

/// Who may do what. Pure: the rules are resolved numbers; group membership is asked of the
/// caller only when a group rule could decide.
public struct AccessPolicy: Equatable, Sendable {
    public let rules: [AccessRule]

    public init(rules: [AccessRule]) { self.rules = rules }

    /// The dev default without an access file: the uid running the daemon is `admin`.
    public static func owner(uid: UInt32) -> AccessPolicy {
        AccessPolicy(rules: [AccessRule(principal: .admin, uids: [uid])])
    }

    /// The units the file's office principals name, in file order, each once.
    public var officeUnits: [String] {
        var seen: Set<String> = []
        return rules.compactMap { rule in
            guard case .office(let unit) = rule.principal, seen.insert(unit).inserted else { return nil }
            return unit
        }
    }

    /// Whether the principal of a peer from `uid` depends on its groups: no rule names the uid
    /// and some rule names groups.
    public func needsGroups(uid: UInt32) -> Bool {
        !rules.contains(where: { $0.uids.contains(uid) }) && rules.contains(where: { !$0.gids.isEmpty })
    }

    /// The principal of a peer: the first rule naming its uid in `users`; else the first rule
    /// one of whose `groups` is the peer's gid or a supplementary group of its user; else nil.
    public func principal(uid: UInt32, gid: UInt32, supplementaryGroups: () -> [UInt32]) -> Principal? {
        if let rule = rules.first(where: { $0.uids.contains(uid) }) { return rule.principal }
        guard rules.contains(where: { !$0.gids.isEmpty }) else { return nil }
        var groups = Set(supplementaryGroups())
        groups.insert(gid)
        return rules.first(where: { !$0.gids.isDisjoint(with: groups) })?.principal
    }

    // MARK: Verbs

    /// Verbs anyone may send, even a uid the file does not name.
    public static let openVerbs: Set<String> = ["PING", "HELP", "WHOAMI"]
    /// Verbs that change something: APPEND writes records, BACKUP writes a copy on the host.
    static let writeVerbs: Set<String> = ["APPEND", "BACKUP"]

    /// Whether `principal` may send `verb` at all (APPEND's events are checked one by one later).
    public static func allows(_ principal: Principal?, verb: String) -> Bool {
        if openVerbs.contains(verb) { return true }
        guard let principal else { return false }
        switch principal {
        case .admin: return true
        case .supervisor, .office: return verb != "BACKUP"
        case .auditor: return !writeVerbs.contains(verb)
        }
    }

    /// The `ERR denied` for a request the principal may not send, or nil.
    public static func denial(_ principal: Principal?, uid: UInt32, request: Request) -> ProtocolError? {
        let verb = request.verb
        guard !allows(principal, verb: verb) else { return nil }
        guard let principal else {
            return ProtocolError(.denied, "uid \(uid) is not in the access file; it may only PING, HELP and WHOAMI")
        }
        return ProtocolError(.denied, "\(principal) may not \(verb)")
    }

    // MARK: Events

    /// Event types an office may append, for its own unit only.
    public static let officeEventTypes: Set<EventType> = [
        .publicationRecorded, .taskCompleted, .meetingHeld,
        .inquiryReceived, .inquiryExtended, .inquiryPaused, .inquiryResumed,
        .inquiryCorrectionRequested, .inquiryCorrectionReceived, .inquiryReplied,
    ]

    /// Whether `principal` may append an event of `type` (the unit is checked separately).
    public static func mayAppend(_ principal: Principal, type: EventType) -> Bool {
        switch principal {
        case .admin, .supervisor: true
        case .auditor: false
        case .office: officeEventTypes.contains(type)
        }
    }

    /// What WHOAMI lists: the verbs the principal may send, and for APPEND its scope as
    /// `append:*` (any event) or `append:<unit>/<type>` (an office's own events).
    public static func may(_ principal: Principal?) -> [String] {
        var may = Request.verbs.filter { allows(principal, verb: $0) }
        switch principal {
        case .admin?, .supervisor?:
            may.append("append:*")
        case .office(let unit)?:
            may += ["publication.recorded", "task.completed", "meeting.held", "inquiry.*"].map { "append:\(unit)/\($0)" }
        case .auditor?, nil:
            break
        }
        return may
    }
}
