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

    /// VERIFYs run one at a time, and those of a client that hung up are dropped: 40 queued
    /// by a client that then closed do not hold up (or share the CPU with) the next one.
    func testVerifiesOfAClientThatHungUpAreDropped() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        _ = try LedgerFixtures.pipeline(try daemon.connect(), (0..<20_000).map { "APPEND " + LedgerFixtures.event(id: "pre\($0)") })
        let timer = try daemon.connect()
        let oneStarted = Date()
        XCTAssertEqual(try LedgerFixtures.okJSON(try timer.readLineAfter("VERIFY"))["ok"], .bool(true))
        let one = Date().timeIntervalSince(oneStarted)

        let impatient = try daemon.connect()
        try impatient.sendRaw(Array(String(repeating: "VERIFY\n", count: 40).utf8))
        usleep(100_000)
        impatient.close()
        let afterStarted = Date()
        XCTAssertEqual(try LedgerFixtures.okJSON(try timer.readLineAfter("VERIFY"))["ok"], .bool(true))
        let after = Date().timeIntervalSince(afterStarted)
        // At most the one VERIFY already running goes before it; 40 would take 40 times as long.
        XCTAssertLessThan(after, 4 * one + 2, "one VERIFY took \(one) s; after the hang-up one took \(after) s")
    }
}
