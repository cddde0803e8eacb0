import XCTest
@testable import GongkaiProtocol

/// Each verb parses to its request; verbs are case-insensitive and arguments are separated by spaces.
final class RequestVerbTests: XCTestCase {
    func testVerbsWithoutArguments() {
        assertRequest("PING", .ping)
        assertRequest("HELP", .help)
        assertRequest("HEAD", .head)
        assertRequest("STATS", .stats)
        assertRequest("WHOAMI", .whoami)
        assertRequest("CATALOG", .catalog)
        assertRequest("UNITS", .units)
    }

    func testVerbsWithNumbers() {
        assertRequest("GET 1", .get(seq: 1))
        assertRequest("GET 42", .get(seq: 42))
        assertRequest("READ 5", .read(from: 5, limit: 1000))
        assertRequest("READ 5 20", .read(from: 5, limit: 20))
        assertRequest("TAIL 1", .tail(from: 1))
        assertRequest("TAIL 99", .tail(from: 99))
    }

    func testAppendKeepsTheJSONBytesVerbatim() {
        // Not re-encoded: spacing, key order, escapes and trailing spaces reach the envelope untouched.
        let json = #"{ "type":"x",  "id" : "a\u00e9", "n":1.50 }  "#
        assertRequest("APPEND " + json, .append(eventJSON: Array(json.utf8)))
        assertRequest("APPEND    {}", .append(eventJSON: Array("{}".utf8)))
        // Tabs are allowed inside the JSON (JSON whitespace) and kept.
        assertRequest("APPEND {\"a\":\t1}", .append(eventJSON: Array("{\"a\":\t1}".utf8)))
        // Even text that is not JSON is passed on: the envelope check answers invalid-json.
        assertRequest("APPEND not json", .append(eventJSON: Array("not json".utf8)))
        let utf8: [UInt8] = Array("APPEND ".utf8) + [0x22, 0xE4, 0xB8, 0xAD, 0x22]
        assertRequest(utf8, .append(eventJSON: [0x22, 0xE4, 0xB8, 0xAD, 0x22]))
    }

    func testVerbsAreCaseInsensitive() {
        assertRequest("ping", .ping)
        assertRequest("Ping", .ping)
        assertRequest("pInG", .ping)
        assertRequest("get 3", .get(seq: 3))
        assertRequest("Read 3 4", .read(from: 3, limit: 4))
        assertRequest("tail 2", .tail(from: 2))
        assertRequest("whoami", .whoami)
        assertRequest("append {}", .append(eventJSON: Array("{}".utf8)))
        assertRequest("Head", .head)
    }

    func testSeveralSpacesSeparateArgumentsAndTrailingSpacesAreIgnored() {
        assertRequest("GET    7", .get(seq: 7))
        assertRequest("READ  3   9  ", .read(from: 3, limit: 9))
        assertRequest("PING ", .ping)
        assertRequest("HEAD     ", .head)
        assertRequest("TAIL 4 ", .tail(from: 4))
    }

    func testTabIsNotASeparator() {
        // Tabs pass the control-character check (so APPEND JSON may hold them) but only
        // spaces separate words: a tab glues itself to the verb or argument.
        assertRefused("PING\t", .unknownVerb, "unknown verb PING\t; HELP lists the verbs")
        assertRefused("GET\t1", .unknownVerb)
        assertRefused("APPEND\t{}", .unknownVerb)
        assertRefused("GET 1\t", .badRequest, "seq must be a positive integer up to 9007199254740991, got \"1\t\"")
        assertRefused("GET \t1", .badRequest)
        assertRefused("\t", .unknownVerb)
    }

    func testHelpListsEveryVerbItServesInSortedOrder() {
        XCTAssertEqual(Request.verbs, Request.verbs.sorted())
        XCTAssertEqual(Set(Request.verbs).count, Request.verbs.count)
        for verb in ["APPEND", "GET", "HEAD", "HELP", "PING", "READ", "STATS", "TAIL", "WHOAMI"] {
            XCTAssertTrue(Request.verbs.contains(verb), verb)
        }
        // Every listed verb is known to the parser (whatever it says about missing arguments).
        for verb in Request.verbs {
            do {
                _ = try Request.parse(Array(verb.utf8))
            } catch let error as ProtocolError {
                XCTAssertNotEqual(error.code, .unknownVerb, verb)
            } catch {
                XCTFail("\(verb): \(error)")
            }
        }
    }

    func testQueryVerbs() {
        assertRequest("COMPLIANCE u1", .compliance(unit: "u1", options: QueryOptions()))
        assertRequest("compliance u1 asof=2024-03-01 known=7",
                      .compliance(unit: "u1", options: QueryOptions(asof: "2024-03-01", known: 7)))
        assertRequest("INQUIRIES", .inquiries(unit: nil, options: QueryOptions()))
        assertRequest("INQUIRIES u2 known=0", .inquiries(unit: "u2", options: QueryOptions(known: 0)))
        assertRequest("ESCALATIONS asof=2024-01-31", .escalations(options: QueryOptions(asof: "2024-01-31")))
        assertRequest("COMPLIANCE u1 asof=2024-01-31 year=2023", .compliance(unit: "u1", options: QueryOptions(asof: "2024-01-31", year: 2023)))
        assertRequest("ESCALATIONS YEAR=2023", .escalations(options: QueryOptions(year: 2023)))
        for bad in ["COMPLIANCE u1 year=23", "COMPLIANCE u1 year=2101", "INQUIRIES year=2023 year=2024", "ESCALATIONS year=２０２３",
                    "BULLETIN 2024-01 year=2023"] {
            XCTAssertThrowsError(try Request.parse(Array(bad.utf8)), bad) { error in
                XCTAssertEqual((error as? ProtocolError)?.code, .badRequest, "\(bad): \(error)")
            }
        }
        assertRequest("BULLETIN 2024-02", .bulletin(month: "2024-02", options: QueryOptions()))
        assertRefused("COMPLIANCE", .badRequest)
        assertRefused("ESCALATIONS u1", .badRequest)
        assertRefused("BULLETIN 2024-02 asof=2024-03-01", .badRequest)
    }
}

/// `Request.verb` names the verb each parsed request was sent with, and only listed verbs.
final class RequestVerbNameTests: XCTestCase {
    func testEveryVerbParsesToARequestNamingIt() throws {
        let lines = ["PING", "HELP", "APPEND {}", "GET 1", "FIND czj-1", "READ 1", "TAIL 1", "HEAD", "STATS", "WHOAMI",
                     "COMPLIANCE czj", "INQUIRIES", "ESCALATIONS", "BULLETIN 2023-05", "CATALOG", "UNITS",
                     "PROOF INCLUSION 1", "PROOF CONSISTENCY 1 2", "VERIFY", "BACKUP /srv/backup"]
        var named: Set<String> = []
        for line in lines {
            let request = try Request.parse(Array(line.utf8))
            XCTAssertEqual(request.verb, String(line.prefix { $0 != " " }), line)
            named.insert(request.verb)
        }
        XCTAssertEqual(named, Set(Request.verbs))
    }
}
