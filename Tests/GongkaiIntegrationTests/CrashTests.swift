import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// SIGKILL at a random moment while clients append (`scripts/crash`: 20 cycles, 32 clients): every acknowledged record survives, byte for byte.
final class CrashTests: XCTestCase {
    private var acknowledged: [Int: (id: String, leaf: String)] = [:]
    private let lock = NSLock()

    /// The journal says when the last run was killed, and only then.
    func testAnUncleanStopIsNamedAtTheNextStart() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        _ = try LedgerFixtures.pipeline(try daemon.connect(), (0..<50).map { "APPEND " + LedgerFixtures.event(id: "u\($0)") })
        daemon.kill9()
        let line = "the last run did not stop cleanly"
        XCTAssertFalse(daemon.log.contains(line))
        try daemon.start()
        XCTAssertEqual(daemon.log.components(separatedBy: line).count - 1, 1, daemon.log)
        XCTAssertEqual(daemon.stop(), 0)
        try daemon.start()
        XCTAssertEqual(daemon.log.components(separatedBy: line).count - 1, 1, "a clean stop is not named: \(daemon.log)")
    }

    func testAcknowledgedAppendsSurviveKillNineCycles() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        let cycles = Int(ProcessInfo.processInfo.environment["GONGKAI_CRASH_CYCLES"] ?? "5") ?? 5
        // scripts/crash runs 32 clients, as the issue asks; the suite's short version runs 4.
        let clients = Int(ProcessInfo.processInfo.environment["GONGKAI_CRASH_CLIENTS"] ?? "4") ?? 4
        for cycle in 0..<cycles {
            try appendUntilKilled(daemon, cycle: cycle, clients: clients)
            try daemon.start()
            try assertAcknowledgedAppendsPresent(daemon, cycle: cycle, of: cycles, clients: clients)
            XCTAssertEqual(daemon.stop(), 0)
        }
    }

    /// A machine restart after kill -9: LMDB committed without fsync, so its file may be torn;
    /// the worst case is simulated by overwriting it and marking it as left open in another
    /// boot. The daemon rebuilds the index from the append log, which holds every
    /// acknowledged append.
    func testAcknowledgedAppendsSurviveAMachineRestart() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        let clients = Int(ProcessInfo.processInfo.environment["GONGKAI_CRASH_CLIENTS"] ?? "4") ?? 4
        for cycle in 0..<2 {
            try appendUntilKilled(daemon, cycle: cycle, clients: clients)
            let ledger = daemon.stateDirectory + "/ledger"
            let marker = try String(contentsOfFile: ledger + "/index-state", encoding: .utf8)
            XCTAssertTrue(marker.hasPrefix("open-in-boot "), marker)
            try "open-in-boot 00000000-0000-0000-0000-000000000000\n".write(toFile: ledger + "/index-state", atomically: true, encoding: .utf8)
            let data = try FileHandle(forUpdating: URL(fileURLWithPath: ledger + "/data.mdb"))
            let size = try data.seekToEnd()
            try data.seek(toOffset: 0)
            try data.write(contentsOf: Data((0..<Int(size)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }))
            try data.close()
            try daemon.start()
            XCTAssertTrue(daemon.log.contains("rebuilt the LMDB index from the append log"), "cycle \(cycle)")
            try assertAcknowledgedAppendsPresent(daemon, cycle: cycle, of: 2, clients: clients)
            XCTAssertEqual(daemon.stop(), 0)
        }
    }

    /// Starts the daemon, lets `clients` connections append until it is killed at a random
    /// moment, and records every acknowledged append.
    private func appendUntilKilled(_ daemon: DaemonProcess, cycle: Int, clients: Int) throws {
        try daemon.start()
        let acknowledgedBefore = lock.withLock { acknowledged.count }
        let stop = DispatchGroup()
        for client in 0..<clients {
            stop.enter()
            Thread {
                defer { stop.leave() }
                guard let connection = try? daemon.connect() else { return }
                let sender = Thread {
                    for chunk in 0..<1_000 {
                        let lines = (0..<100).map { "APPEND " + LedgerFixtures.event(id: "k\(cycle)-\(client)-\(chunk)-\($0)") }
                        if (try? connection.sendRaw(Array((lines.joined(separator: "\n") + "\n").utf8))) == nil { return }
                    }
                }
                sender.start()
                while let answer = try? connection.readLine() {
                    guard answer.hasPrefix("OK "), let json = try? JSONParser.parse(String(answer.dropFirst(3))) else { continue }
                    self.lock.lock()
                    self.acknowledged[Int(json["seq"]!.integerValue!)] = (json["id"]!.stringValue!, json["leaf"]!.stringValue!)
                    self.lock.unlock()
                }
            }.start()
        }
        // Kill at a random moment once appends are flowing.
        let flowing = Date().addingTimeInterval(20)
        while Date() < flowing, lock.withLock({ acknowledged.count }) <= acknowledgedBefore { usleep(5_000) }
        usleep(UInt32.random(in: 20_000...400_000))
        daemon.kill9()
        XCTAssertEqual(stop.wait(timeout: .now() + 30), .success)
        XCTAssertGreaterThan(lock.withLock { acknowledged.count }, acknowledgedBefore, "cycle \(cycle) acknowledged something")
    }

    /// Every acknowledged append is in the restarted daemon's log byte for byte, seq has no
    /// gap, HEAD's root covers the records and VERIFY passes.
    private func assertAcknowledgedAppendsPresent(_ daemon: DaemonProcess, cycle: Int, of cycles: Int, clients: Int) throws {
        let connection = try daemon.connect()
        let records = try LedgerFixtures.readAll(connection)
        let snapshot = lock.withLock { acknowledged }
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
    }
}
