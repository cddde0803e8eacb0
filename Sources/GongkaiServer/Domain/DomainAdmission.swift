import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol

/// Domain validation at the writer's seam: decodes each event, checks it against the facts
/// including the batch's earlier events, stores the unit as its id, and folds it in
/// tentatively; a failed commit undoes the batch's events.
final class DomainAdmission: EventAdmission {
    private let state: DomainState
    private let today: () -> BusinessDate
    // Written and read on the writer thread only, as every method here runs there.
    /// The business date for the batch being admitted: asked once when the batch begins, as
    /// its records' recorded time is stamped once per commit (a batch begun just before
    /// midnight in Shanghai judges its events by the day it began).
    private var batchToday: BusinessDate?
    /// The last principal's role: appends come in runs from one connection, and reading the
    /// role out of the principal's text for each was 2% of the writer's work.
    private var lastRole: (by: String, role: Principal?)?

    init(state: DomainState, today: @escaping () -> BusinessDate = { ShanghaiClock.today() }) {
        self.state = state
        self.today = today
    }

    func beginBatch() {
        batchToday = today()
        state.write { facts in
            facts.dropTentative()
            facts.beginTentative()
        }
    }

    func admit(_ event: EventEnvelope, decoded: Result<DomainEvent, DomainError>, by principal: String, seq: UInt64) throws -> EventEnvelope {
        let checked: DomainEvent
        let given: DomainEvent
        do {
            given = try decoded.get()
            try authorize(given, by: principal)
            checked = try state.writerRead { facts in
                precondition(facts.size + 1 == seq, "the projection is one record behind the batch")
                return try EventValidator.validate(given, facts: facts, today: batchToday ?? today())
            }
        } catch let error as DomainError {
            throw ProtocolError(.invalidEvent, error.description)
        }
        state.write { $0.apply(seq: seq, event: checked) }
        // `given.unit` is the event's "unit" string as sent.
        guard let unit = checked.unit, unit != given.unit,
              case .object(var members) = event.value else { return event }
        // The Chinese name is accepted on input and stored as the id (DESIGN.md section 1).
        members["unit"] = .string(unit)
        return try EventEnvelope(value: .object(members))
    }

    func authorize(_ decoded: Result<DomainEvent, DomainError>, by principal: String) throws {
        // An event that cannot be decoded is refused by `admit` (or, repeated, by its digest).
        guard case .success(let given) = decoded else { return }
        try authorize(given, by: principal)
    }

    /// The principal's role may append this type, and an office only for its own unit,
    /// compared after the Chinese name is resolved.
    private func authorize(_ given: DomainEvent, by principal: String) throws {
        let role = try role(by: principal)
        if let role, !AccessPolicy.mayAppend(role, type: given.type) {
            // An office that recorded something by mistake is told who can take it back.
            let who = given.type == .eventVoided && { if case .office = role { true } else { false } }()
                ? "; a void is recorded by the county office (supervisor) or an admin: ask them to void the record" : ""
            throw ProtocolError(.denied, "\(role) may not append \(given.type.rawValue) events" + who)
        }
        guard case .office(let own)? = role else { return }
        try state.writerRead { facts in
            // By the event's year's table, else by any other (newest first): a step of last
            // year's inquiry, or last year's owed interview, by a unit gone from this year's.
            let catalog = LedgerView(facts: facts, known: facts.size, year: given.date?.year).catalog
            func id(_ name: String) -> String {
                catalog?.unitId(for: name) ?? facts.unitIdInAnyCatalog(name, known: facts.size) ?? name
            }
            let ownId = id(own)
            let unit = given.unit.map(id)
            guard unit == ownId else {
                var message = "\(role!) may not append events of unit \(unit ?? "(none)"), only of \(ownId)"
                // A unit no table names is a typo, not a trespass: say so, and what was meant.
                if let written = given.unit, unit == written, catalog?.unit(written) == nil,
                   facts.unitIdInAnyCatalog(written, known: facts.size) == nil {
                    message += "; \"\(written)\" is no unit"
                    if let guess = catalog.flatMap({ NameSuggestion.question($0.unitSuggestions(for: written)) }) { message += ": " + guess }
                }
                throw ProtocolError(.denied, message)
            }
        }
    }

    private func role(by principal: String) throws -> Principal? {
        // Compared byte for byte: String's == also equates canonically equivalent spellings.
        if let lastRole, UTF8Text.sameBytes(lastRole.by, principal) { return lastRole.role }
        let role = try Self.role(by: principal)
        lastRole = (principal, role)
        return role
    }

    /// The role behind a record's `by`: nil for the daemon's own `system` records (the seed),
    /// which may write anything.
    private static func role(by principal: String) throws -> Principal? {
        if principal == SeedAdoption.principal { return nil }
        guard let role = Principal(by: principal) else {
            throw ProtocolError(.denied, "\(principal) is not a principal that may append")
        }
        return role
    }

    func voidedBy(_ seq: UInt64) -> UInt64? {
        state.writerRead { facts in facts.voidedBy[seq] }
    }

    func batchEnded(committed: Bool) {
        batchToday = nil
        state.write { facts in
            if committed { facts.commitTentative() } else { facts.dropTentative() }
        }
    }
}
