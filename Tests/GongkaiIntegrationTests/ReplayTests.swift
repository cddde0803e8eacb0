import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Projections rebuilt from the log at start-up equal the ones the daemon maintained live.
final class ReplayTests: XCTestCase {
    static var client: String {
        URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
    }

    /// Runs the real client; returns its exit status.
    @discardableResult
    static func runClient(_ arguments: [String], stdout: URL? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: client)
        process.arguments = arguments
        if let stdout {
            FileManager.default.createFile(atPath: stdout.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: stdout)
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func answers(_ connection: LineConnection) throws -> [String] {
        var questions = ["ESCALATIONS asof=2023-12-31", "ESCALATIONS asof=2023-06-30", "INQUIRIES asof=2023-12-31", "INQUIRIES asof=2023-03-31"]
        questions += (1...12).map { String(format: "BULLETIN 2023-%02d", $0) }
        let units = try LedgerFixtures.okJSON(try connection.readLineAfter("UNITS"))["units"]!.arrayValue!.map { $0["id"]!.stringValue! }
        for unit in units {
            questions += ["COMPLIANCE \(unit) asof=2023-12-31", "COMPLIANCE \(unit) asof=2023-05-15"]
        }
        return try questions.map { try connection.readLineAfter($0) }
    }

    func testRebuiltProjectionsEqualTheLiveOnesAfterASimulatedYear() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        let year = URL(fileURLWithPath: daemon.stateDirectory + "/year.ndjson")
        XCTAssertEqual(try Self.runClient(["simulate", "--year", "2023", "--seed", "11"], stdout: year), 0)
        XCTAssertEqual(try Self.runClient(["append", "--socket", daemon.socketPath, "--file", year.path]), 0, "every simulated event is accepted")
        let size = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("HEAD"))["size"]!.integerValue!
        let live = try answers(try daemon.connect())
        XCTAssertTrue(live.allSatisfy { $0.hasPrefix("OK ") }, live.first { !$0.hasPrefix("OK ") } ?? "")
        XCTAssertEqual(daemon.stop(), 0)

        try daemon.start()
        let rebuilt = try answers(try daemon.connect())
        XCTAssertEqual(rebuilt.count, live.count)
        for (before, after) in zip(live, rebuilt) where before != after {
            XCTFail("rebuilt answer differs:\nlive:    \(before.prefix(300))\nrebuilt: \(after.prefix(300))")
            break
        }
        XCTAssertTrue(daemon.log.contains("records=\(size)"), "the restart folded all \(size) records: \(daemon.log)")
        XCTAssertEqual(daemon.stop(), 0)
    }
}
