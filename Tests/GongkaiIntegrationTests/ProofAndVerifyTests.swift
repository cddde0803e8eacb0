import Foundation
import GongkaiClient
import GongkaiJSON
import GongkaiMerkle
import XCTest

/// PROOF INCLUSION / CONSISTENCY against roots recomputed from the records, VERIFY on a
/// healthy ledger and on one with a byte flipped inside a record, and answer digests.
final class ProofAndVerifyTests: XCTestCase {
    func hashes(_ json: JSONValue) -> [MerkleHash] { json["hashes"]!.arrayValue!.map { MerkleHash(hex: $0.stringValue!)! } }

    func testProofsVerifyAgainstRootsRecomputedFromTheRecords() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        _ = try LedgerFixtures.pipeline(connection, (0..<200).map { "APPEND " + LedgerFixtures.event(id: "p\($0)") })
        let records = try LedgerFixtures.readAll(connection)
        let leaves = records.map { RFC6962.leafHash($0) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<60 {
            let size = UInt64.random(in: 1...UInt64(records.count), using: &generator)
            let seq = UInt64.random(in: 1...size, using: &generator)
            let proof = try LedgerFixtures.okJSON(try connection.readLineAfter("PROOF INCLUSION \(seq) \(size)"))
            let root = LedgerFixtures.merkleRoot(of: Array(records.prefix(Int(size))))
            XCTAssertEqual(proof["leaf"]?.stringValue, leaves[Int(seq) - 1].hex)
            XCTAssertEqual(proof["root"]?.stringValue, root.hex)
            XCTAssertNoThrow(try MerkleProof.verifyInclusion(leafIndex: seq - 1, size: size, leaf: leaves[Int(seq) - 1],
                                                             proof: hashes(proof), root: root), "seq \(seq) size \(size)")
            let old = UInt64.random(in: 1...size, using: &generator)
            let consistency = try LedgerFixtures.okJSON(try connection.readLineAfter("PROOF CONSISTENCY \(old) \(size)"))
            XCTAssertNoThrow(try MerkleProof.verifyConsistency(oldSize: old, newSize: size,
                                                               oldRoot: LedgerFixtures.merkleRoot(of: Array(records.prefix(Int(old)))),
                                                               newRoot: root, proof: hashes(consistency)), "\(old) → \(size)")
        }
        let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        let latest = try LedgerFixtures.okJSON(try connection.readLineAfter("PROOF INCLUSION 3"))
        XCTAssertEqual(latest["size"], head["size"], "size defaults to the head")
        for bad in ["PROOF INCLUSION 0", "PROOF INCLUSION 5 4", "PROOF INCLUSION 1 999999", "PROOF CONSISTENCY 9 3", "PROOF SIDEWAYS 1", "PROOF"] {
            XCTAssertTrue(try connection.readLineAfter(bad).hasPrefix("ERR bad-request"), bad)
        }
        XCTAssertTrue(try connection.readLineAfter("PROOF INCLUSION 999999").hasPrefix("ERR not-found"))
    }

