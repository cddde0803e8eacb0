import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// VERIFY rehashes the log beside live traffic: appends keep being answered while it runs.
final class VerifyUnderLoadTests: XCTestCase {
    func testVerifyDoesNotBlockAppends() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        _ = try LedgerFixtures.pipeline(try daemon.connect(), (0..<20_000).map { "APPEND " + LedgerFixtures.event(id: "pre\($0)") })

        var verifyAnswer = ""
        var verifyFinished = Date.distantFuture
        let verifying = DispatchSemaphore(value: 0)
        let verifier = try daemon.connect()
        Thread {
            verifyAnswer = (try? verifier.readLineAfter("VERIFY")) ?? ""
            verifyFinished = Date()
            verifying.signal()
        }.start()
        // Appends one at a time, each waiting for its fsync, while VERIFY runs.
        let writer = try daemon.connect()
        var answered: [Date] = []
        for index in 0..<200 {
            XCTAssertTrue(try writer.readLineAfter("APPEND " + LedgerFixtures.event(id: "live\(index)")).hasPrefix("OK "))
            answered.append(Date())
        }
        XCTAssertEqual(verifying.wait(timeout: .now() + 120), .success)
        let report = try LedgerFixtures.okJSON(verifyAnswer)
        XCTAssertEqual(report["ok"], .bool(true), verifyAnswer)
        XCTAssertGreaterThanOrEqual(report["size"]!.integerValue!, 20_005)
        // If VERIFY had blocked the writer, no append could have been answered before it ended.
        XCTAssertLessThan(answered.first!, verifyFinished, "appends were answered while VERIFY ran")
    }
}
