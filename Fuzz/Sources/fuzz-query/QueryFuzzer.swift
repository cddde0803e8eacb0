import FuzzLedger
import GongkaiDomain
import GongkaiJSON
import GongkaiProjections

/// libFuzzer entry: the same lines of events as fuzz-event; then, on the ledger they built,
/// the query verbs must answer. A trap here would take the daemon down on a read, so
/// whatever validation admits has to be something COMPLIANCE, INQUIRIES, ESCALATIONS and
/// BULLETIN can judge. Slow (a bulletin judges every unit), hence a target of its own.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQueries(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    EventChecks.check(input) { facts, admitted in
        guard let last = admitted.last else { return }
        QueryChecks.check(after: last, facts: facts)
    }
    return 0
}

enum QueryChecks {
    static func check(after event: DomainEvent, facts: LedgerFacts) {
        // asof= and BULLETIN's month are parsed as YYYY-MM-DD, so only those years can be asked.
        var asof = SeedLedger.today
        if let date = event.date, BusinessDate.supportedYears.contains(date.year) { asof = date }
        let view = LedgerView(facts: facts, known: facts.size)
        if let unit = event.unit {
            encode(ComplianceEvaluation.answer(unit: unit, view: view, asof: asof))
        }
        encode(InquiriesAnswer.answer(unit: nil, view: view, asof: asof))
        encode(EscalationEvaluation.answer(view: view, asof: asof))
        encode(BulletinReport.answer(year: asof.year, month: asof.month, view: view))
    }

    /// Canonical encoding traps on a NaN or an infinity; an answer is one object.
    private static func encode(_ answer: JSONValue) {
        require(CanonicalJSON.encode(answer).first == UInt8(ascii: "{"), "a query answer that is not an object")
    }
}
