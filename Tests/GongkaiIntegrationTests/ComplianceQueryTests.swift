import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// The domain through the real socket: validation, compliance, escalation, as-of answers.
final class ComplianceQueryTests: DaemonTestCase {
    var counter = 0

    @discardableResult
    func append(_ fields: [String: JSONValue], file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        counter += 1
        var members = fields
        if members["id"] == nil { members["id"] = .string("q\(counter)") }
        return try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + CanonicalJSON.encodeString(.object(members))), file: file, line: line)
    }

    func query(_ request: String) throws -> JSONValue { try LedgerFixtures.okJSON(try connection.readLineAfter(request)) }

    func periods(_ answer: JSONValue, _ obligation: String) -> [String: String] {
        let entry = answer["obligations"]?.arrayValue?.first { $0["id"]?.stringValue == obligation }
        var result: [String: String] = [:]
        for period in entry?["periods"]?.arrayValue ?? [] { result[period["period"]!.stringValue!] = period["status"]!.stringValue! }
        return result
    }

    func testSeedCatalogAndCalendarsAreTheFirstRecords() throws {
        let first = try JSONParser.parse(try XCTUnwrap(connection.readLineAfter("GET 1")).dropFirst(3).description)
        XCTAssertEqual(first["by"]?.stringValue, "system")
        XCTAssertEqual(first["event"]?["type"]?.stringValue, "catalog.adopted")
        let units = try query("UNITS")
        XCTAssertEqual(units["units"]?.arrayValue?.count, 37)
        XCTAssertEqual(units["units"]?.arrayValue?.first?["name"]?.stringValue, "东山镇")
        let catalog = try query("CATALOG")
        XCTAssertEqual(catalog["catalog"]?["obligations"]?.arrayValue?.map { $0["id"]!.stringValue! },
                       ["T01", "T02", "T03", "T04a", "T04b", "T04c", "T05", "T06a", "T06b", "T07", "T08a", "T08b", "T09", "T10",
                        "T11", "T12", "T13", "T14", "T15", "T16", "T17", "T18a", "T18b", "M1", "M2"])
        let seed = try LedgerFixtures.readAll(connection).prefix(5).map { try JSONParser.parse($0) }
        XCTAssertEqual(seed.dropFirst().map { $0["event"]!["type"]!.stringValue! }, Array(repeating: "calendar.adopted", count: 4))
        XCTAssertEqual(seed.dropFirst().map { $0["event"]!["year"]!.integerValue! }, [2023, 2024, 2025, 2026])
        XCTAssertEqual(seed.map { $0["by"]!.stringValue! }, Array(repeating: "system", count: 5))
    }

    func testMonthlyObligationMissedThenPendingAndChineseNameStoredAsId() throws {
        try append(["type": "publication.recorded", "unit": "东山镇", "obligation": "T01", "title": "一月", "at": "2023-01-16"])
        let answer = try append(["type": "publication.recorded", "unit": "dongshan", "obligation": "T01", "title": "二月", "at": "2023-02-14"])
        let record = try JSONParser.parse(String(try connection.readLineAfter("GET \(answer["seq"]!.integerValue! - 1)").dropFirst(3)))
        XCTAssertEqual(record["event"]?["unit"]?.stringValue, "dongshan", "the Chinese name is stored as the id")
        let compliance = try query("COMPLIANCE dongshan asof=2023-04-10")
        XCTAssertEqual(periods(compliance, "T01"), ["2023-01": "met", "2023-02": "met", "2023-03": "missed", "2023-04": "pending"])
        XCTAssertEqual(try query("COMPLIANCE 东山镇 asof=2023-04-10"), compliance, "units may be named in Chinese")
    }

    /// The event as stored (the unit's id for its Chinese name) is the same event: a client
    /// that sends again what GET gave it gets the first receipt, not a conflict, whether the
    /// first is committed or in the same batch. The stored event with a field changed conflicts.
    func testSendingTheStoredFormOfAnEventAgainIsADuplicate() throws {
        let sent = #"{"at":"2023-01-16","id":"cn-1","obligation":"T01","title":"一月","type":"publication.recorded","unit":"东山镇"}"#
        let first = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + sent))
        let record = try JSONParser.parse(String(try connection.readLineAfter("GET \(first["seq"]!.integerValue!)").dropFirst(3)))
        let stored = CanonicalJSON.encodeString(record["event"]!)
        XCTAssertTrue(stored.contains(#""unit":"dongshan""#), stored)
        let again = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + stored))
        XCTAssertEqual(again["duplicate"], .bool(true))
        for key in ["seq", "leaf", "size", "root"] { XCTAssertEqual(again[key], first[key], "the first receipt's \(key)") }
        let changed = stored.replacingOccurrences(of: "一月", with: "二月")
        XCTAssertTrue(try connection.readLineAfter("APPEND " + changed).hasPrefix("ERR conflict "))
        // Within one pipelined burst: the first is not committed yet when its stored form arrives.
        let burstSent = sent.replacingOccurrences(of: "cn-1", with: "cn-2")
        try connection.send("APPEND " + burstSent)
        try connection.send("APPEND " + stored.replacingOccurrences(of: "cn-1", with: "cn-2"))
        let answers = try (0..<2).map { _ in try LedgerFixtures.okJSON(try XCTUnwrap(try connection.readLine())) }
        XCTAssertNil(answers[0]["duplicate"])
        XCTAssertEqual(answers[1]["duplicate"], .bool(true))
        XCTAssertEqual(answers[1]["seq"], answers[0]["seq"])
    }

    func testDeadlineCompletedAfterItsDueDateIsLate() throws {
        try append(["type": "task.completed", "unit": "shexi", "obligation": "T07", "at": "2023-11-03", "evidence": "https://example.org/x"])
        let compliance = try query("COMPLIANCE shexi asof=2023-12-31")
        let t07 = compliance["obligations"]!.arrayValue!.first { $0["id"]?.stringValue == "T07" }!
        XCTAssertEqual(t07["status"]?.stringValue, "late")
        XCTAssertEqual(t07["due"]?.stringValue, "2023-10-30")
    }

    func testThreeCountyNoticesThenVoidAndE2() throws {
        var notices: [Int64] = []
        for date in ["2023-02-01", "2023-05-02", "2023-08-01"] {
            notices.append(try append(["type": "notice.issued", "unit": "czj", "level": "county", "reason": "专栏未按期更新", "at": .string(date)])["seq"]!.integerValue!)
        }
        var czj = try query("ESCALATIONS asof=2023-12-31")["units"]!.arrayValue!.first { $0["unit"]?.stringValue == "czj" }!
        XCTAssertEqual(czj["state"]?.stringValue, "interview-required")
        XCTAssertEqual(czj["rule"]?.stringValue, "E1")
        XCTAssertEqual(czj["triggeredAt"]?.stringValue, "2023-08-01")
        try append(["type": "event.voided", "target": .number(Double(notices[1])), "reason": "通报有误", "at": "2023-09-01"])
        czj = try query("ESCALATIONS asof=2023-12-31")["units"]!.arrayValue!.first { $0["unit"]?.stringValue == "czj" }!
        XCTAssertEqual(czj["state"]?.stringValue, "watch")
        XCTAssertEqual(czj["county"]?.integerValue, 2)

        try append(["type": "notice.issued", "unit": "gxj", "level": "city", "reason": "r", "at": "2023-03-01"])
        try append(["type": "notice.issued", "unit": "gxj", "level": "province", "reason": "r", "at": "2023-04-01"])
        let gxj = try query("ESCALATIONS asof=2023-12-31")["units"]!.arrayValue!.first { $0["unit"]?.stringValue == "gxj" }!
        XCTAssertEqual(gxj["state"]?.stringValue, "interview-required")
        XCTAssertEqual(gxj["rule"]?.stringValue, "E2")
        XCTAssertEqual(gxj["cityProvince"]?.integerValue, 2)
        try append(["type": "interview.held", "unit": "gxj", "at": "2023-04-20"])
        let after = try query("ESCALATIONS asof=2023-12-31")["units"]!.arrayValue!.first { $0["unit"]?.stringValue == "gxj" }!
        XCTAssertEqual(after["state"]?.stringValue, "interviewed")
    }

    /// A bulletin judged before its month ends would list as overdue what can still be
    /// answered today, and change from day to day for the same `known`.
    func testABulletinIsRefusedUntilItsMonthIsOver() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let now = calendar.dateComponents([.year, .month], from: Date())
        let (year, month) = (now.year!, now.month!)
        let thisMonth = String(format: "%04d-%02d", year, month)
        let nextMonth = month == 12 ? String(format: "%04d-01", year + 1) : String(format: "%04d-%02d", year, month + 1)
        let lastMonth = month == 1 ? String(format: "%04d-12", year - 1) : String(format: "%04d-%02d", year, month - 1)
        for unfinished in [thisMonth, nextMonth] {
            let answer = try connection.readLineAfter("BULLETIN \(unfinished)")
            XCTAssertTrue(answer.hasPrefix("ERR bad-request \(unfinished) is not over"), answer)
        }
        XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("BULLETIN \(lastMonth)"))["month"]?.stringValue, lastMonth)
    }

    func testKnownAnswersEqualTheAnswersGivenWhenTheLogWasThatLong() throws {
        let questions = ["COMPLIANCE czj asof=2023-12-31", "ESCALATIONS asof=2023-12-31", "INQUIRIES czj asof=2023-12-31",
                         "BULLETIN 2023-06", "COMPLIANCE dongshan asof=2023-06-30"]
        let steps: [[String: JSONValue]] = [
            ["type": "publication.recorded", "unit": "czj", "obligation": "T01", "title": "t", "at": "2023-06-05"],
            ["type": "notice.issued", "unit": "czj", "level": "county", "reason": "r", "at": "2023-06-10"],
            ["type": "inquiry.received", "unit": "czj", "inquiry": "k1", "channel": "hotline", "simple": false, "at": "2023-06-12"],
            ["type": "publication.recorded", "unit": "dongshan", "obligation": "T01", "title": "t", "at": "2023-06-20"],
            ["type": "inquiry.replied", "unit": "czj", "inquiry": "k1", "at": "2023-06-26"],
            ["type": "notice.issued", "unit": "czj", "level": "county", "reason": "r", "at": "2023-06-28"],
            ["type": "event.voided", "target": 0, "reason": "r", "at": "2023-06-29"],  // target filled in below
        ]
        var then: [(UInt64, [String])] = []
        var firstSeq: Int64 = 0
        for step in steps {
            var fields = step
            if step["type"] == "event.voided" { fields["target"] = .number(Double(firstSeq)) }
            let seq = try append(fields)["seq"]!.integerValue!
            if firstSeq == 0 { firstSeq = seq }
            then.append((UInt64(seq), try questions.map { try connection.readLineAfter($0) }))
        }
        for (known, answers) in then {
            for (question, answer) in zip(questions, answers) {
                XCTAssertEqual(try connection.readLineAfter(question + " known=\(known)"), answer, "\(question) known=\(known)")
            }
        }
        XCTAssertTrue(try connection.readLineAfter("COMPLIANCE czj known=999999").hasPrefix("ERR bad-request"))
    }

    /// A retry of an event voided since gets its first receipt, and is told of the void: it
    /// no longer counts. Pipelined right behind the void, it is told too.
    func testARepeatedEventThatWasVoidedSaysByWhichRecord() throws {
        let event: [String: JSONValue] = ["id": "pub-v", "type": "publication.recorded", "unit": "czj", "obligation": "T01",
                                          "title": "t", "at": "2023-05-09"]
        let first = try append(event)
        XCTAssertNil(try append(event)["voidedBy"], "not voided: a plain duplicate")
        let void = try append(["type": "event.voided", "target": first["seq"]!, "reason": "r", "at": "2023-05-10"])
        let again = try append(event)
        XCTAssertEqual(again["duplicate"], .bool(true))
        XCTAssertEqual(again["seq"], first["seq"])
        XCTAssertEqual(again["size"], first["size"], "the first receipt, unchanged")
        XCTAssertEqual(again["voidedBy"], void["seq"])
        // A file sent again: the summary says how many of its duplicates no longer count.
        let file = daemon.stateDirectory + "/again.ndjson"
        try Data((CanonicalJSON.encodeString(.object(event)) + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let client = URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
        let resent = try ToolProcess.run(client, ["append", "--file", file, "--socket", daemon.socketPath])
        XCTAssertTrue(resent.output.contains("appended 0, duplicates 1 (1 of them voided since: they do not count), failed 0"),
                      resent.output)
        // Found by its id, as a clerk knows it (to void it, say), by the daemon and the CLI.
        XCTAssertEqual(try connection.readLineAfter("FIND pub-v"), try connection.readLineAfter("GET \(first["seq"]!.integerValue!)"))
        XCTAssertTrue(try connection.readLineAfter("FIND pub-none").hasPrefix("ERR not-found no record has id \"pub-none\""))
        let found = try ToolProcess.run(client, ["get", "--id", "pub-v", "--socket", daemon.socketPath, "--json"])
        XCTAssertEqual(found.status, 0, found.output)
        XCTAssertEqual(try JSONParser.parse(Array(found.output.utf8))["seq"], first["seq"])
        // The corrected event under the voided one's id: a conflict that says what to do.
        var corrected = event
        corrected["title"] = "t (corrected)"
        let conflict = try connection.readLineAfter("APPEND " + CanonicalJSON.encodeString(.object(corrected)))
        XCTAssertTrue(conflict.hasPrefix("ERR conflict") && conflict.hasSuffix(
            "voided by record \(void["seq"]!.integerValue!): send the corrected event under a new id)"), conflict)
        // Sent together (so usually admitted in one batch): a void of a second event and a
        // retry of that event right behind it.
        let second = try append(["id": "pub-w", "type": "publication.recorded", "unit": "czj", "obligation": "T01",
                                 "title": "u", "at": "2023-05-09"])
        let requests = [
            "APPEND " + CanonicalJSON.encodeString(.object(["id": "void-w", "type": "event.voided", "target": second["seq"]!,
                                                            "reason": "r", "at": "2023-05-10"])),
            "APPEND " + CanonicalJSON.encodeString(.object(["id": "pub-w", "type": "publication.recorded", "unit": "czj",
                                                            "obligation": "T01", "title": "u", "at": "2023-05-09"])),
        ]
        try connection.sendRaw(Array((requests.joined(separator: "\n") + "\n").utf8))
        let voidW = try LedgerFixtures.okJSON(try XCTUnwrap(connection.readLine()))
        let retryW = try LedgerFixtures.okJSON(try XCTUnwrap(connection.readLine()))
        XCTAssertEqual(retryW["voidedBy"], voidW["seq"])
    }

    func testEveryValidationFailureIsInvalidEventAndWritesNothing() throws {
        try append(["id": "inq", "type": "inquiry.received", "unit": "czj", "inquiry": "v1", "channel": "hotline", "simple": false, "at": "2023-05-08"])
        try append(["id": "app", "type": "inquiry.received", "unit": "czj", "inquiry": "v2", "channel": "application", "simple": false, "at": "2023-05-08"])
        try append(["id": "rep", "type": "inquiry.replied", "unit": "czj", "inquiry": "v1", "at": "2023-05-09"])
        let pub = try append(["type": "publication.recorded", "unit": "czj", "obligation": "T01", "title": "t", "at": "2023-05-09"])
        try append(["type": "event.voided", "target": pub["seq"]!, "reason": "r", "at": "2023-05-10"])
        let base: [String: JSONValue] = ["type": "publication.recorded", "unit": "czj", "obligation": "T01", "title": "t", "at": "2023-05-06"]
        func with(_ changes: [String: JSONValue?]) -> [String: JSONValue] {
            var result = base
            for (key, value) in changes { result[key] = value }
            return result
        }
        let bad: [(String, [String: JSONValue])] = [
            ("unknown unit", with(["unit": "atlantis"])),
            ("missing unit", with(["unit": nil])),
            ("unknown field", with(["colour": "red"])),
            ("missing at", with(["at": nil])),
            ("bad date", with(["at": "2023-13-01"])),
            ("far future", with(["at": "2099-01-01"])),
            ("unknown obligation", with(["obligation": "T99"])),
            ("obligation of another kind", with(["obligation": "T06a"])),
            ("obligation not binding the unit", with(["obligation": "T02"])),
            ("missing title", with(["title": nil])),
            ("deadline task with a periodic obligation", ["type": "task.completed", "unit": "czj", "obligation": "T01", "at": "2023-05-06"]),
            ("bad meeting", ["type": "meeting.held", "unit": "czj", "meeting": "banquet", "at": "2023-05-06"]),
            ("bad channel", ["type": "inquiry.received", "unit": "czj", "inquiry": "x", "channel": "fax", "simple": false, "at": "2023-05-06"]),
            ("inquiry received twice", ["type": "inquiry.received", "unit": "czj", "inquiry": "v2", "channel": "hotline", "simple": false, "at": "2023-05-09"]),
            ("unknown inquiry", ["type": "inquiry.replied", "unit": "czj", "inquiry": "nope", "at": "2023-05-09"]),
            ("inquiry of another unit", ["type": "inquiry.replied", "unit": "gxj", "inquiry": "v2", "at": "2023-05-09"]),
            ("date before receipt", ["type": "inquiry.replied", "unit": "czj", "inquiry": "v2", "at": "2023-05-07"]),
            ("replied twice", ["type": "inquiry.replied", "unit": "czj", "inquiry": "v1", "at": "2023-05-10"]),
            ("extension of a hotline question", ["type": "inquiry.extended", "unit": "czj", "inquiry": "v1", "days": 5, "at": "2023-05-09"]),
            ("extension over 20", ["type": "inquiry.extended", "unit": "czj", "inquiry": "v2", "days": 21, "at": "2023-05-09"]),
            ("resume without pause", ["type": "inquiry.resumed", "unit": "czj", "inquiry": "v2", "at": "2023-05-09"]),
            ("correction received without request", ["type": "inquiry.correction-received", "unit": "czj", "inquiry": "v2", "at": "2023-05-09"]),
            ("bad notice level", ["type": "notice.issued", "unit": "czj", "level": "village", "reason": "r", "at": "2023-05-09"]),
            ("notice without reason", ["type": "notice.issued", "unit": "czj", "level": "county", "at": "2023-05-09"]),
            ("interview not required", ["type": "interview.held", "unit": "czj", "at": "2023-05-09"]),
            ("void of a missing record", ["type": "event.voided", "target": 999_999, "reason": "r", "at": "2023-05-09"]),
            ("void of a voided record", ["type": "event.voided", "target": pub["seq"]!, "reason": "r", "at": "2023-05-10"]),
            ("void of the catalog", ["type": "event.voided", "target": 1, "reason": "r", "at": "2023-05-10"]),
            ("void with a unit", ["type": "event.voided", "unit": "czj", "target": pub["seq"]!, "reason": "r", "at": "2023-05-10"]),
            ("bad calendar", ["type": "calendar.adopted", "year": 2027, "notice": "n", "holidays": [["2027-02-10", "2027-02-01"]], "workdays": []]),
            ("bad catalog", ["type": "catalog.adopted", "catalog": ["catalog": "x", "year": 2024, "units": []]]),
        ]
        let head = try connection.readLineAfter("HEAD")
        for (name, fields) in bad {
            counter += 1
            var members = fields
            members["id"] = .string("bad\(counter)")
            let answer = try connection.readLineAfter("APPEND " + CanonicalJSON.encodeString(.object(members)))
            XCTAssertTrue(answer.hasPrefix("ERR invalid-event "), "\(name): \(answer)")
        }
        XCTAssertEqual(try connection.readLineAfter("HEAD"), head, "no refused event was written")
    }
}