    /// One VERIFY or BACKUP per connection at a time: the slow requests of every connection
    /// share one queue, and a pipeline of VERIFYs held everyone's (an adversarial test).
    func testAConnectionRunsOneSlowRequestAtATime() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        try connection.sendRaw(Array("VERIFY\nVERIFY\nPING\n".utf8))
        XCTAssertTrue(try connection.readLine()?.hasPrefix(#"OK {"ok":true"#) ?? false)
        XCTAssertEqual(try connection.readLine(),
                       "ERR unavailable this connection's VERIFY or BACKUP is still running; send the next once it is answered")
        XCTAssertEqual(try connection.readLine(), #"OK {"pong":true}"#)
        XCTAssertTrue(try connection.readLineAfter("VERIFY").hasPrefix(#"OK {"ok":true"#), "once answered, the next is taken")
    }

    func testVerifyPassesThenNamesTheRecordWhoseByteWasFlipped() throws {
        let daemon = DaemonProcess()
        defer { daemon.removeFiles() }
        try daemon.start()
        var connection = try daemon.connect()
        _ = try LedgerFixtures.pipeline(connection, (0..<300).map { "APPEND " + LedgerFixtures.event(id: "v\($0)", title: "标题\($0)甲") })
        let verified = try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))
        let head = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))
        XCTAssertEqual(verified["ok"], .bool(true))
        XCTAssertEqual(verified["root"], head["root"])
        XCTAssertEqual(verified["size"], head["size"])
        // `gongkai verify` is what cron runs: its exit status carries the verdict.
        let client = URL(fileURLWithPath: DaemonProcess.binary).deletingLastPathComponent().appendingPathComponent("gongkai").path
        let whole = try ToolProcess.run(client, ["verify", "--socket", daemon.socketPath])
        XCTAssertEqual(whole.status, 0, whole.output)
        let target = try JSONParser.parse(String(try connection.readLineAfter("GET 150").dropFirst(3)))
        XCTAssertEqual(daemon.stop(), 0)

        // Change one character of record 150's title inside the LMDB file; the JSON stays valid.
        let data = daemon.stateDirectory + "/ledger/data.mdb"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: data))
        let needle = Data("标题144甲".utf8)
        XCTAssertEqual(target["event"]?["title"]?.stringValue, "标题144甲")
        // LMDB is copy-on-write, so free pages may hold old copies: change every one.
        var searchFrom = bytes.startIndex
        var changed = 0
        while let range = bytes.range(of: needle, in: searchFrom..<bytes.endIndex) {
            bytes[range.upperBound - 1] ^= 0x01  // 甲 (E7 94 B2) → E7 94 B3: still valid UTF-8
            searchFrom = range.upperBound
            changed += 1
        }
        XCTAssertGreaterThan(changed, 0)
        try bytes.write(to: URL(fileURLWithPath: data))

        try daemon.start()
        connection = try daemon.connect()
        // Still whole JSON, so served as stored (README: Damage): an export taken now is
        // located by `audit verify`, against the signed root.
        XCTAssertTrue(try connection.readLineAfter("GET 150").contains("标题144申"))
        let damaged = try LedgerFixtures.okJSON(try connection.readLineAfter("VERIFY"))
        XCTAssertEqual(damaged["ok"], .bool(false))
        XCTAssertEqual(damaged["badSeq"]?.integerValue, 150, "\(damaged)")
        XCTAssertTrue(daemon.log.contains("VERIFY found the ledger damaged at seq 150"), daemon.log)
        let damage = try ToolProcess.run(client, ["verify", "--socket", daemon.socketPath])
        XCTAssertEqual(damage.status, 1, damage.output)
        XCTAssertTrue(damage.output.contains("the ledger is damaged at seq 150"), damage.output)
        XCTAssertEqual(daemon.stop(), 0)
    }

    func testQueryAnswersCarryADigestOfTheirCanonicalJSON() throws {
        let daemon = DaemonProcess()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let connection = try daemon.connect()
        for question in ["COMPLIANCE czj asof=2023-12-31", "ESCALATIONS asof=2023-12-31", "BULLETIN 2023-06"] {
            guard case .object(var answer) = try LedgerFixtures.okJSON(try connection.readLineAfter(question)) else { return XCTFail() }
            let digest = try XCTUnwrap(answer.removeValue(forKey: "digest")?.stringValue, question)
            XCTAssertNotNil(answer["known"], question)
            let expected = SHA256Hex.of(CanonicalJSON.encode(.object(answer)))
            XCTAssertEqual(digest, expected, question)
        }
    }
}

enum SHA256Hex {
    /// SHA-256 by the system's sha256sum: computed outside the daemon's code.
    static func of(_ bytes: [UInt8]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(bytes))
        input.fileHandleForWriting.closeFile()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }
}
