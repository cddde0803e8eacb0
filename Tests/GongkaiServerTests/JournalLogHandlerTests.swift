import Logging
@testable import GongkaiServer
import XCTest

/// Log lines for the journal carry their syslog priority; elsewhere, a UTC timestamp.
final class JournalLogHandlerTests: XCTestCase {
    func testEachLevelGetsItsSyslogPriority() {
        let expected: [(Logger.Level, String)] = [
            (.trace, "<7>"), (.debug, "<7>"), (.info, "<6>"), (.notice, "<5>"), (.warning, "<4>"), (.error, "<3>"), (.critical, "<2>"),
        ]
        for (level, prefix) in expected {
            let line = JournalLogHandler.line(level: level, label: "gongkaid", message: "m", metadata: [:], prefixed: true)
            XCTAssertEqual(line, "\(prefix)\(level) gongkaid: m\n")
        }
    }

    func testUnprefixedLinesStartWithAUTCTimestampAndKeepMetadataInOrder() {
        let line = JournalLogHandler.line(level: .error, label: "gongkaid", message: "cannot start", metadata: ["b": "2", "a": "1"],
                                          prefixed: false, now: 1_700_000_000)
        XCTAssertEqual(line, "2023-11-14T22:13:20Z error gongkaid: a=1 b=2 cannot start\n")
    }

    /// A second line would reach the journal without a priority, filed as "info".
    func testAMessageWithLineBreaksStaysOneLine() {
        let line = JournalLogHandler.line(level: .error, label: "gongkaid", message: "first\nsecond", metadata: [:], prefixed: true)
        XCTAssertEqual(line, "<3>error gongkaid: first second\n")
    }

    func testOnlyTheStreamSystemdNamedIsTheJournal() {
        XCTAssertFalse(JournalLogHandler.stderrIsJournal([:]))
        XCTAssertFalse(JournalLogHandler.stderrIsJournal(["JOURNAL_STREAM": "0:0"]))
        var info = stat()
        XCTAssertEqual(fstat(STDERR_FILENO, &info), 0)
        XCTAssertTrue(JournalLogHandler.stderrIsJournal(["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]))
    }
}
