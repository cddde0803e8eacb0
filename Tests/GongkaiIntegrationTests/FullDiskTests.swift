import Foundation
import GongkaiClient
import XCTest

/// Issue 6, full disk (the short version of `scripts/full-disk`): the ledger lives on a small
/// tmpfs that is filled up. Appends are answered `ERR storage` and change nothing, reads and
/// VERIFY keep working, and once space is freed appends succeed again, with no gap in seq and
/// without a restart. Needs root (to mount); skipped otherwise.
final class FullDiskTests: XCTestCase {
    func testAFullDiskRefusesAppendsKeepsReadsAndRecoversWithoutARestart() throws {
        let environment = ProcessInfo.processInfo.environment
        // scripts/full-disk: an ext4 image on a loop device, several fill-and-free rounds.
        let fileSystem = environment["GONGKAI_FULL_DISK_FS"] ?? "tmpfs"
        let rounds = max(1, Int(environment["GONGKAI_FULL_DISK_ROUNDS"] ?? "") ?? 1)
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        let ledger = daemon.stateDirectory + "/ledger"
        try FileManager.default.createDirectory(atPath: ledger, withIntermediateDirectories: true)
        try Self.mountSmallFileSystem(fileSystem, at: ledger, image: daemon.stateDirectory + "/ledger.img")
        defer { _ = try? ToolProcess.run("/bin/umount", ["-l", ledger]) }
        try daemon.start()
        let started = Date()
        let connection = try daemon.connect()
        // The records the daemon wrote itself at start (seed catalog and calendars).
        let base = Int(try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]!.integerValue!)

        var acknowledged: [String: Int] = [:]  // id → seq
        func append(_ id: String) throws -> String {
            let answer = try connection.readLineAfter("APPEND " + Self.event(id))
            if answer.hasPrefix("OK ") {
                acknowledged[id] = try LedgerFixtures.okJSON(answer)["seq"]!.integerValue.map { Int($0) }
            }
            return answer
        }
        for index in 0..<20 { XCTAssertTrue(try append("before-\(index)").hasPrefix("OK ")) }

        for round in 0..<rounds {
            // Fill what is left of the file system.
            let filler = ledger + "/filler"
            XCTAssertGreaterThan(try Self.fill(filler), 0)

            // Fill the ledger with pipelined batches until appends are refused.
            var refusedId: String?
            for batch in 0..<200 where refusedId == nil {
                let ids = (0..<500).map { "full-\(round)-\(batch)-\($0)" }
                let answers = try LedgerFixtures.pipeline(connection, ids.map { "APPEND " + Self.event($0) })
                XCTAssertEqual(answers.count, ids.count)
                for (id, answer) in zip(ids, answers) {
                    if answer.hasPrefix("OK ") {
                        acknowledged[id] = try LedgerFixtures.okJSON(answer)["seq"]!.integerValue.map { Int($0) }
                    } else {
                        XCTAssertTrue(answer.hasPrefix("ERR storage "), answer)
                        refusedId = refusedId ?? id
                    }
                }
            }
            let refused = try XCTUnwrap(refusedId, "the disk never filled up")
            let size = base + acknowledged.count
            XCTAssertEqual(Set(acknowledged.values), Set(base + 1...size), "acknowledged seqs are gap-free")

            // The refused appends left no trace: the head is where the acknowledged ones put
            // it; reads, GET and VERIFY work on the full disk.
            let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
            XCTAssertEqual(head["size"]!.integerValue, Int64(size))
            XCTAssertTrue(try connection.readLineAfter("GET \(base + 3)").contains(#""id":"before-2""#))
            XCTAssertEqual(try LedgerFixtures.readAll(connection).count, size)
            XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))["ok"], .bool(true))
            let stats = try LedgerFixtures.okJSON(try connection.readLineAfter("STATS"))
            XCTAssertGreaterThanOrEqual(stats["failedCommits"]!.integerValue!, Int64(round + 1))
            // Failed commits are logged at most once a second, however many there are (the
            // journal may share the full disk).
            let failureLines = daemon.log.components(separatedBy: "appends failed").count - 1
            XCTAssertGreaterThanOrEqual(failureLines, 1)
            XCTAssertLessThanOrEqual(failureLines, Int(Date().timeIntervalSince(started)) + 1,
                                     "\(failureLines) lines for \(stats["failedCommits"]!.integerValue!) failed commits")
            print("full-disk round \(round + 1): \(stats["failedCommits"]!.integerValue!) failed commits, \(failureLines) log lines")

