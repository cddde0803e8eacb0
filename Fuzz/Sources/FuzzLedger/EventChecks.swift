#if canImport(Glibc)
import Glibc
#endif
import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol

/// An input is one or more events, one per line (as `gongkai append` reads NDJSON). Each goes
/// through what the daemon does to an APPEND — envelope, domain decoding, validation against
/// the facts so far, folding in — on a ledger seeded with the bundled catalog and calendars;
/// at the end the input's records are dropped again and the facts must be the seed's.
public enum EventChecks {
    /// Events folded per input; more only slows the fuzzer down.
    static let maxEventsPerInput = 16
    /// `FUZZ_TRACE=1` prints what happened to each event (to check that seeds get admitted).
    public static let tracing = getenv("FUZZ_TRACE") != nil

    static func trace(_ message: @autoclosure () -> String) {
        if tracing { print(message()) }
    }

    /// Runs the input's events; `folded` sees the facts with every admitted event, before the drop.
    public static func check(_ input: [UInt8], folded: (LedgerFacts, [DomainEvent]) -> Void = { _, _ in }) {
        if input.count >= 8 {
            JSONChecks.checkNumber(bitPattern: input.prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
        }
        JSONChecks.check(input)
        let lines = input.split(separator: 0x0A).prefix(maxEventsPerInput).map(Array.init)
        let facts = SeedLedger.facts
        facts.beginTentative()
        var ids = SeedLedger.seedIds
        var admitted: [DomainEvent] = []
        for line in lines {
            if line.count != input.count { JSONChecks.check(line) }
            if let event = admit(line, facts: facts, ids: &ids) { admitted.append(event) }
        }
        folded(facts, admitted)
        facts.dropTentative()
        let digest = SeedLedger.digest(facts)
        require(digest == SeedLedger.seedDigest, "dropping the tentative records changed the facts:\n\(digest)\nwas\n\(SeedLedger.seedDigest)")
    }

    /// One APPEND, as the writer and DomainAdmission handle it.
    static func admit(_ line: [UInt8], facts: LedgerFacts, ids: inout Set<String>) -> DomainEvent? {
        checkFastReading(line)
        let envelope: EventEnvelope
        do {
            envelope = try EventEnvelope.parse(line)
        } catch let error as ProtocolError {
            require([.invalidJSON, .invalidEvent, .tooLarge].contains(error.code), "EventEnvelope.parse refused with \(error.code)")
            trace("envelope refused: \(error)")
            return nil
        } catch {
            broken("EventEnvelope.parse threw \(type(of: error)): \(error)")
        }
        require(envelope.canonical == CanonicalJSON.encode(envelope.value), "an envelope whose canonical bytes are stale")
        require(envelope.value["id"]?.stringValue == envelope.id && envelope.value["type"]?.stringValue == envelope.type.rawValue,
                "the envelope's id or type is not the event's")
        // The stored bytes are an event too, and the same one.
        guard let again = try? EventEnvelope.parse(envelope.canonical) else { broken("an envelope's canonical bytes are refused") }
        require(again.canonical == envelope.canonical, "an envelope's canonical bytes are not a fixed point")
        // The ledger answers a repeated id itself (duplicate or conflict) before validation.
        guard ids.insert(envelope.id).inserted else { trace("\(envelope.id): repeated id"); return nil }

        let decoded: DomainEvent
        do {
            decoded = try DomainEvent.decode(envelope)
        } catch let error as DomainError {
            trace("\(envelope.id): not decoded: \(error)")
            require((try? DomainEvent.decode(again)) == nil, "an event refused from its text is accepted from its canonical bytes")
            return nil
        } catch {
            broken("DomainEvent.decode threw \(type(of: error)): \(error)")
        }
        checkDecoded(decoded, envelope: envelope)
        guard let fromCanonical = try? DomainEvent.decode(again) else { broken("an event accepted from its text is refused from its canonical bytes") }
        require(same(decoded, fromCanonical), "an event decodes differently from its canonical bytes")

        let checked: DomainEvent
        do {
            checked = try EventValidator.validate(decoded, facts: facts, today: SeedLedger.today)
        } catch let error as DomainError {
            trace("\(envelope.id): not valid: \(error)")
            return nil
        } catch {
            broken("EventValidator.validate threw \(type(of: error)): \(error)")
        }
        checkValidated(checked, decoded: decoded, facts: facts)
        checkReplay(envelope: envelope, checked: checked)

        let seq = facts.size + 1
        facts.apply(seq: seq, event: checked)
        trace("\(envelope.id): admitted as record \(seq)")
        require(facts.size == seq && facts.recordTypes.count == Int(seq), "folding record \(seq) left size \(facts.size)")
        return checked
    }

    /// The daemon reads most APPENDs straight from their canonical bytes (`AppendReading`):
    /// whatever it accepts that way, the general reading accepts as the same event, and the
    /// bytes are the ones it would store.
    static func checkFastReading(_ line: [UInt8]) {
        guard let fast = AppendReading.readCanonical(line) else { return }
        require(fast.envelope.canonical == line, "the fast reading changed the bytes")
        guard let envelope = try? EventEnvelope.parse(line) else { broken("an event read fast is refused by EventEnvelope.parse") }
        require(envelope.canonical == line, "an event read fast as canonical is encoded otherwise")
        require(envelope.id == fast.envelope.id && envelope.type == fast.envelope.type, "the fast reading read another id or type")
        require(envelope.value == fast.envelope.value, "the fast reading's envelope holds another value")
        guard case .success(let event) = fast.decoded else { broken("the fast reading returned a refusal") }
        guard let general = try? DomainEvent.decode(envelope) else { broken("an event read fast is refused by DomainEvent.decode") }
        require(same(event, general), "the fast reading decoded \(event), the general one \(general)")
    }

    /// What decoding promises: a unit exactly for the types that act on one, a date for all
    /// but catalog and calendar adoptions.
    static func checkDecoded(_ event: DomainEvent, envelope: EventEnvelope) {
        require(event.id == envelope.id && event.type == envelope.type, "decoding changed the id or type")
        require((event.unit != nil) == DomainEvent.hasUnit(event.type), "\(event.type) decoded with unit \(event.unit ?? "nil")")
        if let unit = event.unit { require(!unit.isEmpty, "an empty unit decoded") }
        if event.type != .catalogAdopted && event.type != .calendarAdopted {
            require(event.date != nil, "\(event.type) decoded without a date")
        }
        if case .inquiryExtended(_, let days) = event.body { require((1...20).contains(days), "an extension of \(days) days decoded") }
        if case .eventVoided(let target) = event.body { require(target >= 1, "a void of record 0 decoded") }
    }

    /// What validation promises: the same event, dated at most a day ahead, its unit an id of
    /// the catalog in force.
    static func checkValidated(_ checked: DomainEvent, decoded: DomainEvent, facts: LedgerFacts) {
        require(checked.id == decoded.id && checked.type == decoded.type && checked.date == decoded.date,
                "validation changed more than the unit")
        if let date = checked.date { require(date <= SeedLedger.today.adding(days: 1), "an event dated \(date) accepted") }
        if DomainEvent.hasUnit(checked.type) {
            let catalog = LedgerView(facts: facts, known: facts.size).catalog
            require(checked.unit.flatMap { catalog?.unit($0) } != nil, "\(checked.type) accepted for unit \(checked.unit ?? "nil"), not an id")
        }
        if case .eventVoided(let target) = checked.body {
            require(target <= facts.size && facts.voidedBy[target] == nil, "a void of record \(target) accepted")
        }
    }

    /// The writer stores the event with the unit's id; a restart decodes those bytes
    /// (DomainState.decodeStored) and must get the event that was folded in.
    static func checkReplay(envelope: EventEnvelope, checked: DomainEvent) {
        var stored = envelope
        if let unit = checked.unit, unit != envelope.value["unit"]?.stringValue, case .object(var members) = envelope.value {
            members["unit"] = .string(unit)
            guard let rewritten = try? EventEnvelope(value: .object(members)) else { broken("the stored form of an event is refused") }
            stored = rewritten
        }
        guard let bytes = try? JSONParser.parse(stored.canonical), let replayed = try? DomainEvent.decode(try EventEnvelope(value: bytes)) else {
            broken("an admitted event cannot be decoded from its stored bytes: \(String(decoding: stored.canonical, as: UTF8.self))")
        }
        require(same(replayed, checked), "an admitted event replays as another")
        // Start-up reads stored events with the scanner when it can: the same event, or nil.
        let scanned = stored.canonical.withUnsafeBufferPointer { DomainEvent.scanStored($0, event: 0..<$0.count) }
        if let scanned {
            require(scanned.type == checked.type && scanned.unit == checked.unit && scanned.date == checked.date
                        && String(describing: scanned.body) == String(describing: checked.body),
                    "the start-up scanner reads a stored event as another")
        }
        if [.catalogAdopted, .calendarAdopted].contains(checked.type) { require(scanned == nil, "the scanner read an adoption") }
    }

    static func same(_ left: DomainEvent, _ right: DomainEvent) -> Bool {
        left.id == right.id && left.type == right.type && left.unit == right.unit && left.date == right.date
            && String(describing: left.body) == String(describing: right.body)
    }
}

/// Traps (a crash to libFuzzer) when an invariant does not hold.
public func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    if !condition { broken(message(), file: file, line: line) }
}

public func broken(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError("invariant broken: \(message)", file: file, line: line)
}
