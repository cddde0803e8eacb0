import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// `gongkai simulate` and the report commands, through the real `gongkai` binary and a real
/// daemon: the simulated year is deterministic, every event of it is accepted in file
/// order, and the escalation, bulletin, CSV and Markdown answers hold what they should.
final class SimulateTests: XCTestCase {
    /// The client in the build's products folder, beside `gongkaid`.
    static var client: String {
        URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
    }

    func testSimulationIsDeterministicPerSeedAndOrderedWithinTheYear() throws {
        let first = try Self.run(["simulate", "--year", "2023", "--seed", "7"])
        let second = try Self.run(["simulate", "--year", "2023", "--seed", "7"])
        let other = try Self.run(["simulate", "--year", "2023", "--seed", "8"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, second.stdout, "the same seed gives the same bytes")
        XCTAssertNotEqual(first.stdout, other.stdout, "another seed gives another year")

        let directory = DaemonProcess.temporaryDirectory("gongkai-simulate")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/year.ndjson"
        let written = try Self.run(["simulate", "--year", "2023", "--seed", "7", "--output", file])
        XCTAssertEqual(written.status, 0, written.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), first.stdout, "--output writes the same bytes")

        XCTAssertNotEqual(try Self.run(["simulate", "--year", "2024", "--seed", "7"]).status, 0,
                          "the bundled catalog has rules for 2023 only")

        // One canonical event per line, unique ids, dates inside 2023 and never going back.
        var ids = Set<String>()
        var previous = ""
        var types: [String: Int] = [:]
        for line in try Self.lines(first.stdout) {
            let event = try JSONParser.parse(line)
            XCTAssertEqual(CanonicalJSON.encodeString(event), line, "lines are RFC 8785 canonical")
            let id = try XCTUnwrap(event["id"]?.stringValue)
            XCTAssertTrue(id.hasPrefix("sim-2023-s7-"), id)
            XCTAssertTrue(ids.insert(id).inserted, "id \(id) used twice")
            let at = try XCTUnwrap(event["at"]?.stringValue)
            XCTAssertTrue(at.hasPrefix("2023-") && at >= previous, "\(id) at \(at) after \(previous)")
            previous = at
            types[event["type"]!.stringValue!, default: 0] += 1
        }
        for type in ["publication.recorded", "task.completed", "meeting.held", "inquiry.received", "inquiry.replied",
                     "inquiry.extended", "inquiry.paused", "inquiry.resumed", "inquiry.correction-requested",
                     "inquiry.correction-received", "notice.issued", "interview.held"] {
            XCTAssertGreaterThan(types[type] ?? 0, 0, "a simulated year has \(type) events")
        }
    }