            // Space is freed: the same request now succeeds, as the next seq, with no restart.
            try FileManager.default.removeItem(atPath: filler)
            let retried = try append(refused)
            XCTAssertEqual(try LedgerFixtures.okJSON(retried)["seq"]!.integerValue, Int64(size + 1), retried)
            for index in 0..<20 { XCTAssertTrue(try append("after-\(round)-\(index)").hasPrefix("OK ")) }
            XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))["ok"], .bool(true))
            print("full-disk round \(round + 1)/\(rounds) on \(fileSystem): refused at \(size) records, \(refused) accepted as \(size + 1) after freeing space")
        }

        // Everything acknowledged survives a restart, byte for byte under the same root.
        let records = try LedgerFixtures.readAll(connection)
        XCTAssertEqual(records.count, base + acknowledged.count)
        connection.close()
        XCTAssertEqual(daemon.stop(), 0)
        try daemon.start()
        let again = try daemon.connect()
        XCTAssertEqual(try LedgerFixtures.readAll(again), records)
        let root = try LedgerFixtures.okJSON(try again.readLineAfter("HEAD"))["root"]!.stringValue
        XCTAssertEqual(root, LedgerFixtures.merkleRoot(of: records).hex)
    }

    /// A daemon killed while the disk is full starts again on it: it serves reads and answers
    /// appends `ERR storage` until space is freed, then appends again (no marker is written at
    /// start-up, where the full disk has no room for it).
    func testARestartOnAFullDiskServesReadsAndTakesAppendsOnceSpaceIsFreed() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        let ledger = daemon.stateDirectory + "/ledger"
        try FileManager.default.createDirectory(atPath: ledger, withIntermediateDirectories: true)
        try Self.mountSmallFileSystem("tmpfs", at: ledger, image: daemon.stateDirectory + "/ledger.img")
        defer { _ = try? ToolProcess.run("/bin/umount", ["-l", ledger]) }
        try daemon.start()
        var connection = try daemon.connect()
        for index in 0..<20 { XCTAssertTrue(try connection.readLineAfter("APPEND " + Self.event("before-\(index)")).hasPrefix("OK ")) }
        let filler = ledger + "/filler"
        XCTAssertGreaterThan(try Self.fill(filler), 0)
        var refused = false
        for batch in 0..<200 where !refused {
            let answers = try LedgerFixtures.pipeline(connection, (0..<500).map { "APPEND " + Self.event("full-\(batch)-\($0)") })
            refused = answers.contains { $0.hasPrefix("ERR storage ") }
        }
        XCTAssertTrue(refused, "the disk never filled up")
        let records = try LedgerFixtures.readAll(connection)
        daemon.kill9()

        try daemon.start()
        connection = try daemon.connect()
        XCTAssertEqual(try LedgerFixtures.readAll(connection), records, "every record, byte for byte")
        XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]!.integerValue, Int64(records.count))
        let answer = try connection.readLineAfter("APPEND " + Self.event("while-full"))
        XCTAssertTrue(answer.hasPrefix("ERR storage "), answer)
        try FileManager.default.removeItem(atPath: filler)
        let appended = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + Self.event("while-full")))
        XCTAssertEqual(appended["seq"]!.integerValue, Int64(records.count + 1))
        XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))["ok"], .bool(true))
    }

    /// Mounts a tmpfs of 24 MiB, or an ext4 image of 32 MiB on a loop device, at `path`.
    static func mountSmallFileSystem(_ kind: String, at path: String, image: String) throws {
        let mount: (status: Int32, output: String)
        switch kind {
        case "tmpfs":
            mount = try ToolProcess.run("/bin/mount", ["-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", path])
        case "ext4":
            guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, 32 << 20) == 0 else {
                throw TestFailure("cannot create \(image)")
            }
            let format = try ToolProcess.run("/usr/sbin/mkfs.ext4", ["-q", "-F", image])
            guard format.status == 0 else { throw TestFailure("mkfs.ext4: \(format.output)") }
            mount = try ToolProcess.run("/bin/mount", ["-o", "loop", image, path])
        default:
            throw TestFailure("GONGKAI_FULL_DISK_FS must be tmpfs or ext4, not \(kind)")
        }
        guard mount.status == 0 else { throw XCTSkip("cannot mount a small \(kind) here (needs root): \(mount.output)") }
        chmod(path, 0o700)
    }

    static func event(_ id: String) -> String { LedgerFixtures.event(id: id, title: "满盘测试 " + id) }

    /// Writes zeros into `path` until the file system is full; returns the bytes written.
    static func fill(_ path: String) throws -> Int {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw TestFailure("cannot create \(path)") }
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            total += written
        }
        return total
    }
}
