import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// A pipeline of GETs is answered off the event loop a run at a time (one thread hop for up to
/// `ConnectionHandler.maxGetsPerHop`, stopping once a run's answers pass 64 KiB): every answer
/// still comes once and in order, with other requests and errors in between.
final class GetPipelineTests: XCTestCase {
    func testRunsOfLargeRecordsAreAnsweredInOrderAndInFull() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        let first = Int(try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]!.integerValue!) + 1
        // Records of about 3 KB: a run of 32 GETs passes 64 KiB after about 20 and puts the
        // rest back to wait for their turn.
        let title = String(repeating: "公", count: 1_000)
        let appends = (0..<100).map { "APPEND " + LedgerFixtures.event(id: "big-\($0)", title: title) }
        XCTAssertEqual(try LedgerFixtures.pipeline(connection, appends).filter { $0.hasPrefix("OK ") }.count, 100)

        var lines: [String] = []
        var expected: [(seq: Int?, id: String?)] = []
        for round in 0..<3 {
            for offset in 0..<100 {
                lines.append("GET \(first + offset)")
                expected.append((first + offset, "big-\(offset)"))
                if offset % 37 == round {
                    lines.append("HEAD")
                    expected.append((nil, nil))
                }
                if offset == 50 + round {
                    lines.append("GET \(first + 1_000)")  // past the end: an error inside a run
                    expected.append((first + 1_000, nil))
                }
            }
        }
        let answers = try LedgerFixtures.pipeline(connection, lines)
        XCTAssertEqual(answers.count, lines.count)
        for (answer, want) in zip(answers, expected) {
            switch want {
            case (nil, _):
                XCTAssertTrue(answer.hasPrefix(#"OK {"recorded""#), answer)
            case (let seq?, nil):
                XCTAssertTrue(answer.hasPrefix("ERR not-found"), "GET \(seq): \(answer.prefix(80))")
            case (let seq?, let id?):
                let record = try LedgerFixtures.okJSON(answer)
                XCTAssertEqual(record["seq"]?.integerValue, Int64(seq))
                XCTAssertEqual(record["event"]?["id"]?.stringValue, id)
            }
        }
    }
}