    func testSimulatedYearLoadsIntoTheDaemonAndFeedsEveryReport() throws {
        let daemon = DaemonProcess()
        try daemon.start()
        defer {
            XCTAssertEqual(daemon.stop(), 0, "gongkaid exits 0 on SIGTERM; log:\n\(daemon.log)")
            daemon.removeFiles()
        }
        let file = daemon.stateDirectory + "/year.ndjson"
        XCTAssertEqual(try Self.run(["simulate", "--year", "2023", "--seed", "7", "--output", file]).status, 0)
        let lineCount = try Self.lines(try Data(contentsOf: URL(fileURLWithPath: file))).count
        XCTAssertGreaterThan(lineCount, 2_000)

        let connection = try daemon.connect()
        let before = try LedgerFixtures.okJSON(connection.readLineAfter("HEAD"))["size"]!.integerValue!

        // (b) Every line is accepted, in file order.
        let append = try Self.run(["append", "--socket", daemon.socketPath, "--file", file], timeout: 120)
        XCTAssertEqual(append.status, 0, "append failed: \(append.stderr)\n\(String(decoding: append.stdout.prefix(2000), as: UTF8.self))")
        let answers = try Self.lines(append.stdout)
        XCTAssertEqual(answers.count, lineCount)
        let refused = answers.enumerated().filter { !$0.element.hasPrefix("OK ") }
        XCTAssertTrue(refused.isEmpty, "refused lines: \(refused.prefix(5).map { "line \($0.offset + 1): \($0.element)" })")
        XCTAssertTrue(append.stderr.contains("appended \(lineCount), duplicates 0, failed 0"), append.stderr)
        let after = try LedgerFixtures.okJSON(connection.readLineAfter("HEAD"))["size"]!.integerValue!
        XCTAssertEqual(after - before, Int64(lineCount), "the log grows by exactly one record per line")

        // (c) The storyline shows in the answers: an interview, a unit on watch; a full bulletin.
        let escalations = try LedgerFixtures.okJSON(connection.readLineAfter("ESCALATIONS asof=2023-12-31"))
        let states = (escalations["units"]?.arrayValue ?? []).compactMap { $0["state"]?.stringValue }
        XCTAssertTrue(states.contains("interviewed") || states.contains("interview-required"), "states: \(states)")
        XCTAssertTrue(states.contains("interviewed"), "the E1 unit was interviewed after its third county notice: \(states)")
        XCTAssertTrue(states.contains("watch"), "a unit ends the year one notice short: \(states)")
        let bulletin = try LedgerFixtures.okJSON(connection.readLineAfter("BULLETIN 2023-06"))
        XCTAssertEqual(bulletin["units"]?.arrayValue?.count, 37)
        let fewest = try XCTUnwrap(bulletin["fewestPublications"]?.arrayValue)
        XCTAssertGreaterThanOrEqual(fewest.count, 5)
        XCTAssertLessThanOrEqual(fewest.map { $0["rank"]?.integerValue ?? 99 }.max() ?? 99, 5, "every listed unit ranks in the first five")
        let decoded = try Bulletin(json: bulletin)
        XCTAssertGreaterThan(decoded.units.map(\.publications).reduce(0, +), 37, "units published in June")

        // (d) CSV for Excel and WPS: BOM, header + 37 rows, every row ended by CRLF.
        let csv = try Self.run(["bulletin", "2023-06", "--socket", daemon.socketPath, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertEqual(Array(csv.stdout.prefix(3)), [0xEF, 0xBB, 0xBF])
        let text = String(decoding: csv.stdout.dropFirst(3), as: UTF8.self)
        XCTAssertTrue(text.hasSuffix("\r\n"))
        let rows = Array(text.components(separatedBy: "\r\n").dropLast())
        XCTAssertEqual(rows.count, 41, "header, 37 units, 合计, an empty line, 说明")
        XCTAssertTrue(rows[38].hasPrefix(",合计,\(decoded.units.map(\.publications).reduce(0, +)),"), rows[38])
        XCTAssertEqual(rows[39], "")
        XCTAssertEqual(rows[40], "说明,2023年6月 · 截至 2023-06-30 · 依据 \(decoded.known) 条记录 · 目录 shangyou-2023")
        XCTAssertFalse(rows.contains { $0.contains("\n") || $0.contains("\r") }, "no bare line ends")
        XCTAssertEqual(rows.first, "单位编码,单位,发布数,未完成事项,逾期完成,逾期未答复,逾期已答复,通报,约谈状态,"
                       + "未完成事项明细,逾期完成事项（截止日期）,逾期未答复编号,逾期已答复编号,通报明细")
        // After the counts, the items they count.
        for row in rows[1...37] {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(fields.count, 14, row)
            let unit = try XCTUnwrap(decoded.units.first { $0.unit == fields[0] })
            XCTAssertEqual(fields[3], String(unit.missed.count))
            XCTAssertEqual(fields[9], unit.missed.joined(separator: "、"))
            XCTAssertEqual(fields[13].split(separator: "、").count, unit.notices.count, row)
        }
        XCTAssertTrue(decoded.units.contains { !$0.missed.isEmpty } && decoded.units.contains { !$0.notices.isEmpty },
                      "the month has missed items and notices to list")

        let markdown = try Self.run(["bulletin", "2023-06", "--socket", daemon.socketPath, "--format", "markdown"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        let document = try Self.lines(markdown.stdout)
        XCTAssertEqual(document.first, "# 上犹县政务公开月报 2023年6月")
        XCTAssertTrue(document.contains("| 单位 | 编码 | 发布数 | 未完成事项 | 逾期完成 | 逾期未答复 | 逾期已答复 | 通报 | 约谈状态 |"))
        XCTAssertTrue(document.contains { $0.hasPrefix("|---|") }, "a Markdown table's delimiter row")

        // Piped, the query commands print the daemon's JSON; --status filters client-side.
        let overdue = try Self.run(["inquiries", "--socket", daemon.socketPath, "--asof", "2023-12-31", "--status", "overdue"])
        XCTAssertEqual(overdue.status, 0, overdue.stderr)
        let filtered = try JSONParser.parse(try Self.lines(overdue.stdout)[0])["inquiries"]?.arrayValue ?? []
        XCTAssertFalse(filtered.isEmpty)
        XCTAssertTrue(filtered.allSatisfy { $0["status"]?.stringValue == "overdue" })
        let compliance = try Self.run(["compliance", "东山镇", "--socket", daemon.socketPath, "--asof", "2023-12-31"])
        XCTAssertEqual(try JSONParser.parse(try Self.lines(compliance.stdout)[0])["unit"]?.stringValue, "dongshan")
    }

    // MARK: Pure formatting

    func testCSVFieldsAreQuotedPerRFC4180() {
        XCTAssertEqual(BulletinFormat.csvField("东山镇"), "东山镇")
        XCTAssertEqual(BulletinFormat.csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(BulletinFormat.csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(BulletinFormat.csvField("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(BulletinFormat.csvField("crlf\r\nend"), "\"crlf\r\nend\"")
        // What a spreadsheet would run as a formula is shown as text.
        XCTAssertEqual(BulletinFormat.csvField("=1+1"), "'=1+1")
        XCTAssertEqual(BulletinFormat.csvField("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(BulletinFormat.csvField("-2+3"), "'-2+3")
        XCTAssertEqual(BulletinFormat.csvField("+86"), "'+86")
        XCTAssertEqual(BulletinFormat.csvField("=HYPERLINK(\"x\",\"y\")"), "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"")
        XCTAssertEqual(BulletinFormat.csvField("q-1=2"), "q-1=2")
        XCTAssertEqual(BulletinFormat.csvField("=\u{301}1+1"), "'=\u{301}1+1", "= with a combining mark is still a formula")
        XCTAssertEqual(BulletinFormat.csvField(""), "")
    }

    func testTablesAlignChineseNamesByDisplayWidth() {
        XCTAssertEqual(DisplayWidth.of("dongshan"), 8)
        XCTAssertEqual(DisplayWidth.of("东山镇"), 6)
        XCTAssertEqual(DisplayWidth.of("（县级）"), 8)
        var table = TextTable([TextTable.Column("单位"), TextTable.Column("编码"), TextTable.Column("发布数", .right)])
        table.add(["东山镇", "dongshan", "12"])
        table.add(["县就业创业服务中心", "jycyfwzx", "3"])
        let lines = table.lines()
        XCTAssertEqual(lines.count, 4)
        // The id column starts at the same terminal column on every line, and the
        // right-aligned last column makes every line end at the same column.
        let idColumn = DisplayWidth.of(lines[0].components(separatedBy: "编码")[0])
        XCTAssertEqual(DisplayWidth.of(lines[2].components(separatedBy: "dongshan")[0]), idColumn, "\(lines)")
        XCTAssertEqual(DisplayWidth.of(lines[3].components(separatedBy: "jycyfwzx")[0]), idColumn, "\(lines)")
        XCTAssertEqual(idColumn, DisplayWidth.of("县就业创业服务中心") + TextTable.gutterColumns)
        XCTAssertEqual(Set(lines.map(DisplayWidth.of)).count, 1, "\(lines)")
    }

    // MARK: Helpers

    struct Result {
        let status: Int32
        let stdout: Data
        let stderr: String
    }

    /// Runs the `gongkai` binary with output in files, so no pipe can fill and stall it.
    static func run(_ arguments: [String], timeout: TimeInterval = 60) throws -> Result {
        let directory = DaemonProcess.temporaryDirectory("gongkai-cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/stdout", errPath = directory + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: client)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "GONGKAI_SOCKET")
        process.environment = environment
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("gongkai \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: try Data(contentsOf: URL(fileURLWithPath: outPath)),
                      stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// Newline-separated lines, the last newline not starting an empty line.
    static func lines(_ data: Data) throws -> [String] {
        var lines = String(decoding: data, as: UTF8.self).components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// BULLETIN's `owedFromLastYear` in the client's readable and Markdown forms.
final class BulletinOwedFormatTests: XCTestCase {
    func testAnInterviewOwedFromLastYearIsListedInTheTableAndTheMarkdown() throws {
        let answer = try JSONParser.parse(#"""
            {"asof":"2024-01-31","catalog":"shangyou-2024","fewestPublications":[],"known":40,"month":"2024-01",
             "owedFromLastYear":[{"county":3,"cityProvince":0,"name":"县财政局","rule":"county-3","state":"interview-required",
                                  "triggeredAt":"2023-12-06","unit":"czj","year":2023}],
             "totals":{},"units":[]}
            """#)
        let bulletin = try Bulletin(json: answer)
        XCTAssertEqual(bulletin.owedFromLastYear.map { [$0.unit, $0.name, $0.rule, $0.triggeredAt] }, [["czj", "县财政局", "county-3", "2023-12-06"]])
        let line = "县财政局（czj）：2023-12-06 起应约谈（county-3），可于本年度内约谈"
        let table = BulletinFormat.table(bulletin, county: "上游县")
        XCTAssertTrue(table.contains("上年度应约谈尚未约谈"), table.joined(separator: "\n"))
        XCTAssertTrue(table.contains("  " + line), table.joined(separator: "\n"))
        let markdown = BulletinFormat.markdown(bulletin, county: "上游县")
        XCTAssertTrue(markdown.contains("## 上年度应约谈尚未约谈\n\n- " + line), markdown)
        // Without it (any month with nothing owed), neither form has the section.
        var plain = answer.objectValue!
        plain["owedFromLastYear"] = nil
        let without = try Bulletin(json: .object(plain))
        XCTAssertFalse(BulletinFormat.table(without, county: "上游县").contains("上年度应约谈尚未约谈"))
        XCTAssertFalse(BulletinFormat.markdown(without, county: "上游县").contains("上年度应约谈尚未约谈"))
    }

    /// `lateTasks`: deadline tasks done in the month after their due date, in both forms.
    func testTasksDoneLateAreListedInTheTableAndTheMarkdown() throws {
        let answer = try JSONParser.parse(#"""
            {"asof":"2023-07-31","catalog":"shangyou-2023","fewestPublications":[],"known":40,"month":"2023-07","totals":{},
             "units":[{"unit":"shuangxi","name":"双溪乡","publications":0,"missed":[],"lateTasks":["T09 2023-07-30"],
                       "overdueReplies":[],"lateReplies":[],"notices":[],"escalation":"clear"}]}
            """#)
        let bulletin = try Bulletin(json: answer)
        XCTAssertEqual(bulletin.units.map(\.lateTasks), [["T09 2023-07-30"]])
        let table = BulletinFormat.table(bulletin, county: "上游县")
        XCTAssertTrue(table.contains("逾期完成事项（截止日期）"), table.joined(separator: "\n"))
        XCTAssertTrue(table.contains("  双溪乡（shuangxi）：T09 2023-07-30"), table.joined(separator: "\n"))
        let markdown = BulletinFormat.markdown(bulletin, county: "上游县")
        XCTAssertTrue(markdown.contains("## 逾期完成事项（截止日期）\n\n- 双溪乡（shuangxi）：T09 2023-07-30"), markdown)
        XCTAssertTrue(String(decoding: BulletinFormat.csv(bulletin), as: UTF8.self).contains("shuangxi,双溪乡,0,0,1,0,0,0,正常,,T09 2023-07-30,,,\r\n"))
        // A daemon before lateTasks: no section.
        var older = answer.objectValue!
        older["units"] = .array([.object(answer["units"]!.arrayValue![0].objectValue!.filter { $0.key != "lateTasks" })])
        XCTAssertFalse(BulletinFormat.markdown(try Bulletin(json: .object(older)), county: "上游县").contains("逾期完成事项"))
    }
}

/// INQUIRIES' `unitNames` in the client's table.
final class InquiryFormatNamesTests: XCTestCase {
    func testAUnitOnlyInAnotherYearsTableIsNamedFromTheAnswer() throws {
        let answer = try JSONParser.parse(#"""
            {"asof":"2024-01-10","known":40,"unit":null,"unitNames":{"wuzhifeng":"五指峰乡"},
             "inquiries":[{"inquiry":"q-w2","unit":"wuzhifeng","channel":"hotline","simple":false,"received":"2023-12-28",
                           "due":"2024-01-05","replied":null,"status":"overdue","lateDays":3,"limitDays":5,"obligation":"T17"}]}
            """#)
        let lines = InquiryFormat.lines(answer, names: ["czj": "县财政局"])
        XCTAssertTrue(lines.contains { $0.contains("q-w2") && $0.contains("五指峰乡") }, lines.joined(separator: "\n"))
        var older = answer.objectValue!
        older["unitNames"] = nil
        XCTAssertFalse(InquiryFormat.lines(.object(older), names: ["czj": "县财政局"]).joined().contains("五指峰乡"))
    }
}

/// The bulletin's details a follow-up needs: the inquiries behind the reply counts, a unit
/// still owing last year's interview in the table itself, and a year judged by another
/// year's table said in Chinese.
final class BulletinDetailFormatTests: XCTestCase {
    func testRepliesOwedInterviewsAndTheTableNoteAreShown() throws {
        let answer = try JSONParser.parse(#"""
            {"asof":"2026-01-31","catalog":"shangyou-2023","fewestPublications":[],"known":40,"month":"2026-01","totals":{},
             "tableNote":"2026 has no table of its own adopted: judged by shangyou-2023, the table for 2023; adopt 2026's table to judge its dates by its own rules",
             "owedFromLastYear":[{"county":3,"cityProvince":0,"name":"黄埠镇","rule":"E1","state":"interview-required",
                                  "triggeredAt":"2025-11-12","unit":"huangbu","year":2025}],
             "units":[{"unit":"huangbu","name":"黄埠镇","publications":0,"missed":[],"lateTasks":[],"overdueReplies":["q-7"],
                       "lateReplies":["q-3","q-4"],"notices":[],"escalation":"clear"},
                      {"unit":"dongshan","name":"东山镇","publications":2,"missed":[],"lateTasks":[],"overdueReplies":[],
                       "lateReplies":[],"notices":[],"escalation":"clear"}]}
            """#)
        let bulletin = try Bulletin(json: answer)
        let table = BulletinFormat.table(bulletin, county: "上游县").joined(separator: "\n")
        let markdown = BulletinFormat.markdown(bulletin, county: "上游县")
        for text in [table, markdown] {
            XCTAssertTrue(text.contains("注：2026年尚未采用本年度目录，本月报按 shangyou-2023 评判"), text)
            XCTAssertTrue(text.contains("逾期未答复（咨询、申请编号）"), text)
            XCTAssertTrue(text.contains("黄埠镇（huangbu）：q-7"), text)
            XCTAssertTrue(text.contains("黄埠镇（huangbu）：q-3、q-4"), text)
            XCTAssertFalse(text.contains("东山镇（dongshan）：q"), text)
        }
        let huangbuRow = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("黄埠镇") })
        XCTAssertTrue(huangbuRow.contains("上年度应约谈"), String(huangbuRow))
        let dongshanRow = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("东山镇") })
        XCTAssertTrue(dongshanRow.contains("正常"), String(dongshanRow))
        let csv = String(decoding: BulletinFormat.csv(bulletin), as: UTF8.self)
        XCTAssertTrue(csv.contains("huangbu,黄埠镇,0,0,0,1,2,0,上年度应约谈,,,q-7,q-3、q-4,\r\n"), csv)
        XCTAssertTrue(csv.contains(",约谈状态,未完成事项明细,逾期完成事项（截止日期）,逾期未答复编号,逾期已答复编号,通报明细\r\n"), csv)
        XCTAssertTrue(csv.contains("\r\n注,2026年尚未采用本年度目录，本月报按 shangyou-2023 评判，未完成事项可能不全"), "the table's caveat: \(csv)")
    }
}

/// COMPLIANCE for a terminal names each task, not only its id.
final class ComplianceFormatTitleTests: XCTestCase {
    func testEachObligationIsShownWithItsTitle() throws {
        let answer = try JSONParser.parse(#"""
            {"asof":"2026-11-27","catalog":"shangyou-2026","known":6,"name":"东山镇","unit":"dongshan",
             "obligations":[{"completed":null,"due":"2026-10-30","id":"T13","kind":"deadline","status":"missed","title":"丰富完善便民服务方式"}],
             "summary":{"late":0,"met":0,"missed":1,"pending":0}}
            """#)
        let lines = ComplianceFormat.lines(answer)
        let at = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("T13") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines[at].contains("丰富完善便民服务方式"), lines[at])
        XCTAssertTrue(lines[at + 1].contains("due 2026-10-30 ✗ not done"), lines[at + 1])
    }
}

/// Counts in the readable answers agree with their number.
final class ReadableCountWordingTests: XCTestCase {
    func testOneIsSingular() throws {
        let inquiries = try JSONParser.parse(#"""
            {"asof":"2024-01-10","known":40,"unit":"czj","unitNames":{"czj":"县财政局"},
             "inquiries":[{"inquiry":"q-1","unit":"czj","channel":"hotline","simple":false,"received":"2023-12-28",
                           "due":"2024-01-05","replied":null,"status":"overdue","lateDays":3,"limitDays":5,"obligation":"T17"}]}
            """#)
        XCTAssertEqual(InquiryFormat.lines(inquiries, names: [:]).last, "1 inquiry: open 0, overdue 1, on-time 0, late 0")
        XCTAssertEqual(InquiryFormat.lines(inquiries, names: [:], status: "overdue", total: 1).last, "1 of 1 inquiry is overdue")
        let escalations = try JSONParser.parse(#"""
            {"asof":"2023-12-31","known":40,"year":2023,"units":[{"unit":"czj","name":"县财政局","county":1,"cityProvince":0,
             "state":"clear","rule":null,"triggeredAt":null,"interviewedAt":null}]}
            """#)
        XCTAssertEqual(EscalationFormat.lines(escalations).last, "1 unit with notices: interview-required 0, interviewed 0, watch 0, clear 1")
        // None: the year judged is named ("this year" read as asof's year, which a year
        // judged by an older table is not).
        let none = try JSONParser.parse(#"{"asof":"2026-11-28","known":40,"year":2024,"units":[]}"#)
        XCTAssertEqual(EscalationFormat.lines(none).last, "(no unit has a notice in 2024)")
    }
}
