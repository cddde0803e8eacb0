import Foundation
import GongkaiJSON
import XCTest

/// `gongkai simulate --seeds N`, the large realistic mix of the benchmarks: every seed's year
/// kept intact and interleaved by date, a unit's second interview left out, and every event
/// accepted by a real daemon in file order.
final class SimulateSeedsTests: XCTestCase {
    /// Seeds 11 and 12 both interview dongshan: the later interview by date must go.
    func testMergedYearsKeepEachYearAndLoadIntoTheDaemon() throws {
        let merged = try SimulateTests.run(["simulate", "--seed", "11", "--seeds", "2"])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        let lines = try SimulateTests.lines(merged.stdout)
        let first = try SimulateTests.lines(try SimulateTests.run(["simulate", "--seed", "11"]).stdout)
        let second = try SimulateTests.lines(try SimulateTests.run(["simulate", "--seed", "12"]).stdout)
        // Each year intact and in its own order, but for the interview that came second by date.
        let isInterview = { (line: String) in line.contains(#""type":"interview.held""#) }
        for (prefix, year) in [("s11", first), ("s12", second)] {
            let kept = lines.filter { $0.contains(#""id":"sim-2023-\#(prefix)-"#) }
            XCTAssertEqual(kept.filter { !isInterview($0) }, year.filter { !isInterview($0) }, "seed \(prefix)'s year, in order")
            XCTAssertEqual(year.filter(isInterview).count, 1, "seed \(prefix) interviews one unit")
        }
        XCTAssertEqual(lines.count, first.count + second.count - 1, "one of the two interviews of dongshan is left out")

        var previous = ""
        var interviewed: [String] = []
        for line in lines {
            let event = try JSONParser.parse(line)
            let at = try XCTUnwrap(event["at"]?.stringValue)
            XCTAssertGreaterThanOrEqual(at, previous, "interleaved by date")
            previous = at
            if event["type"]?.stringValue == "interview.held" { interviewed.append(event["unit"]?.stringValue ?? "") }
        }
        XCTAssertEqual(interviewed, ["dongshan"])

        let daemon = DaemonProcess()
        try daemon.start()
        defer {
            XCTAssertEqual(daemon.stop(), 0, "gongkaid exits 0 on SIGTERM; log:\n\(daemon.log)")
            daemon.removeFiles()
        }
        let file = daemon.stateDirectory + "/years.ndjson"
        try merged.stdout.write(to: URL(fileURLWithPath: file))
        let append = try SimulateTests.run(["append", "--socket", daemon.socketPath, "--file", file], timeout: 300)
        XCTAssertEqual(append.status, 0, append.stderr)
        XCTAssertTrue(append.stderr.contains("appended \(lines.count), duplicates 0, failed 0"), append.stderr)
    }
}
