import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// `--known-at`: a moment read as the client's user writes it, and the count of records
/// recorded by it.
final class KnownAtMomentTests: XCTestCase {
    /// 2024-01-05T02:00:00Z in milliseconds.
    let twoAMUTC: Int64 = 1_704_420_000_000

    func testTimesWithAZoneAreThatMomentAndWithoutOneAreShanghaiTime() {
        XCTAssertEqual(KnownAt.moment("2024-01-05T02:00:00Z"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05T02:00:00.000Z"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05T10:00:00+08:00"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-04T21:30:00-04:30"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05T10:00:00"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05T10:00"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05 10:00"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05t02:00:00z"), twoAMUTC, "RFC 3339 allows lower case")
        XCTAssertEqual(KnownAt.moment("2024-01-05T22:30:00+20:30"), twoAMUTC, "offsets up to ±23:59")
        XCTAssertEqual(KnownAt.moment("2024-01-04T02:01:00-23:59"), twoAMUTC)
        XCTAssertEqual(KnownAt.moment("2024-01-05T02:00:00.5Z"), twoAMUTC + 500)
        XCTAssertEqual(KnownAt.moment("2024-01-05T02:00:00.123456789Z"), twoAMUTC + 123)
        // A record's own recorded time reads as itself.
        XCTAssertEqual(KnownAt.moment("2024-01-05T02:00:00.007Z"), twoAMUTC + 7)
    }

    func testADateAloneIsTheLastMillisecondOfThatDayInShanghai() {
        // 2024-01-06T00:00:00+08:00 is 2024-01-05T16:00:00Z.
        XCTAssertEqual(KnownAt.moment("2024-01-05"), twoAMUTC + 14 * 3_600_000 - 1)
        XCTAssertEqual(KnownAt.moment("2024-02-29"), KnownAt.moment("2024-02-29T23:59:59.999+08:00"))
    }

    func testWhatNamesNoMomentIsRefused() {
        for text in ["", "2024", "2024-1-05", "2024-02-30", "2023-02-29", "2024-13-01", "2024-01-05T24:00", "2024-01-05T10:60",
                     "2024-01-05T10:00:60Z", "2024-01-05T10", "2024-01-05T10:00:00.Z", "2024-01-05T10:00:00+8:00",
                     "2024-01-05T10:00:00+08", "2024-01-05T10:00:00 Z", "2024-01-05T10:00:00+24:00", "2023-12-31T23:59:60Z", "2024-01-05T10:00:00Zx", "1969-12-31T23:00:00Z",
                     "２０２４-01-05", "2024-01-05T10:00:00.1234567890Z", "yesterday"] {
            XCTAssertNil(KnownAt.moment(text), text)
        }
    }

    /// Against a plain count, over every non-decreasing list of recorded times of up to six
    /// records with four distinct times, and every moment around them.
    func testTheSearchCountsTheRecordsRecordedByTheMoment() {
        func lists(length: Int, from lowest: Int64) -> [[Int64]] {
            guard length > 0 else { return [[]] }
            return (lowest...3).flatMap { first in lists(length: length - 1, from: first).map { [first] + $0 } }
        }
        var checked = 0
        for length in 0...6 {
            for times in lists(length: length, from: 0) {
                for moment in Int64(-1)...4 {
                    var asked: Set<UInt64> = []
                    let found = KnownAt.count(atOrBefore: moment, size: UInt64(times.count)) { seq -> Int64 in
                        XCTAssertTrue((1...UInt64(times.count)).contains(seq), "asked for a record past the ledger")
                        asked.insert(seq)
                        return times[Int(seq - 1)]
                    }
                    XCTAssertEqual(found, UInt64(times.filter { $0 <= moment }.count), "\(times) at \(moment)")
                    XCTAssertLessThanOrEqual(asked.count, 3, "binary search over \(times.count) records")
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 210 * 6)
    }
}

/// `--known-at` through the real `gongkai` binary and daemon: the moment becomes the count of
/// records recorded by then, and the answer is the daemon's for that `known`.
final class KnownAtQueryTests: DaemonTestCase {

    func head() throws -> (size: Int64, recorded: String) {
        let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        return (head["size"]!.integerValue!, head["recorded"]!.stringValue!)
    }

    func testAMomentAnswersFromTheRecordsRecordedByThen() throws {
        // Three commits a few milliseconds apart, each with the head it left.
        var heads = [try head()]
        for (index, unit) in ["czj", "gxj", "dongshan"].enumerated() {
            usleep(20_000)
            let event = #"{"at":"2023-06-10","id":"k\#(index)","level":"county","reason":"r","type":"notice.issued","unit":"\#(unit)"}"#
            XCTAssertTrue(try connection.readLineAfter("APPEND " + event).hasPrefix("OK "))
            heads.append(try head())
        }
        XCTAssertEqual(Set(heads.map(\.recorded)).count, heads.count, "each commit has its own recorded time")
        for (size, recorded) in heads {
            let expected = try connection.readLineAfter("ESCALATIONS asof=2023-12-31 known=\(size)").dropFirst(3)
            let millis = KnownAt.moment(recorded)!
            // The moment itself, and one millisecond before the next commit, written in Shanghai time.
            let shanghai = Self.shanghaiText(millis: millis)
            for moment in [recorded, shanghai] {
                let result = try SimulateTests.run(["escalations", "--asof", "2023-12-31", "--known-at", moment, "--socket", daemon.socketPath])
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(String(decoding: result.stdout, as: UTF8.self), expected + "\n", "--known-at \(moment)")
            }
        }
        // A millisecond before the first record: nothing was known yet, which an empty
        // bulletin "as printed then" would hide.
        let first = try LedgerFixtures.okJSON(try connection.readLineAfter("GET 1"))["recorded"]!.stringValue!
        let before = Self.shanghaiText(millis: KnownAt.moment(first)! - 1)
        let result = try SimulateTests.run(["bulletin", "2023-06", "--known-at", before, "--socket", daemon.socketPath])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderr, "error: no record had been recorded by \(before): the ledger's first record was recorded at \(first)\n")
        XCTAssertTrue(result.stdout.isEmpty)
        // The daemon refuses such a view too, as it refuses COMPLIANCE of it.
        for request in ["BULLETIN 2023-06 known=0", "ESCALATIONS known=0", "COMPLIANCE czj known=0"] {
            let answer = try connection.readLineAfter(request)
            XCTAssertTrue(answer.hasPrefix("ERR not-found no catalog ha"), "\(request): \(answer)")
        }
    }

    func testAMomentNotOverOrUnreadableOrWithKnownIsRefusedBeforeAskingTheDaemon() throws {
        let refusals: [([String], String)] = [
            (["--known-at", "2999-01-01"], "is not over yet"),
            (["--known-at", "2024-02-30"], "--known-at must be a time"),
            (["--known-at", "2024-01-05", "--known", "3"], "give one"),
        ]
        for (flags, message) in refusals {
            // A socket nobody listens on: the refusal must not need the daemon.
            let result = try SimulateTests.run(["compliance", "czj", "--socket", "/nonexistent/gongkai.sock"] + flags)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmm` in Asia/Shanghai, without a zone.
    static func shanghaiText(millis: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600)!
        let date = Date(timeIntervalSince1970: Double(millis / 1000))
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d", parts.year!, parts.month!, parts.day!,
                      parts.hour!, parts.minute!, parts.second!, Int(millis % 1000))
    }
}
