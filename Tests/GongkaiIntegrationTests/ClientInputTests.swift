import Foundation
import GongkaiClient
import XCTest

/// The `gongkai` client with input a person gives it: a request is one line, and an NDJSON
/// file saved with a byte-order mark is read as the UTF-8 it is.
final class ClientInputTests: XCTestCase {
    private var client: String {
        URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
    }

    private func size(_ daemon: DaemonProcess) throws -> Int? {
        try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("HEAD"))["size"]?.integerValue.map(Int.init)
    }

    /// What an event's text holds cannot act on the terminal it is shown on (an office could
    /// store escapes that clear an auditor's screen or forge lines of a record).
    func testTextFromTheLedgerIsShownNotObeyed() {
        XCTAssertEqual(VisibleText.of("\u{1B}[2J\u{1B}[31mPWNED\nevent.unit: forged\u{202E}\u{7F}\u{85}"),
                       "\\u{1b}[2J\\u{1b}[31mPWNED\\u{a}event.unit: forged\\u{202e}\\u{7f}\\u{85}")
        let ordinary = "东山镇 2023年第3季度 村务公开栏 — ok"
        XCTAssertEqual(VisibleText.of(ordinary), ordinary)
    }

    /// Which binary runs, and which daemon answers, is never a guess.
    func testBothBinariesAndStatsNameTheVersion() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let printed = try ToolProcess.run(client, ["--version"])
        XCTAssertEqual(printed.status, 0, printed.output)
        let version = printed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(version.split(separator: ".").count == 3 && version.allSatisfy { $0.isNumber || $0 == "." }, version)
        XCTAssertEqual(try ToolProcess.run(DaemonProcess.binary, ["--version"]).output.trimmingCharacters(in: .whitespacesAndNewlines), version)
        XCTAssertEqual(try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("STATS"))["version"]?.stringValue, version)
        XCTAssertTrue(daemon.log.contains("gongkaid \(version) starting"), daemon.log)
    }

    func testARequestWithALineBreakIsRefusedAndSendsNothing() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let before = try size(daemon)
        let two = "APPEND " + LedgerFixtures.event(id: "nl-1") + "\nAPPEND " + LedgerFixtures.event(id: "nl-2")
        let run = try ToolProcess.run(client, ["request", two, "--socket", daemon.socketPath])
        XCTAssertEqual(run.status, 64, run.output)
        XCTAssertTrue(run.output.contains("a request is one line"), run.output)
        XCTAssertEqual(try size(daemon), before, "neither append was sent")
        XCTAssertEqual(try ToolProcess.run(client, ["request", "PING", "--socket", daemon.socketPath]).status, 0)
    }

    func testAnNDJSONFileWithAByteOrderMarkIsAppended() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let before = try XCTUnwrap(try size(daemon))
        let file = daemon.stateDirectory + "/notepad.ndjson"
        let text = "\u{FEFF}" + LedgerFixtures.event(id: "bom-1") + "\r\n" + LedgerFixtures.event(id: "bom-2") + "\r\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let run = try ToolProcess.run(client, ["append", "--file", file, "--socket", daemon.socketPath])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(try size(daemon), before + 2)
    }

    /// A lost connection names where the answers stopped, and a second run of the same file
    /// appends the rest (the events already appended answer as duplicates).
    func testALostConnectionNamesTheLastAnsweredLineAndARerunCompletes() throws {
        let daemon = DaemonProcess(arguments: ["--max-line-bytes", "65536"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let before = try XCTUnwrap(try size(daemon))
        let file = daemon.stateDirectory + "/load.ndjson"
        var lines = ["# a comment line"] + (1...5).map { LedgerFixtures.event(id: "lost-\($0)") }
        lines.append(LedgerFixtures.event(id: "lost-big", title: String(repeating: "长", count: 30_000)))  // over 64 KiB
        lines += (7...200).map { LedgerFixtures.event(id: "lost-\($0)") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let run = try ToolProcess.run(client, ["append", "--file", file, "--socket", daemon.socketPath])
        XCTAssertEqual(run.status, 2, run.output)
        XCTAssertTrue(run.output.contains("no answer for the events after line 7 of the input"), run.output)
        XCTAssertEqual(try size(daemon), before + 5)
        // Without the line the daemon refuses, the rerun appends the rest and repeats nothing.
        lines.remove(at: 6)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let again = try ToolProcess.run(client, ["append", "--file", file, "--socket", daemon.socketPath])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.output.contains("appended 194, duplicates 5, failed 0"), again.output)
        XCTAssertEqual(try size(daemon), before + 199)
    }
}
