import Foundation
import GongkaiCheckpoint
import GongkaiClient
import GongkaiJSON
import GongkaiMerkle
import XCTest

/// Signed checkpoints end to end: keys from the real `gongkai keygen`, HEAD's note from the
/// real daemon, checked with the public key against a root recomputed from the records.
final class CheckpointTests: XCTestCase {
    /// Runs `gongkai keygen` into `directory`; returns the signer and verifier key paths.
    func keygen(_ directory: String, name: String, prefix: String) throws -> (key: String, pub: String) {
        let out = directory + "/" + prefix
        XCTAssertEqual(try ReplayTests.runClient(["keygen", "--name", name, "--out", out]), 0)
        return (out + ".key", out + ".pub")
    }

    func text(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    func testHeadCarriesACheckpointSignedByTheDaemonsKey() throws {
        let keys = DaemonProcess.temporaryDirectory("gongkai-keys")
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let mine = try keygen(keys, name: "gongkai.test/ledger", prefix: "ledger")
        let other = try keygen(keys, name: "gongkai.test/ledger", prefix: "other")
        XCTAssertEqual(try mode(mine.key), 0o600)
        XCTAssertEqual(try mode(mine.pub), 0o644)
        XCTAssertNotEqual(try ReplayTests.runClient(["keygen", "--name", "again", "--out", keys + "/ledger"]), 0,
                          "keygen never overwrites a key")
        XCTAssertTrue(try text(mine.key).hasPrefix("PRIVATE+KEY+gongkai.test/ledger+"))

        let daemon = DaemonProcess(arguments: ["--signing-key", mine.key])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        _ = try LedgerFixtures.pipeline(connection, (0..<7).map { "APPEND " + LedgerFixtures.event(id: "cp\($0)") })
        let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        let note = try XCTUnwrap(head["checkpoint"]?.stringValue)

        let checkpoint = try CheckpointVerifier(key: try text(mine.pub)).verify(note: note)
        XCTAssertEqual(checkpoint.origin, "gongkai.test/ledger", "the origin defaults to the key's name")
        XCTAssertEqual(checkpoint.size, UInt64(try XCTUnwrap(head["size"]?.integerValue)))
        XCTAssertEqual(checkpoint.root.hex, head["root"]?.stringValue)
        XCTAssertEqual(checkpoint.root, LedgerFixtures.merkleRoot(of: try LedgerFixtures.readAll(connection)))
        XCTAssertThrowsError(try CheckpointVerifier(key: try text(other.pub)).verify(note: note)) { error in
            XCTAssertTrue(error is CheckpointError, "\(error)")
        }
        // A later head gets a fresh note.
        _ = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "cp-late")))
        let later = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        let laterCheckpoint = try CheckpointVerifier(key: try text(mine.pub)).verify(note: try XCTUnwrap(later["checkpoint"]?.stringValue))
        XCTAssertEqual(laterCheckpoint.size, checkpoint.size + 1)
        XCTAssertEqual(laterCheckpoint.root.hex, later["root"]?.stringValue)

        // The client: live head and a saved note, with the right key and with another.
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", mine.pub, "--socket", daemon.socketPath]), 0)
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", other.pub, "--socket", daemon.socketPath]), 1)
        let saved = keys + "/head.note"
        try note.write(toFile: saved, atomically: true, encoding: .utf8)
        let printed = URL(fileURLWithPath: keys + "/verified.json")
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", mine.pub, saved], stdout: printed), 0)
        let answer = try JSONParser.parse(try String(contentsOf: printed, encoding: .utf8).trimmingCharacters(in: .newlines))
        XCTAssertEqual(answer["root"], head["root"])
        XCTAssertEqual(answer["size"], head["size"])
        XCTAssertEqual(answer["origin"]?.stringValue, "gongkai.test/ledger")
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", other.pub, saved]), 1)
        // An auditor who names the log's origin refuses a note of another log.
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", mine.pub, "--origin", "gongkai.test/ledger", saved]), 0)
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", mine.pub, "--origin", "gongkai.test/other", saved]), 1)
        try note.replacingOccurrences(of: "\n\(checkpoint.size)\n", with: "\n\(checkpoint.size + 1)\n")
            .write(toFile: saved, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", mine.pub, saved]), 1)
    }

    func testCheckpointOriginFlagSetsTheFirstLine() throws {
        let keys = DaemonProcess.temporaryDirectory("gongkai-keys")
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let mine = try keygen(keys, name: "signer-1", prefix: "ledger")
        let daemon = DaemonProcess(arguments: ["--signing-key", mine.key, "--checkpoint-origin", "gongkai.test/county"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let head = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("HEAD"))
        let checkpoint = try CheckpointVerifier(key: try text(mine.pub)).verify(note: try XCTUnwrap(head["checkpoint"]?.stringValue))
        XCTAssertEqual(checkpoint.origin, "gongkai.test/county")
    }

    func testHeadHasNoCheckpointWithoutAKey() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let head = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("HEAD"))
        XCTAssertNil(head["checkpoint"])
        XCTAssertEqual(try ReplayTests.runClient(["checkpoint", "verify", "--key", "/nonexistent.pub", "--socket", daemon.socketPath]), 1)
    }

    func testTheDaemonRefusesAKeyFileOthersCanReadOrThatIsNotAKey() throws {
        let keys = DaemonProcess.temporaryDirectory("gongkai-keys")
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let mine = try keygen(keys, name: "gongkai.test/ledger", prefix: "ledger")
        chmod(mine.key, 0o644)
        // The verifier key (0644, as keygen writes it) is named for what it is, not for its mode.
        for (path, expected) in [(mine.key, "mode 0644"), (keys + "/missing.key", "cannot read"), (mine.pub, "not its verifier key")] {
            let daemon = DaemonProcess(arguments: ["--signing-key", path])
            defer { daemon.removeFiles() }
            let (status, log) = try daemon.startExpectingFailure()
            XCTAssertNotEqual(status, 0, path)
            XCTAssertTrue(log.contains("signing key file \(path)"), log)
            XCTAssertTrue(log.contains(expected), log)
            XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.socketPath), "it never listened")
        }
        chmod(mine.key, 0o400)
        let daemon = DaemonProcess(arguments: ["--signing-key", mine.key])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
    }
}
