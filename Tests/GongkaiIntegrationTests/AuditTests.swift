import Foundation
import GongkaiClient
import GongkaiDomain
import GongkaiJSON
import XCTest

/// `gongkai audit export` and `gongkai audit verify` end to end: a signed daemon holding a
/// simulated year, the export verified offline and its replayed state equal to the daemon's
/// answer (digest included), and every kind of tampering detected and located.
final class AuditTests: XCTestCase {
    typealias Run = SimulateTests.Result

    func client(_ arguments: [String]) throws -> Run { try SimulateTests.run(arguments, timeout: 120) }

    func lines(_ path: String) throws -> [Data] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { Data($0) }
        XCTAssertEqual(lines.last, Data(), "the export ends with a newline")
        lines.removeLast()
        return lines
    }

    /// Writes `lines` as an export at `path`, with `checkpoint` as its note.
    func write(_ lines: [Data], checkpoint: String, to path: String) throws {
        var data = Data()
        for line in lines { data.append(line); data.append(0x0A) }
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.copyItem(atPath: checkpoint, toPath: path + ".checkpoint")
    }

    func json(_ run: Run) throws -> JSONValue {
        try JSONParser.parse(String(decoding: run.stdout, as: UTF8.self).trimmingCharacters(in: .newlines))
    }

    func testExportVerifiesReplaysAndEveryTamperingIsLocated() throws {
        let directory = DaemonProcess.temporaryDirectory("gongkai-audit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for prefix in ["ledger", "other"] {
            XCTAssertEqual(try client(["keygen", "--name", "gongkai.test/audit", "--out", directory + "/" + prefix]).status, 0)
        }
        let pub = directory + "/ledger.pub", otherPub = directory + "/other.pub"
        let daemon = DaemonProcess(arguments: ["--signing-key", directory + "/ledger.key"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let socket = ["--socket", daemon.socketPath]

        // A simulated year, loaded in two parts with an export after each.
        let year = try client(["simulate", "--year", "2023", "--seed", "3"])
        XCTAssertEqual(year.status, 0)
        let events = year.stdout.split(separator: 0x0A).map { Data($0) }
        let part = events.count / 3
        for (name, slice) in [("early", events[..<part]), ("rest", events[part...])] {
            let path = directory + "/\(name).events"
            try Data(slice.map { $0 + [0x0A] }.joined()).write(to: URL(fileURLWithPath: path))
            XCTAssertEqual(try client(["append", "--file", path] + socket).status, 0, "every simulated event is accepted")
            if name == "early" {
                XCTAssertEqual(try client(["audit", "export", "--to", directory + "/early.ndjson"] + socket).status, 0)
            }
        }
        let full = directory + "/full.ndjson"
        let exported = try client(["audit", "export", "--to", full] + socket)
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let connection = try daemon.connect()
        let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        let size = try XCTUnwrap(head["size"]?.integerValue)
        let records = try lines(full)
        XCTAssertEqual(records.count, Int(size))
        XCTAssertEqual(records.map { [UInt8]($0) }, try LedgerFixtures.readAll(connection), "records are exported byte for byte")
        XCTAssertEqual(try String(contentsOfFile: full + ".checkpoint", encoding: .utf8), head["checkpoint"]?.stringValue)
        let earlySize = try lines(directory + "/early.ndjson").count
        XCTAssertLessThan(earlySize, Int(size))

        // An earlier export and its checkpoint are kept unless --force says otherwise.
        let earlyCheckpoint = try String(contentsOfFile: directory + "/early.ndjson.checkpoint", encoding: .utf8)
        let again = try client(["audit", "export", "--to", directory + "/early.ndjson"] + socket)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("early.ndjson already exists"), again.stderr)
        XCTAssertEqual(try lines(directory + "/early.ndjson").count, earlySize)
        XCTAssertEqual(try String(contentsOfFile: directory + "/early.ndjson.checkpoint", encoding: .utf8), earlyCheckpoint)
        try FileManager.default.copyItem(atPath: directory + "/early.ndjson.checkpoint", toPath: directory + "/alone.ndjson.checkpoint")
        XCTAssertEqual(try client(["audit", "export", "--to", directory + "/alone.ndjson"] + socket).status, 1, "a checkpoint alone is kept too")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/alone.ndjson"))
        let forced = try client(["audit", "export", "--to", directory + "/forced.ndjson", "--force"] + socket)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try client(["audit", "export", "--to", directory + "/forced.ndjson", "--force"] + socket).status, 0)

        // The export verifies; its replayed state is the daemon's for the same known and asof.
        let verified = try client(["audit", "verify", full, "--key", pub, "--asof", "2023-12-31", "--unit", "dongshan", "--json"])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        let report = try json(verified)
        XCTAssertEqual(report["ok"], .bool(true))
        XCTAssertEqual(report["size"]?.integerValue, size)
        XCTAssertEqual(report["root"], head["root"])
        let escalations = try LedgerFixtures.okJSON(try connection.readLineAfter("ESCALATIONS asof=2023-12-31 known=\(size)"))
        XCTAssertNotNil(escalations["digest"])
        XCTAssertEqual(report["escalations"], escalations, "replayed ESCALATIONS, digest included, equal the daemon's")
        XCTAssertGreaterThan(escalations["units"]?.arrayValue?.count ?? 0, 0, "the simulated year has escalations")
        let compliance = try LedgerFixtures.okJSON(try connection.readLineAfter("COMPLIANCE dongshan asof=2023-12-31 known=\(size)"))
        XCTAssertEqual(report["compliance"], compliance)
        // Last year's table asked for at a later date (year=): the same answers again.
        let lastYear = try json(try client(["audit", "verify", full, "--key", pub, "--asof", "2024-01-31", "--year", "2023",
                                            "--unit", "dongshan", "--json"]))
        XCTAssertEqual(lastYear["escalations"],
                       try LedgerFixtures.okJSON(try connection.readLineAfter("ESCALATIONS asof=2024-01-31 known=\(size) year=2023")))
        XCTAssertEqual(lastYear["compliance"],
                       try LedgerFixtures.okJSON(try connection.readLineAfter("COMPLIANCE dongshan asof=2024-01-31 known=\(size) year=2023")))
        // A question the ledger's tables cannot answer is a wrong question (64), not tampering (1).
        for (arguments, reason) in [(["--year", "2024", "--asof", "2024-06-30"], "no catalog for 2024"),
                                    (["--year", "2023", "--asof", "2022-06-30"], "before year 2023"),
                                    (["--unit", "atlantis"], "unknown unit atlantis in catalog shangyou-2023, the table for 2023")] {
            let wrong = try client(["audit", "verify", full, "--key", pub] + arguments)
            XCTAssertEqual(wrong.status, 64, "\(arguments): \(wrong.stderr)")
            XCTAssertTrue(wrong.stderr.contains("the export verified, but") && wrong.stderr.contains(reason), wrong.stderr)
            let answer = try json(wrong)
            XCTAssertEqual(answer["ok"], .bool(true), "the export itself verified")
            XCTAssertTrue(answer["problem"]?.stringValue?.contains(reason) ?? false, "\(answer)")
            XCTAssertNil(answer["escalations"], "no state for a question the tables cannot answer")
        }
        // The default asof is the day the last record was recorded (in Shanghai), whatever its
        // business date; the daemon agrees for that date too.
        let byDefault = try json(try client(["audit", "verify", full, "--key", pub, "--json"]))
        let asof = try XCTUnwrap(byDefault["asof"]?.stringValue)
        let lastRecorded = try LedgerFixtures.okJSON(try connection.readLineAfter("GET \(size)"))["recorded"]!.stringValue!
        XCTAssertEqual(asof, BusinessDate.inShanghai(millis: KnownAt.moment(lastRecorded)!).description)
        XCTAssertEqual(byDefault["escalations"],
                       try LedgerFixtures.okJSON(try connection.readLineAfter("ESCALATIONS asof=\(asof) known=\(size)")))
        // The readable report.
        let readable = try client(["audit", "verify", full, "--key", pub])
        XCTAssertEqual(readable.status, 0)

        // Consistency with the earlier checkpoint; a forged or a later "previous" fails.
        let early = directory + "/early.ndjson.checkpoint"
        let consistent = try client(["audit", "verify", full, "--key", pub, "--previous", early, "--json"])
        XCTAssertEqual(consistent.status, 0, consistent.stderr)
        XCTAssertEqual(try json(consistent)["previous"]?["size"]?.integerValue, Int64(earlySize))
        let forged = directory + "/forged.checkpoint"
        try String(contentsOfFile: early, encoding: .utf8)
            .replacingOccurrences(of: "\n\(earlySize)\n", with: "\n\(earlySize - 1)\n")
            .write(toFile: forged, atomically: true, encoding: .utf8)
        let forgedRun = try client(["audit", "verify", full, "--key", pub, "--previous", forged])
        XCTAssertEqual(forgedRun.status, 1)
        XCTAssertTrue(forgedRun.stderr.contains("previous checkpoint"), forgedRun.stderr)
        XCTAssertEqual(try client(["audit", "verify", directory + "/early.ndjson", "--key", pub, "--previous", full + ".checkpoint"]).status, 1,
                       "a previous checkpoint larger than the export is not consistent with it")

        // A named origin must be the checkpoint's.
        XCTAssertEqual(try client(["audit", "verify", full, "--key", pub, "--origin", "gongkai.test/audit"]).status, 0)
        let otherLog = try client(["audit", "verify", full, "--key", pub, "--origin", "gongkai.test/other"])
        XCTAssertEqual(otherLog.status, 1)
        XCTAssertTrue(otherLog.stderr.contains("signs another log"), otherLog.stderr)

        // Another key's verifier rejects the checkpoint.
        let otherKey = try client(["audit", "verify", full, "--key", otherPub])
        XCTAssertEqual(otherKey.status, 1)
        XCTAssertTrue(otherKey.stderr.contains("signature"), otherKey.stderr)

        // Tampered copies: each is rejected and the line or seq named.
        let k = records.count / 2
        let checkpoint = full + ".checkpoint"
        func verifyCopy(_ name: String, _ copy: [Data], extra: [String] = []) throws -> Run {
            let path = directory + "/\(name).ndjson"
            try write(copy, checkpoint: checkpoint, to: path)
            let run = try client(["audit", "verify", path, "--key", pub] + extra)
            XCTAssertEqual(run.status, 1, "\(name): \(run.stderr)")
            return run
        }
        var removed = records; removed.remove(at: k - 1)
        XCTAssertTrue(try verifyCopy("removed", removed).stderr.contains("line \(k) holds seq \(k + 1): a record is missing, extra or out of order"))
        var swapped = records; swapped.swapAt(k - 1, k)
        XCTAssertTrue(try verifyCopy("swapped", swapped).stderr.contains("line \(k) holds seq \(k + 1)"))
        var duplicated = records; duplicated.insert(records[k - 1], at: k)
        XCTAssertTrue(try verifyCopy("duplicated", duplicated).stderr.contains("line \(k + 1) holds seq \(k)"))
        let truncated = try verifyCopy("truncated", Array(records.dropLast()))
        XCTAssertTrue(truncated.stderr.contains("holds \(records.count - 1) records"), truncated.stderr)

        // A changed title, still canonical JSON: one character inside a string.
        let changedIndex = try XCTUnwrap((k..<records.count).first { String(decoding: records[$0], as: UTF8.self).contains("\"title\":\"") })
        let seq = changedIndex + 1
        var text = String(decoding: records[changedIndex], as: UTF8.self)
        let titleStart = text.range(of: "\"title\":\"")!.upperBound
        let original = text[titleStart]
        XCTAssertNotEqual(original, "\\")
        text.replaceSubrange(titleStart...titleStart, with: original == "X" ? "Y" : "X")
        var changed = records; changed[changedIndex] = Data(text.utf8)
        let located = try verifyCopy("changed", changed, extra: socket + ["--json"])
        XCTAssertTrue(located.stderr.contains("seq \(seq)"), located.stderr)
        XCTAssertEqual(try json(located)["seq"]?.integerValue, Int64(seq), "the daemon's proofs locate the changed record")
        let unlocated = try verifyCopy("changed-offline", changed, extra: ["--socket", directory + "/no-daemon.sock"])
        XCTAssertTrue(unlocated.stderr.contains("a record was changed; the daemon at \(directory)/no-daemon.sock, which would locate it, cannot be reached"),
                      unlocated.stderr)

        // An empty line, and bytes that are not UTF-8, are named for what they are.
        var blank = records; blank[k - 1] = Data()
        let empty = try verifyCopy("blank", blank)
        XCTAssertTrue(empty.stderr.contains("line \(k) is empty"), empty.stderr)
        var garbled = records; garbled[k - 1][12] = 0xFF
        let notUTF8 = try verifyCopy("garbled", garbled)
        XCTAssertTrue(notUTF8.stderr.contains("line \(k) is not valid UTF-8"), notUTF8.stderr)
    }

    /// The issue's own scenario: one byte of a record changed inside a copy of the LMDB file.
    /// VERIFY names the record, and so does `audit verify` on an export taken from it.
    func testByteFlippedInsideTheLMDBFileIsNamedByVerifyAndByAuditVerify() throws {
        let directory = DaemonProcess.temporaryDirectory("gongkai-audit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        XCTAssertEqual(try client(["keygen", "--name", "gongkai.test/flip", "--out", directory + "/key"]).status, 0)
        let daemon = DaemonProcess(arguments: ["--signing-key", directory + "/key.key"])
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        var connection = try daemon.connect()
        let base = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]!.integerValue!
        _ = try LedgerFixtures.pipeline(connection, (0..<300).map { "APPEND " + LedgerFixtures.event(id: "f\($0)", title: "标题\($0)甲") })
        XCTAssertEqual(daemon.stop(), 0)

        // 甲 (E7 94 B2) → E7 94 B3: still valid UTF-8 and canonical JSON. LMDB is copy-on-write,
        // so free pages may hold old copies of the record: change every one.
        let target = 144, seq = Int(base) + target + 1
        let file = URL(fileURLWithPath: daemon.stateDirectory + "/ledger/data.mdb")
        var bytes = try Data(contentsOf: file)
        let needle = Data("标题\(target)甲".utf8)
        var from = bytes.startIndex, changed = 0
        while let range = bytes.range(of: needle, in: from..<bytes.endIndex) {
            bytes[range.upperBound - 1] ^= 0x01
            from = range.upperBound
            changed += 1
        }
        XCTAssertGreaterThan(changed, 0)
        try bytes.write(to: file)

        try daemon.start()
        connection = try daemon.connect()
        let verify = try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))
        XCTAssertEqual(verify["ok"], .bool(false))
        XCTAssertEqual(verify["badSeq"]?.integerValue, Int64(seq))
        let socket = ["--socket", daemon.socketPath]
        let export = directory + "/flipped.ndjson"
        XCTAssertEqual(try client(["audit", "export", "--to", export] + socket).status, 0)
        let audit = try client(["audit", "verify", export, "--key", directory + "/key.pub", "--json"] + socket)
        XCTAssertEqual(audit.status, 1, audit.stderr)
        XCTAssertEqual(try json(audit)["seq"]?.integerValue, Int64(seq), audit.stderr)
    }

    func testExportWithoutASigningKeyIsUnsignedAndWarns() throws {
        let directory = DaemonProcess.temporaryDirectory("gongkai-audit")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let path = directory + "/unsigned.ndjson"
        let run = try client(["audit", "export", "--to", path, "--socket", daemon.socketPath])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("unsigned"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".checkpoint"))
        let size = try LedgerFixtures.okJSON(try daemon.connect().readLineAfter("HEAD"))["size"]?.integerValue
        XCTAssertEqual(try lines(path).count, Int(try XCTUnwrap(size)))
    }
}
