import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
import GongkaiStorage

/// The verified records folded into the same projections the daemon keeps, with the same
/// code (`DomainEvent.decode` and `LedgerFacts.apply`, as the daemon's start-up rebuild), so
/// the answers — and their digests — are the daemon's for the same `known` and `asof`.
struct AuditReplay {
    let facts = LedgerFacts()
    /// The day (in Asia/Shanghai) the export's last record was recorded: the default `asof`,
    /// the ledger as it stood when exported. (The last record's business date, the default
    /// before, is whatever an office back-dated its event to.)
    private(set) var lastRecordedDate: BusinessDate?

    init(records: [RecordFormat.Decoded]) throws {
        for record in records {
            let event: DomainEvent
            do {
                event = try DomainEvent.decode(try EventEnvelope(value: record.event))
            } catch {
                throw AuditFailure("record \(record.seq) cannot be folded into the projections: \(error)", seq: record.seq)
            }
            facts.apply(seq: record.seq, event: event)
            lastRecordedDate = BusinessDate.inShanghai(millis: record.recordedMillis)
        }
    }

    /// The whole export, judging dates of `year` (as the daemon's queries do).
    func view(year: Int) -> LedgerView { LedgerView(facts: facts, known: facts.size, year: year) }

    /// The ESCALATIONS answer with its digest; `year` as the query's `year=` (default asof's).
    func escalations(asof: BusinessDate, year: Int? = nil) -> JSONValue {
        Self.sealed(EscalationEvaluation.answer(view: view(year: year ?? asof.year), asof: asof))
    }

    /// A unit's COMPLIANCE answer with its digest; the unit by id or Chinese name.
    func compliance(unit text: String, asof: BusinessDate, year: Int? = nil) throws -> JSONValue {
        let view = view(year: year ?? asof.year)
        guard let catalog = view.catalog else { throw AuditQueryProblem("no catalog was adopted in the export") }
        guard let unit = catalog.unitId(for: text) else {
            let guess = NameSuggestion.question(catalog.unitSuggestions(for: text)).map { "; " + $0 } ?? ""
            throw AuditQueryProblem("unknown unit \(text.prefix(40)) in catalog \(catalog.name), the table for \(catalog.year)" + guess)
        }
        return Self.sealed(ComplianceEvaluation.answer(unit: unit, view: view, asof: asof))
    }

    /// What is wrong with judging `year` at `asof` (the daemon's `year=` rule), or nil.
    func problem(year: Int, asof: BusinessDate) -> AuditQueryProblem? {
        YearAsked.problem(year: year, asof: asof, facts: facts, known: facts.size).map { AuditQueryProblem($0.message) }
    }

    /// As the daemon seals COMPLIANCE, ESCALATIONS and BULLETIN answers: `"digest"` is the
    /// SHA-256 (hex) of the answer's canonical JSON without that field.
    static func sealed(_ answer: JSONValue) -> JSONValue {
        guard case .object(var members) = answer else { return answer }
        members.removeValue(forKey: "digest")
        let digest = IdEntry.digest(ofCanonicalEvent: CanonicalJSON.encode(.object(members)))
        members["digest"] = .string(digest.map { String(format: "%02x", $0) }.joined())
        return .object(members)
    }

    /// Today in Asia/Shanghai (UTC+8, no daylight saving), as the daemon's default `asof`.
    static func today(now: Date = Date()) -> BusinessDate {
        BusinessDate.inShanghai(millis: Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
