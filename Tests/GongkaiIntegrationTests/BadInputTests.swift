import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Every bad input gets its pinned ERR code, writes nothing, and leaves the daemon serving.
final class BadInputTests: DaemonTestCase {
    override var daemonArguments: [String] { ["--max-line-bytes", "65536"] }

    /// (raw line bytes, expected ERR code)
    static let cases: [(String, [UInt8], String)] = [
        ("malformed JSON", Array(#"APPEND {"id":"x","type":"#.utf8), "invalid-json"),
        ("trailing garbage", Array(#"APPEND {"id":"x","type":"interview.held"} x"#.utf8), "invalid-json"),
        ("duplicate key", Array(#"APPEND {"id":"x","id":"y","type":"interview.held"}"#.utf8), "invalid-json"),
        ("lone surrogate", Array(#"APPEND {"id":"x","type":"interview.held","note":"\ud800"}"#.utf8), "invalid-json"),
        ("JSON array", Array(#"APPEND [{"id":"x","type":"interview.held"}]"#.utf8), "invalid-event"),
        ("JSON string", Array(#"APPEND "hello""#.utf8), "invalid-event"),
        ("missing id", Array(#"APPEND {"type":"interview.held","unit":"czj"}"#.utf8), "invalid-event"),
        ("missing type", Array(#"APPEND {"id":"no-type","unit":"czj"}"#.utf8), "invalid-event"),
        ("numeric id", Array(#"APPEND {"id":7,"type":"interview.held"}"#.utf8), "invalid-event"),
        ("empty id", Array(#"APPEND {"id":"","type":"interview.held"}"#.utf8), "invalid-event"),
        ("id with a space", Array(#"APPEND {"id":"a b","type":"interview.held"}"#.utf8), "invalid-event"),
        ("id too long", Array(#"APPEND {"id":"\#(String(repeating: "x", count: 129))","type":"interview.held"}"#.utf8), "invalid-event"),
        ("unknown type", Array(#"APPEND {"id":"u1","type":"publication.deleted"}"#.utf8), "invalid-event"),
        ("APPEND without event", Array("APPEND".utf8), "bad-request"),
        ("non-UTF-8 bytes", Array("APPEND {\"id\":\"".utf8) + [0xC3, 0x28] + Array("\",\"type\":\"interview.held\"}".utf8), "bad-request"),
        ("NUL byte", Array("PI".utf8) + [0] + Array("NG".utf8), "bad-request"),
        ("NUL inside an event", Array(#"APPEND {"id":"n"#.utf8) + [0] + Array(#"","type":"interview.held"}"#.utf8), "bad-request"),
        ("unknown verb", Array("FROB 1".utf8), "unknown-verb"),
        ("GET 0", Array("GET 0".utf8), "bad-request"),
        ("GET missing seq", Array("GET 999999".utf8), "not-found"),
        ("GET abc", Array("GET abc".utf8), "bad-request"),
        ("GET -1", Array("GET -1".utf8), "bad-request"),
        ("GET without seq", Array("GET".utf8), "bad-request"),
        ("GET two seqs", Array("GET 1 2".utf8), "bad-request"),
        ("GET huge", Array("GET 99999999999999999999999".utf8), "bad-request"),
        ("READ 0", Array("READ 0".utf8), "bad-request"),
        ("READ abc", Array("READ abc".utf8), "bad-request"),
        ("READ limit 0", Array("READ 1 0".utf8), "bad-request"),
        ("READ limit too big", Array("READ 1 10001".utf8), "bad-request"),
        ("READ three numbers", Array("READ 1 2 3".utf8), "bad-request"),
        ("TAIL abc", Array("TAIL abc".utf8), "bad-request"),
        ("PING with argument", Array("PING now".utf8), "bad-request"),
        ("empty line", [], "bad-request"),
        ("spaces only", Array("   ".utf8), "bad-request"),
    ]

    func testEachBadInputIsAnsweredWithItsCodeAndChangesNothing() throws {
        let connection = try daemon.connect()
        _ = try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "before"))
        let headBefore = try connection.readLineAfter("HEAD")
        for (name, bytes, code) in Self.cases {
            try connection.sendRaw(bytes + [0x0A])
            let answer = try XCTUnwrap(connection.readLine(), name)
            XCTAssertTrue(answer.hasPrefix("ERR \(code) "), "\(name): expected ERR \(code), got \(answer)")
            XCTAssertFalse(answer.dropFirst(5 + code.count).isEmpty, "\(name): the error says why")
        }
        XCTAssertEqual(try connection.readLineAfter("HEAD"), headBefore, "no bad input wrote anything")
        XCTAssertEqual(try connection.readLineAfter("PING"), #"OK {"pong":true}"#, "the same connection still works")
        let stats = try LedgerFixtures.okJSON(try connection.readLineAfter("STATS"))
        XCTAssertEqual(stats["errors"]?["invalid-event"]?.integerValue, Int64(Self.cases.filter { $0.2 == "invalid-event" }.count))
    }

    func testCRLFIsAcceptedAndVerbsAreCaseInsensitive() throws {
        let connection = try daemon.connect()
        try connection.sendRaw(Array("ping\r\nPiNg\r\n".utf8))
        XCTAssertEqual(try connection.readLine(), #"OK {"pong":true}"#)
        XCTAssertEqual(try connection.readLine(), #"OK {"pong":true}"#)
    }

    func testEventOverTheEventLimitIsTooLargeButTheConnectionStays() throws {
        let daemon = DaemonProcess(arguments: ["--max-line-bytes", "1048576"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        let big = #"{"id":"big","type":"interview.held","note":""# + String(repeating: "字", count: 100_000) + #""}"#
        let answer = try connection.readLineAfter("APPEND " + big)
        XCTAssertTrue(answer.hasPrefix("ERR too-large "), answer)
        XCTAssertEqual(try connection.readLineAfter("PING"), #"OK {"pong":true}"#)
    }

    func testOverLongLineIsTooLargeAndClosesOnlyThatConnection() throws {
        let other = try daemon.connect()
        let headBefore = try other.readLineAfter("HEAD")
        let connection = try daemon.connect()
        // One whole line arriving in one piece, and one that never ends.
        try connection.sendRaw(Array(repeating: UInt8(ascii: "A"), count: 70_000) + [0x0A, UInt8(ascii: "P")])
        let answer = try XCTUnwrap(connection.readLine())
        XCTAssertTrue(answer.hasPrefix("ERR too-large "), answer)
        XCTAssertNil(try connection.readLine(), "the connection is closed after too-large")

        let endless = try daemon.connect()
        try endless.sendRaw(Array(repeating: UInt8(ascii: "{"), count: 200_000))
        XCTAssertTrue(try XCTUnwrap(endless.readLine()).hasPrefix("ERR too-large "))
        XCTAssertNil(try endless.readLine())

        XCTAssertEqual(try other.readLineAfter("PING"), #"OK {"pong":true}"#, "other connections are unaffected")
        XCTAssertEqual(try other.readLineAfter("HEAD"), headBefore, "nothing was written")
    }

    func testClientDisconnectingMidLineWritesNothing() throws {
        let headBefore = try daemon.connect().readLineAfter("HEAD")
        for _ in 0..<20 {
            let connection = try daemon.connect()
            try connection.sendRaw(Array(("APPEND " + LedgerFixtures.event(id: "half")).utf8.prefix(40)))
            connection.close()
        }
        let connection = try daemon.connect()
        try connection.sendRaw(Array(("APPEND " + LedgerFixtures.event(id: "half2")).utf8.prefix(30)))
        connection.shutdownWrite()
        XCTAssertNil(try connection.readLine(), "a half line then EOF gets no answer and the connection closes")
        let check = try daemon.connect()
        XCTAssertEqual(try check.readLineAfter("PING"), #"OK {"pong":true}"#)
        XCTAssertEqual(try check.readLineAfter("HEAD"), headBefore, "nothing was written")
    }

    func testPipelinedMixOfGoodAndBadKeepsOrder() throws {
        let connection = try daemon.connect()
        let base = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]!.integerValue!
        let answers = try LedgerFixtures.pipeline(connection, [
            "APPEND " + LedgerFixtures.event(id: "m1"), "APPEND [1]", "GET \(base + 1)", "FROB",
            "APPEND " + LedgerFixtures.event(id: "m2"), "GET \(base + 2)", "GET \(base + 3)",
        ])
        XCTAssertTrue(answers[0].hasPrefix("OK {\"id\":\"m1\""), answers[0])
        XCTAssertTrue(answers[1].hasPrefix("ERR invalid-event"), answers[1])
        XCTAssertTrue(answers[2].hasPrefix("OK {\"by\""), answers[2])
        XCTAssertTrue(answers[3].hasPrefix("ERR unknown-verb"), answers[3])
        XCTAssertTrue(answers[4].hasPrefix("OK {\"id\":\"m2\""), answers[4])
        XCTAssertTrue(answers[5].contains("\"id\":\"m2\""), answers[5])
        XCTAssertTrue(answers[6].hasPrefix("ERR not-found"), answers[6])
    }

    /// An unknown unit's refusal names the units it was likely meant for, and says where the
    /// known ones are listed.
    func testAnUnknownUnitPointsToTheUnitList() throws {
        let connection = try daemon.connect()
        let query = try connection.readLineAfter("COMPLIANCE 东山")
        XCTAssertTrue(query.hasPrefix("ERR not-found unknown unit 东山 in catalog shangyou-2023, the table for 2023; " +
                                      "did you mean dongshan（东山镇）? UNITS (gongkai units) lists"), query)
        let append = try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "nowhere-1", unit: "czjj"))
        XCTAssertTrue(append.hasPrefix("ERR invalid-event") && append.contains("did you mean czj（县财政局）? UNITS (gongkai units) lists"), append)
        let far = try connection.readLineAfter("COMPLIANCE atlantis")
        XCTAssertFalse(far.contains("did you mean"), far)
        let task = try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "nowhere-2").replacingOccurrences(of: "\"T01\"", with: "\"T1\""))
        XCTAssertTrue(task.hasPrefix("ERR invalid-event obligation: unknown obligation T1 in catalog shangyou-2023; did you mean T01?"), task)
    }
}
