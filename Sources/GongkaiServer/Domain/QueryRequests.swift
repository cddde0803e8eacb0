import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol

/// Answers COMPLIANCE, INQUIRIES, ESCALATIONS, BULLETIN, CATALOG and UNITS from the
/// projection, never from more records than the durable head.
struct QueryRequests {
    let state: DomainState
    /// Records durable now: the default and the ceiling of `known=`.
    let durableSize: UInt64

    /// The answer's canonical bytes, encoded once; COMPLIANCE, ESCALATIONS and BULLETIN carry
    /// their `digest`.
    func answerBytes(_ request: Request) throws -> [UInt8] {
        let answer = try evaluate(request)
        switch request {
        case .compliance, .escalations, .bulletin:
            return ContentDigest.sealedBytes(answer)
        default:
            return CanonicalJSON.encode(answer)
        }
    }

    private func evaluate(_ request: Request) throws -> JSONValue {
        try state.read { facts in
            switch request {
            case .compliance(let unitText, let options):
                let (view, asof) = try resolve(options, facts: facts)
                let id = try unit(unitText, view: view)
                return ComplianceEvaluation.answer(unit: id, view: view, asof: asof,
                                                   inputs: state.digests.inputs(unit: id, view: view, asof: asof))
            case .inquiries(let unitText, let options):
                // Listing by year of receipt needs no table of that year's own.
                let (view, asof) = try resolve(options, facts: facts, ownTableNeeded: false)
                // A unit gone from this year's table still has its inquiries of earlier years;
                // `year=` lists only the inquiries received in that year.
                return InquiriesAnswer.answer(unit: try unitText.map { try unit($0, view: view, orAnyTable: true) }, view: view, asof: asof,
                                              receivedIn: options.year)
            case .escalations(let options):
                let (view, asof) = try resolve(options, facts: facts)
                try requireCatalog(view)
                return EscalationEvaluation.answer(view: view, asof: asof)
            case .bulletin(let month, let options):
                guard month.count == 7, let first = BusinessDate(month + "-01") else {
                    throw ProtocolError(.badRequest, "month must be YYYY-MM, got \"\(month.prefix(20))\"")
                }
                // Judged by the rules of the month's year, whatever the asof option says.
                let (view, _) = try resolve(options, facts: facts, year: first.year)
                try requireCatalog(view)
                // The bulletin reports what the inspection found once the month is over
                // (docs/PROTOCOL.md): judged earlier, it would list as overdue or missed what
                // can still be done today, and the same `known` would not give the same answer.
                let today = ShanghaiClock.today()
                guard first.lastOfMonth < today else {
                    throw ProtocolError(.badRequest, "\(month) is not over (today is \(today) in Shanghai): its bulletin is judged " +
                                        "after \(first.lastOfMonth); for now ask COMPLIANCE, INQUIRIES or ESCALATIONS")
                }
                return BulletinReport.answer(year: first.year, month: first.month, view: view)
            case .catalog:
                // In force: the table that judges today's dates.
                guard let adopted = facts.adoptedCatalog(known: durableSize, year: ShanghaiClock.today().year) else {
                    throw ProtocolError(.notFound, "no catalog has been adopted")
                }
                return ["seq": .number(Double(adopted.seq)), "catalog": adopted.catalog.document]
            case .units:
                guard let catalog = facts.adoptedCatalog(known: durableSize, year: ShanghaiClock.today().year)?.catalog else {
                    throw ProtocolError(.notFound, "no catalog has been adopted")
                }
                let units: [JSONValue] = catalog.units.map { unit in
                    let groups = catalog.groups.keys.sorted().filter { catalog.groups[$0]!.contains(unit.id) }
                    return ["id": .string(unit.id), "name": .string(unit.name), "kind": .string(unit.kind),
                            "groups": .array(groups.map { .string($0) })]
                }
                return ["catalog": .string(catalog.name), "year": .number(Double(catalog.year)), "units": .array(units)]
            default:
                preconditionFailure("\(request) is not a query")
            }
        }
    }

    /// ESCALATIONS and BULLETIN of a view with no table (`known=` before the first adoption)
    /// are refused, as COMPLIANCE is: an empty answer would read as nothing to report.
    private func requireCatalog(_ view: LedgerView) throws {
        guard view.catalog == nil else { return }
        throw ProtocolError(.notFound, "no catalog had been adopted by record \(view.known)")
    }

    /// The view asked for (`known=`, default the durable head) and the date judged (`asof=`,
    /// default today in Shanghai); the view judges by the catalog of `year`, else of the
    /// `year=` option, else of asof's year.
    private func resolve(_ options: QueryOptions, facts: LedgerFacts, year: Int? = nil,
                         ownTableNeeded: Bool = true) throws -> (LedgerView, BusinessDate) {
        let known = options.known ?? durableSize
        guard known <= durableSize else {
            throw ProtocolError(.badRequest, "known=\(known) is beyond the log's \(durableSize) records")
        }
        var asof = ShanghaiClock.today()
        if let text = options.asof {
            guard let date = BusinessDate(text) else { throw ProtocolError(.badRequest, "asof must be a date YYYY-MM-DD, got \"\(text.prefix(20))\"") }
            asof = date
        }
        if let asked = options.year, let problem = YearAsked.problem(year: asked, asof: asof, facts: facts, known: known) {
            switch problem {
            case .asofBefore: throw ProtocolError(.badRequest, problem.message)
            case .noTable where ownTableNeeded: throw ProtocolError(.notFound, problem.message)
            case .noTable: break
            }
        }
        return (LedgerView(facts: facts, known: known, year: year ?? options.year ?? asof.year), asof)
    }

    /// A unit by id or Chinese name in the view's table (or, `orAnyTable`, in any table the
    /// view knows).
    private func unit(_ text: String, view: LedgerView, orAnyTable: Bool = false) throws -> String {
        guard let catalog = view.catalog else { throw ProtocolError(.notFound, "no catalog has been adopted") }
        if let id = catalog.unitId(for: text) { return id }
        if orAnyTable, let id = view.facts.unitIdInAnyCatalog(text, known: view.known) { return id }
        let guess = NameSuggestion.question(catalog.unitSuggestions(for: text)).map { $0 + " " } ?? ""
        throw ProtocolError(.notFound, "unknown unit \(text.prefix(40)) in catalog \(catalog.name), the table for \(catalog.year); " +
                            guess + "UNITS (gongkai units) lists the units of the table in force today")
    }
}
