import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// SIGKILL at a random moment while clients append (`scripts/crash`: 20 cycles, 32 clients): every acknowledged record survives, byte for byte.
final class CrashTests: XCTestCase {
    func testAcknowledgedAppendsSurviveKillNineCycles() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        var acknowledged: [Int: (id: String, leaf: String)] = [:]
        let lock = NSLock()
        let cycles = Int(ProcessInfo.processInfo.environment["GONGKAI_CRASH_CYCLES"] ?? "5") ?? 5
        // scripts/crash runs 32 clients, as the issue asks; the suite's short version runs 4.
        let clients = Int(ProcessInfo.processInfo.environment["GONGKAI_CRASH_CLIENTS"] ?? "4") ?? 4
        for cycle in 0..<cycles {
            try daemon.start()
            let acknowledgedBefore = lock.withLock { acknowledged.count }
            let stop = DispatchGroup()
            for client in 0..<clients {
                stop.enter()
                Thread {
                    defer { stop.leave() }
                    guard let connection = try? self.daemon_connect(daemon) else { return }
                    let sender = Thread {
                        for chunk in 0..<1_000 {
                            let lines = (0..<100).map { "APPEND " + LedgerFixtures.event(id: "k\(cycle)-\(client)-\(chunk)-\($0)") }
                            if (try? connection.sendRaw(Array((lines.joined(separator: "\n") + "\n").utf8))) == nil { return }
                        }
                    }
                    sender.start()
                    while let answer = try? connection.readLine() {
                        guard answer.hasPrefix("OK "), let json = try? JSONParser.parse(String(answer.dropFirst(3))) else { continue }
                        lock.lock()
                        acknowledged[Int(json["seq"]!.integerValue!)] = (json["id"]!.stringValue!, json["leaf"]!.stringValue!)
                        lock.unlock()
                    }
                }.start()
            }
            // Kill at a random moment once appends are flowing.
            let flowing = Date().addingTimeInterval(20)
            while Date() < flowing, lock.withLock({ acknowledged.count }) <= acknowledgedBefore { usleep(5_000) }
            usleep(UInt32.random(in: 20_000...400_000))
            daemon.kill9()
            XCTAssertEqual(stop.wait(timeout: .now() + 30), .success)

            try daemon.start()
            let connection = try daemon.connect()
            let records = try LedgerFixtures.readAll(connection)
            lock.lock()
            let snapshot = acknowledged
            lock.unlock()
            XCTAssertGreaterThan(snapshot.count, acknowledgedBefore, "cycle \(cycle) acknowledged something")
            for (seq, expected) in snapshot {
                XCTAssertLessThanOrEqual(seq, records.count, "acknowledged seq \(seq) lost in cycle \(cycle)")
                guard seq <= records.count else { continue }
                XCTAssertEqual(LedgerFixtures.leafHex(records[seq - 1]), expected.leaf, "record \(seq) changed")
                XCTAssertEqual(try JSONParser.parse(records[seq - 1])["event"]?["id"]?.stringValue, expected.id)
            }
            for (index, record) in records.enumerated() {
                XCTAssertEqual(try JSONParser.parse(record)["seq"]?.integerValue, Int64(index + 1), "no gap")
            }
            let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
            XCTAssertEqual(head["root"]?.stringValue, LedgerFixtures.merkleRoot(of: records).hex)
            XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))["ok"], .bool(true), "cycle \(cycle)")
            print("crash cycle \(cycle + 1)/\(cycles): \(clients) clients, \(snapshot.count) appends acknowledged so far, \(records.count) records after restart")
            XCTAssertEqual(daemon.stop(), 0)
        }
    }

    private func daemon_connect(_ daemon: DaemonProcess) throws -> LineConnection { try daemon.connect() }
}
