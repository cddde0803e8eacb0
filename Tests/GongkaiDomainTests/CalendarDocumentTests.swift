import GongkaiJSON
import XCTest
@testable import GongkaiDomain

final class CalendarDocumentTests: XCTestCase {
    private let calendar2023 = """
    {"year": 2023, "notice": "国办发明电〔2022〕16号",
     "holidays": [["2022-12-31", "2023-01-02"], ["2023-01-21", "2023-01-27"], ["2023-04-05", "2023-04-05"],
                  ["2023-04-29", "2023-05-03"], ["2023-06-22", "2023-06-24"], ["2023-09-29", "2023-10-06"]],
     "workdays": ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"]}
    """

    func testDecodesTheDocument() throws {
        let document = try CalendarDocument(json: JSONParser.parse(calendar2023))
        XCTAssertEqual(document.year, 2023)
        XCTAssertEqual(document.notice, "国办发明电〔2022〕16号")
        XCTAssertEqual(document.holidays.count, 6)
        XCTAssertEqual(document.holidays[0], date("2022-12-31")...date("2023-01-02"))
        XCTAssertEqual(document.holidays[2], date("2023-04-05")...date("2023-04-05"))
        XCTAssertEqual(document.workdays.map(\.description),
                       ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25", "2023-10-07", "2023-10-08"])
    }

    func testJSONRoundTrip() throws {
        let parsed = try JSONParser.parse(calendar2023)
        let document = try CalendarDocument(json: parsed)
        XCTAssertEqual(document.json, parsed)
        XCTAssertEqual(try CalendarDocument(json: document.json), document)
    }

    func testMemberwiseInitChecksToo() throws {
        XCTAssertNoThrow(try CalendarDocument(year: 2027, notice: "n", holidays: [], workdays: []))
        XCTAssertThrowsError(try CalendarDocument(year: 2023, notice: "n", holidays: [],
                                                  workdays: [date("2023-01-27")])) { error in
            XCTAssertEqual((error as? DomainError)?.field, "workdays[0]")
        }
    }

    func testRejections() throws {
        let cases: [(String, String, String)] = [
            // (JSON, field, words the reason must contain)
            (#"[]"#, "calendar", "object"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": [], "source": "x"}"#, "source", "not a field"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": [], "id": "c1"}"#, "id", "not a field"),
            (#"{"notice": "n", "holidays": [], "workdays": []}"#, "year", "missing"),
            (#"{"year": 2023, "holidays": [], "workdays": []}"#, "notice", "missing"),
            (#"{"year": 2023, "notice": "n", "workdays": []}"#, "holidays", "missing"),
            (#"{"year": 2023, "notice": "n", "holidays": []}"#, "workdays", "missing"),
            (#"{"year": "2023", "notice": "n", "holidays": [], "workdays": []}"#, "year", "integer"),
            (#"{"year": 2023.5, "notice": "n", "holidays": [], "workdays": []}"#, "year", "integer"),
            (#"{"year": 1999, "notice": "n", "holidays": [], "workdays": []}"#, "year", "outside"),
            (#"{"year": 2101, "notice": "n", "holidays": [], "workdays": []}"#, "year", "outside"),
            (#"{"year": 2023, "notice": "", "holidays": [], "workdays": []}"#, "notice", "characters"),
            (#"{"year": 2023, "notice": 16, "holidays": [], "workdays": []}"#, "notice", "string"),
            (#"{"year": 2023, "notice": "n", "holidays": {}, "workdays": []}"#, "holidays", "array"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": "2023-01-28"}"#, "workdays", "array"),
            (#"{"year": 2023, "notice": "n", "holidays": ["2023-04-05"], "workdays": []}"#, "holidays[0]", "pair"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-04-05"]], "workdays": []}"#, "holidays[0]", "pair"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-04-05", "2023-04-05", "2023-04-06"]], "workdays": []}"#, "holidays[0]", "pair"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-05-03", "2023-04-29"]], "workdays": []}"#, "holidays[0]", "after"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-04-05", "2023-04-31"]], "workdays": []}"#, "holidays[0][1]", "not a date"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-4-5", "2023-04-05"]], "workdays": []}"#, "holidays[0][0]", "not a date"),
            (#"{"year": 2023, "notice": "n", "holidays": [[20230405, "2023-04-05"]], "workdays": []}"#, "holidays[0][0]", "string"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2021-12-31", "2022-01-01"]], "workdays": []}"#, "holidays[0]", "outside"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2024-12-31", "2025-01-01"]], "workdays": []}"#, "holidays[0]", "outside"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-01-21", "2023-01-27"], ["2023-01-27", "2023-01-28"]], "workdays": []}"#, "holidays[1]", "overlaps holidays[0]"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": ["2023-02-30"]}"#, "workdays[0]", "not a date"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": [true]}"#, "workdays[0]", "string"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": ["2023-01-27"]}"#, "workdays[0]", "not a Saturday or Sunday"),
            (#"{"year": 2023, "notice": "n", "holidays": [["2023-01-21", "2023-01-29"]], "workdays": ["2023-01-28"]}"#, "workdays[0]", "also a holiday"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": ["2023-01-28", "2023-01-28"]}"#, "workdays[1]", "twice"),
            (#"{"year": 2023, "notice": "n", "holidays": [], "workdays": ["2025-01-04"]}"#, "workdays[0]", "outside"),
        ]
        for (text, field, reason) in cases {
            XCTAssertThrowsError(try CalendarDocument(json: JSONParser.parse(text)), text) { error in
                guard let error = error as? DomainError else { return XCTFail("not a DomainError: \(error)") }
                XCTAssertEqual(error.field, field, text)
                XCTAssertTrue(error.reason.contains(reason), "\(text): \(error)")
            }
        }
    }

    func testBoundsOnListLengths() throws {
        let many = JSONValue.array(Array(repeating: .array(["2023-04-05", "2023-04-05"]), count: CalendarDocument.maxEntries + 1))
        let json: JSONValue = ["year": 2023, "notice": "n", "holidays": many, "workdays": []]
        XCTAssertThrowsError(try CalendarDocument(json: json)) { error in
            XCTAssertEqual((error as? DomainError)?.field, "holidays")
        }
    }

    func testNeighbouringYearsAreAllowed() throws {
        let json: JSONValue = ["year": 2023, "notice": "n", "holidays": [["2022-01-01", "2022-01-01"], ["2024-12-31", "2024-12-31"]], "workdays": []]
        XCTAssertEqual(try CalendarDocument(json: json).holidays.count, 2)
    }

    func testDomainErrorDescription() {
        XCTAssertEqual(DomainError("holidays[2]", "from 2023-05-03 is after to 2023-04-29").description,
                       "holidays[2]: from 2023-05-03 is after to 2023-04-29")
    }

    private func date(_ text: String) -> BusinessDate {
        guard let date = BusinessDate(text) else { fatalError("bad test date \(text)") }
        return date
    }
}
