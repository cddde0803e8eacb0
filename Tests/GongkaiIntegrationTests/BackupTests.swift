import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// BACKUP under a running load, `scripts/restore`, and a second daemon on the restored copy;
/// BACKUP and restore refusals.
final class BackupTests: XCTestCase {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `scripts/restore` with `arguments`; its exit status and stdout + stderr.
    func restore(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.repositoryRoot + "/scripts/restore")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Seqs acknowledged by the background appenders, with their ids.
    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var seqs: [(seq: Int, id: String)] = []
        private var stopped = false
        private var failures: [String] = []
        func add(_ seq: Int, _ id: String) { lock.withLock { seqs.append((seq, id)) } }
        func fail(_ text: String) { lock.withLock { failures.append(text) } }
        var snapshot: [(seq: Int, id: String)] { lock.withLock { seqs } }
        var errors: [String] { lock.withLock { failures } }
        var shouldStop: Bool { lock.withLock { stopped } }
        func stop() { lock.withLock { stopped = true } }
    }

    func testBackupUnderLoadRestoresToADaemonServingTheSameHead() throws {
        let first = DaemonProcess()
        let backup = DaemonProcess.temporaryDirectory("gongkai-backup") + "/copy"
        let restoredState = DaemonProcess.temporaryDirectory("gongkai-restored")
        defer {
            first.stop(); first.removeFiles()
            try? FileManager.default.removeItem(atPath: (backup as NSString).deletingLastPathComponent)
            try? FileManager.default.removeItem(atPath: restoredState)
        }
        try first.start()
        let connection = try first.connect()
        let loaded = try LedgerFixtures.pipeline(connection, (0..<2_000).map { "APPEND " + LedgerFixtures.event(id: "bk\($0)", title: "备份\($0)") })
        XCTAssertEqual(loaded.filter { $0.hasPrefix("OK ") }.count, 2_000, loaded.first { !$0.hasPrefix("OK ") } ?? "")

        // Two clients append continuously while the backup runs.
        let acknowledged = Acknowledged()
        let appenders = (0..<2).map { client in
            Thread {
                do {
                    let mine = try first.connect()
                    defer { mine.close() }
                    var n = 0
                    while !acknowledged.shouldStop {
                        let id = "load\(client)-\(n)"
                        let answer = try mine.readLineAfter("APPEND " + LedgerFixtures.event(id: id, title: "负载\(client)-\(n)"))
                        let json = try LedgerFixtures.okJSON(answer)
                        acknowledged.add(Int(json["seq"]!.integerValue!), id)
                        n += 1
                    }
                } catch {
                    acknowledged.fail("appender \(client): \(error)")
                }
            }
        }
        appenders.forEach { $0.start() }
        while acknowledged.snapshot.count < 50 && acknowledged.errors.isEmpty { usleep(5_000) }

        let beforeBackup = acknowledged.snapshot
        let answer = try LedgerFixtures.okJSON(try connection.readLineAfter("BACKUP \(backup)"))
        let countAtAnswer = acknowledged.snapshot.count
        while acknowledged.snapshot.count < countAtAnswer + 50 && acknowledged.errors.isEmpty { usleep(5_000) }
        acknowledged.stop()
        while appenders.contains(where: { $0.isExecuting }) { usleep(5_000) }
        XCTAssertEqual(acknowledged.errors, [])

        let size = Int(try XCTUnwrap(answer["size"]?.integerValue))
        let root = try XCTUnwrap(answer["root"]?.stringValue)
        XCTAssertEqual(answer["directory"]?.stringValue, backup)
        XCTAssertGreaterThanOrEqual(size, 2_000 + beforeBackup.count, "the copy holds every append acknowledged before it started")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: backup), ["data.mdb"])
        let bytes = try FileManager.default.attributesOfItem(atPath: backup + "/data.mdb")[.size] as? Int
        XCTAssertEqual(answer["bytes"]?.integerValue.map(Int.init), bytes)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: backup)[.posixPermissions] as? Int, 0o700)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: backup + "/data.mdb")[.posixPermissions] as? Int, 0o600)
        let firstRoot = try LedgerFixtures.okJSON(try connection.readLineAfter("PROOF INCLUSION 1 \(size)"))["root"]?.stringValue
        XCTAssertEqual(firstRoot, root, "the backup's root is the first daemon's root at that size")

        // A data.mdb that is not an LMDB file is refused before anything is moved.
        let junk = DaemonProcess.temporaryDirectory("gongkai-junk-backup")
        defer { try? FileManager.default.removeItem(atPath: junk) }
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: junk + "/data.mdb"))
        let refusedJunk = try restore([junk, junk + "/state"])
        XCTAssertNotEqual(refusedJunk.status, 0, refusedJunk.output)
        XCTAssertTrue(refusedJunk.output.contains("is not an LMDB file"), refusedJunk.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: junk + "/state"))

        // Restore refuses a state directory a running daemon holds, --force or not.
        for arguments in [[backup, first.stateDirectory], ["--force", backup, first.stateDirectory]] {
            let refused = try restore(arguments)
            XCTAssertNotEqual(refused.status, 0, refused.output)
            XCTAssertTrue(refused.output.contains("is running on"), refused.output)
        }
        XCTAssertTrue(try connection.readLineAfter("PING").hasPrefix("OK"))

        let restored = try restore([backup, restoredState])
        XCTAssertEqual(restored.status, 0, restored.output)
        XCTAssertTrue(restored.output.contains("gongkai verify"), restored.output)
        XCTAssertTrue(restored.output.contains("Records acknowledged after the backup are not in it"), restored.output)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: restoredState + "/ledger")[.posixPermissions] as? Int, 0o700)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: restoredState + "/ledger/data.mdb")[.posixPermissions] as? Int, 0o600)

        let second = DaemonProcess(stateDirectory: restoredState)
        defer { second.stop() }
        try second.start()
        let other = try second.connect()
        let verified = try LedgerFixtures.okJSON(try other.readLineAfter("VERIFY"))
        XCTAssertEqual(verified["ok"], .bool(true), "\(verified)")
        let head = try LedgerFixtures.okJSON(try other.readLineAfter("HEAD"))
        XCTAssertEqual(head["size"]?.integerValue.map(Int.init), size, "a daemon on the copy serves the backup's head")
        XCTAssertEqual(head["root"]?.stringValue, root)
        XCTAssertEqual(try LedgerFixtures.okJSON(try other.readLineAfter("PROOF INCLUSION 1 \(size)"))["root"]?.stringValue, root)

        // Byte for byte: every record of the copy, and every append acknowledged before the backup.
        let original = try LedgerFixtures.readAll(connection)
        let copied = try LedgerFixtures.readAll(other)
        XCTAssertEqual(copied.count, size)
        XCTAssertTrue(copied == Array(original.prefix(size)), "the copy's records are the first daemon's first \(size)")
        for (seq, id) in beforeBackup {
            XCTAssertLessThanOrEqual(seq, size)
            let mine = try other.readLineAfter("GET \(seq)")
            XCTAssertEqual(mine, try connection.readLineAfter("GET \(seq)"))
            XCTAssertEqual(try LedgerFixtures.okJSON(mine)["event"]?["id"]?.stringValue, id)
        }
        XCTAssertEqual(second.stop(), 0)

        // A second restore over the restored ledger needs --force, and keeps the old one aside.
        let again = try restore([backup, restoredState])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.output.contains("--force"), again.output)
        let forced = try restore(["--force", backup, restoredState])
        XCTAssertEqual(forced.status, 0, forced.output)
        let entries = try FileManager.default.contentsOfDirectory(atPath: restoredState)
        XCTAssertEqual(entries.filter { $0.hasPrefix("ledger.before-restore.") }.count, 1, "\(entries)")
        XCTAssertFalse(entries.contains { $0.hasPrefix("ledger.restoring") }, "\(entries)")
    }

    /// A restore stopped between moving the old ledger aside and putting the copy in place
    /// leaves no `ledger/`: the daemon refuses to start a new, empty ledger there.
    /// Run as root (as under systemd), the restore gives the ledger to the state directory's
    /// owner: left root's, the service (user gongkai) could not open it.
    func testARestoredLedgerBelongsToTheStateDirectorysOwner() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to give files to another user") }
        let backup = DaemonProcess.temporaryDirectory("gongkai-backup")
        let state = DaemonProcess.temporaryDirectory("gongkai-restored")
        defer {
            try? FileManager.default.removeItem(atPath: backup)
            try? FileManager.default.removeItem(atPath: state)
        }
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        // Only the start of an LMDB file: its meta page's magic after the 16-byte page header.
        var fake = Data(repeating: 7, count: 4096)
        fake.replaceSubrange(16..<20, with: [0xDE, 0xC0, 0xEF, 0xBE])
        XCTAssertTrue(FileManager.default.createFile(atPath: backup + "/data.mdb", contents: fake))
        let nobody: uid_t = 65_534
        XCTAssertEqual(chown(state, nobody, gid_t(nobody)), 0)
        let restored = try restore([backup, state])
        XCTAssertEqual(restored.status, 0, restored.output)
        XCTAssertTrue(restored.output.contains("gongkai verify --socket \(state)/gongkai.sock"), restored.output)
        // Started as root, the daemon would leave files the owner (nobody) cannot read.
        XCTAssertTrue(restored.output.contains("runuser -u nobody -- gongkaid --state-directory \(state)"), restored.output)
        for path in [state + "/ledger", state + "/ledger/data.mdb", state + "/gongkaid.lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            XCTAssertEqual((attributes[.ownerAccountID] as? NSNumber)?.uint32Value, nobody, path)
            XCTAssertEqual((attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value, nobody, path)
        }
    }

    func testAnUnfinishedRestoreIsNotTakenForANewLedger() throws {
        for trace in ["ledger.before-restore.20261127T080000Z", "ledger.restoring.4242"] {
            let daemon = DaemonProcess()
            defer { daemon.removeFiles() }
            try FileManager.default.createDirectory(atPath: daemon.stateDirectory + "/" + trace, withIntermediateDirectories: true)
            let process = try daemon.launchWithoutWaiting()
            let deadline = Date().addingTimeInterval(15)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                daemon.kill9()
                return XCTFail("the daemon started on a state directory with \(trace) and no ledger")
            }
            XCTAssertNotEqual(process.terminationStatus, 0)
            XCTAssertTrue(daemon.log.contains("a restore did not finish") && daemon.log.contains(trace), daemon.log)
            XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.stateDirectory + "/ledger"), "no new ledger was made")
        }
    }

    func testBackupRefusalsLeaveNothingWritten() throws {
        let daemon = DaemonProcess()
        let scratch = DaemonProcess.temporaryDirectory("gongkai-backup-refused")
        defer { daemon.stop(); daemon.removeFiles(); try? FileManager.default.removeItem(atPath: scratch) }
        try daemon.start()
        let connection = try daemon.connect()
        _ = try LedgerFixtures.pipeline(connection, (0..<20).map { "APPEND " + LedgerFixtures.event(id: "r\($0)") })
        let files = FileManager.default

        let relative = "gongkai-relative-\(UUID().uuidString.prefix(8))"
        XCTAssertTrue(try connection.readLineAfter("BACKUP \(relative)").hasPrefix("ERR bad-request"))
        XCTAssertFalse(files.fileExists(atPath: relative))
        XCTAssertFalse(files.fileExists(atPath: daemon.stateDirectory + "/" + relative))

        let full = scratch + "/full"
        try files.createDirectory(atPath: full, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: full + "/keep.txt"))
        let nonEmpty = try connection.readLineAfter("BACKUP \(full)")
        XCTAssertTrue(nonEmpty.hasPrefix("ERR bad-request") && nonEmpty.contains("not empty"), nonEmpty)
        XCTAssertEqual(try files.contentsOfDirectory(atPath: full), ["keep.txt"])

        let orphan = scratch + "/missing/copy"
        let noParent = try connection.readLineAfter("BACKUP \(orphan)")
        XCTAssertTrue(noParent.hasPrefix("ERR bad-request") && noParent.contains("cannot create \(orphan): No such file or directory"), noParent)
        XCTAssertFalse(files.fileExists(atPath: scratch + "/missing"))

        // A link to nothing is named for what it is (it was "appeared while the backup started").
        let dangling = scratch + "/dangling"
        try files.createSymbolicLink(atPath: dangling, withDestinationPath: scratch + "/nowhere")
        let link = try connection.readLineAfter("BACKUP \(dangling)")
        XCTAssertTrue(link.hasPrefix("ERR bad-request") && link.contains("is a symbolic link to something that does not exist"), link)
        XCTAssertFalse(files.fileExists(atPath: scratch + "/nowhere"))

        let inside = try connection.readLineAfter("BACKUP \(daemon.stateDirectory)/copy")
        XCTAssertTrue(inside.hasPrefix("ERR bad-request") && inside.contains("inside the state directory"), inside)
        XCTAssertFalse(files.fileExists(atPath: daemon.stateDirectory + "/copy"))

        for bad in ["BACKUP", "BACKUP /a /b", "BACKUP /a\tb", "BACKUP /", "BACKUP /tmp/../etc"] {
            XCTAssertTrue(try connection.readLineAfter(bad).hasPrefix("ERR bad-request"), bad)
        }

        // Unwritable: a read-only parent (as root, which ignores modes: sysfs, where mkdir is EPERM).
        if getuid() != 0 {
            let locked = scratch + "/locked"
            try files.createDirectory(atPath: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
            defer { chmod(locked, 0o700) }
            let unwritable = try connection.readLineAfter("BACKUP \(locked)/copy")
            XCTAssertTrue(unwritable.hasPrefix("ERR storage"), unwritable)
            XCTAssertEqual(try files.contentsOfDirectory(atPath: locked), [])
        } else if files.fileExists(atPath: "/sys/kernel") {
            let target = "/sys/gongkai-backup-\(UUID().uuidString.prefix(8))"
            let unwritable = try connection.readLineAfter("BACKUP \(target)")
            XCTAssertTrue(unwritable.hasPrefix("ERR storage"), unwritable)
            XCTAssertFalse(files.fileExists(atPath: target))
        }

        // An existing empty directory is accepted (and its mode left alone).
        let empty = scratch + "/empty"
        try files.createDirectory(atPath: empty, withIntermediateDirectories: false)
        let accepted = try LedgerFixtures.okJSON(try connection.readLineAfter("BACKUP \(empty)"))
        XCTAssertEqual(accepted["size"]?.integerValue, try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]?.integerValue)
        XCTAssertEqual(try files.contentsOfDirectory(atPath: empty), ["data.mdb"])
        XCTAssertTrue(try connection.readLineAfter("BACKUP \(empty)").hasPrefix("ERR bad-request"), "a directory holding a backup is not empty")
    }
}
