import GongkaiDomain
import GongkaiJSON
import GongkaiProtocol
@testable import GongkaiServer
import XCTest

/// The writer's admission of offices' events across the turn of the year: an office whose unit
/// is gone from the new year's table still completes last year's business, by either of its
/// names.
final class DomainAdmissionTests: XCTestCase {
    private let state = DomainState()
    private lazy var admission = DomainAdmission(state: state, today: { BusinessDate("2024-01-31")! })

    @discardableResult
    private func admit(_ json: String, by principal: String) throws -> EventEnvelope {
        let envelope = try EventEnvelope(value: JSONParser.parse(Array(json.utf8)))
        let seq = state.read { $0.size } + 1
        admission.beginBatch()
        do {
            let decoded: Result<DomainEvent, DomainError>
            do { decoded = .success(try DomainEvent.decode(envelope)) } catch let error as DomainError { decoded = .failure(error) }
            let admitted = try admission.admit(envelope, decoded: decoded, by: principal, seq: seq)
            admission.batchEnded(committed: true)
            return admitted
        } catch {
            admission.batchEnded(committed: false)
            throw error
        }
    }

    private func adopt(_ catalog: String, id: String) throws {
        try admit(#"{"id":"\#(id)","type":"catalog.adopted","catalog":\#(catalog)}"#, by: SeedAdoption.principal)
    }

    private func adoptSeed() throws {
        try adopt(BundledDocuments.catalog, id: "cat-2023")
        for text in BundledDocuments.calendars {
            guard case .object(var members) = try JSONParser.parse(Array(text.utf8)) else { return XCTFail("calendar") }
            members["id"] = .string("cal-\(members["year"]!.integerValue!)")
            members["type"] = "calendar.adopted"
            try admit(String(decoding: CanonicalJSON.encode(.object(members)), as: UTF8.self), by: SeedAdoption.principal)
        }
    }

    /// An office's refusals say what to do instead: who may void its mistake, and that a unit
    /// near its own is a typo, not another office's.
    func testAnOfficesRefusalsSayWhatToDoInstead() throws {
        try adoptSeed()
        let office = "office:dongshan/uid:1001"
        let seq = state.read { $0.size } + 1
        try admit(#"{"id":"p1","type":"publication.recorded","unit":"dongshan","obligation":"T01","title":"t","at":"2024-01-10"}"#, by: office)
        func denial(_ json: String) -> String {
            do {
                try admit(json, by: office)
                return "admitted"
            } catch let error as ProtocolError {
                XCTAssertEqual(error.code, .denied)
                return error.message
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(denial(#"{"id":"v1","type":"event.voided","target":\#(seq),"reason":"r","at":"2024-01-11"}"#)
            .hasSuffix("may not append event.voided events; a void is recorded by the county office (supervisor) or an admin: ask them to void the record"))
        XCTAssertTrue(denial(#"{"id":"p2","type":"publication.recorded","unit":"dongshn","obligation":"T01","title":"t","at":"2024-01-10"}"#)
            .hasSuffix("only of dongshan; \"dongshn\" is no unit: did you mean dongshan（东山镇）?"))
        let other = denial(#"{"id":"p3","type":"publication.recorded","unit":"czj","obligation":"T01","title":"t","at":"2024-01-10"}"#)
        XCTAssertTrue(other.hasSuffix("may not append events of unit czj, only of dongshan"), other)
    }

    /// `year=2023` asked in January shows 2023's final state: T08b done late in January, which
    /// 2024's table (asof's year) does not show.
    func testYearOptionShowsLastYearsFinalState() throws {
        try adoptSeed()
        try admit(#"{"id":"t1","type":"task.completed","unit":"dongshan","obligation":"T08b","at":"2024-01-10"}"#, by: "admin/uid:0")
        try adopt(BundledDocuments.catalog.replacingOccurrences(of: "\"2023-", with: "\"2024-")
                    .replacingOccurrences(of: "\"year\": 2023", with: "\"year\": 2024"), id: "cat-2024")
        let queries = QueryRequests(state: state, durableSize: state.read { $0.size })
        func t08b(_ options: QueryOptions) throws -> (due: String?, status: String?) {
            let answer = try JSONParser.parse(queries.answerBytes(.compliance(unit: "东山镇", options: options)))
            let entry = try XCTUnwrap(answer["obligations"]?.arrayValue?.first { $0["id"]?.stringValue == "T08b" })
            return (entry["due"]?.stringValue, entry["status"]?.stringValue)
        }
        let lastYear = try t08b(QueryOptions(asof: "2024-01-31", year: 2023))
        XCTAssertEqual(lastYear.due, "2023-12-31")
        XCTAssertEqual(lastYear.status, "late")
        let thisYear = try t08b(QueryOptions(asof: "2024-01-31"))
        XCTAssertEqual(thisYear.due, "2024-12-31")
        XCTAssertEqual(thisYear.status, "pending", "January's completion was 2023's task")
    }

    /// `year=` names a year with its own table, judged at an asof in it or later; it lists
    /// the inquiries received in that year. Refusals say why and what there is.
    func testYearOptionAsksForAYearsOwnTable() throws {
        try adoptSeed()
        try admit(#"{"id":"q1","type":"inquiry.received","unit":"czj","inquiry":"q-dec","channel":"hotline","simple":false,"at":"2023-12-27"}"#,
                  by: "admin/uid:0")
        let before2024 = state.read { $0.size }
        try adopt(BundledDocuments.catalog.replacingOccurrences(of: "\"2023-", with: "\"2024-")
                    .replacingOccurrences(of: "\"year\": 2023", with: "\"year\": 2024"), id: "cat-2024")
        try admit(#"{"id":"q2","type":"inquiry.received","unit":"czj","inquiry":"q-jan","channel":"hotline","simple":false,"at":"2024-01-03"}"#,
                  by: "admin/uid:0")
        let queries = QueryRequests(state: state, durableSize: state.read { $0.size })
        func refusal(_ request: Request) -> ProtocolError? {
            do {
                _ = try queries.answerBytes(request)
                return nil
            } catch {
                return error as? ProtocolError
            }
        }
        let none = refusal(.escalations(options: QueryOptions(asof: "2025-06-30", year: 2025)))
        XCTAssertEqual(none?.code, .notFound)
        XCTAssertEqual(none?.message, "no catalog for 2025 has been adopted by record \(before2024 + 2) (tables adopted for 2023, 2024)")
        XCTAssertEqual(refusal(.compliance(unit: "czj", options: QueryOptions(asof: "2024-01-31", known: before2024, year: 2024)))?.code,
                       .notFound, "2024's table was not yet adopted at that record")
        XCTAssertEqual(refusal(.escalations(options: QueryOptions(asof: "2024-01-31", year: 2022)))?.code, .notFound)
        let early = refusal(.inquiries(unit: nil, options: QueryOptions(asof: "2023-06-30", year: 2024)))
        XCTAssertEqual(early?.code, .badRequest)
        XCTAssertEqual(early?.message, "asof 2023-06-30 is before year 2024: a year is judged from its first day on")
        XCTAssertNil(refusal(.compliance(unit: "czj", options: QueryOptions(asof: "2024-01-31", known: before2024, year: 2023))))
        func listed(_ options: QueryOptions) throws -> [String] {
            let answer = try JSONParser.parse(queries.answerBytes(.inquiries(unit: "czj", options: options)))
            return answer["inquiries"]?.arrayValue?.compactMap { $0["inquiry"]?.stringValue } ?? []
        }
        XCTAssertEqual(try listed(QueryOptions(asof: "2024-01-31", year: 2023)), ["q-dec"])
        XCTAssertEqual(try listed(QueryOptions(asof: "2024-01-31", year: 2024)), ["q-jan"])
        XCTAssertEqual(try listed(QueryOptions(asof: "2024-01-31")), ["q-dec", "q-jan"], "without year=, every inquiry")
        XCTAssertEqual(try listed(QueryOptions(asof: "2025-06-30", year: 2025)), [], "listing by year of receipt needs no table of its own")
    }

    func testAnOfficeOfAUnitGoneFromTheNewTableRepliesToLastYearsQuestion() throws {
        try adoptSeed()
        let office = "office:五指峰乡/uid:5"
        try admit(#"{"id":"w1","type":"inquiry.received","unit":"wuzhifeng","inquiry":"q1","channel":"application","simple":false,"at":"2023-12-20"}"#,
                  by: office)
        let without = BundledDocuments.catalog
            .replacingOccurrences(of: "\"2023-", with: "\"2024-")
            .replacingOccurrences(of: "\"year\": 2023", with: "\"year\": 2024")
            .replacingOccurrences(of: #"{"id": "wuzhifeng", "name": "五指峰乡", "kind": "township"},"#, with: "")
            .replacingOccurrences(of: #", "wuzhifeng"]"#, with: "]")
        try adopt(without, id: "cat-2024")
        XCTAssertNoThrow(try admit(#"{"id":"w2","type":"inquiry.replied","unit":"wuzhifeng","inquiry":"q1","at":"2024-01-03"}"#, by: office))
        XCTAssertThrowsError(try admit(#"{"id":"w3","type":"inquiry.received","unit":"wuzhifeng","inquiry":"q2","channel":"hotline","simple":false,"at":"2024-01-04"}"#,
                                       by: office), "no new business for a unit the year's table lacks")
        XCTAssertThrowsError(try admit(#"{"id":"w4","type":"inquiry.received","unit":"czj","inquiry":"q3","channel":"hotline","simple":false,"at":"2024-01-04"}"#,
                                       by: office), "nor another unit's") { error in
            XCTAssertTrue("\(error)".contains("only of wuzhifeng"), "\(error)")
        }
    }
}
