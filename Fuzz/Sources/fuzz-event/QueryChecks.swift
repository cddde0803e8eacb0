import GongkaiDomain
import GongkaiJSON
import GongkaiProjections

/// Whatever validation admits, the query verbs must still answer: each answer is computed on
/// the ledger just after the event and just before it, at today and at the event's date, and
/// must encode as canonical JSON (which traps on NaN or infinity).
enum QueryChecks {
    static func check(after event: DomainEvent, facts: LedgerFacts, today: BusinessDate) {
        var dates = [today]
        // asof= and BULLETIN's month are parsed as YYYY-MM-DD, so only those years can be asked.
        if let date = event.date, date != today, BusinessDate.supportedYears.contains(date.year) { dates.append(date) }
        for known in [facts.size, facts.size - 1] {
            let view = LedgerView(facts: facts, known: known)
            for asof in dates {
                if let unit = event.unit {
                    encode(ComplianceEvaluation.answer(unit: unit, view: view, asof: asof))
                    encode(InquiriesAnswer.answer(unit: unit, view: view, asof: asof))
                }
                encode(EscalationEvaluation.answer(view: view, asof: asof))
                encode(BulletinReport.answer(year: asof.year, month: asof.month, view: view))
            }
        }
    }

    private static func encode(_ answer: JSONValue) {
        let bytes = CanonicalJSON.encode(answer)
        require(bytes.first == UInt8(ascii: "{"), "a query answer that is not an object")
        JSONChecks.check(bytes)
    }
}
