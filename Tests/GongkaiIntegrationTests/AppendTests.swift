import Foundation
import GongkaiClient
import GongkaiJSON
import XCTest

/// Appends through the real socket: group commit, ordering, idempotency, Merkle head.
final class AppendTests: DaemonTestCase {

    func testTenThousandPipelinedAppendsFromEightConnectionsGetEveryOneSeqWithoutGaps() throws {
        let base = try Int(LedgerFixtures.okJSON(daemon.connect().readLineAfter("HEAD"))["size"]!.integerValue!)
        let connections = 8, perConnection = 1_250
        var answers = [[String]](repeating: [], count: connections)
        var sent = [[String]](repeating: [], count: connections)
        let group = DispatchGroup()
        let lock = NSLock()
        for c in 0..<connections {
            group.enter()
            Thread {
                defer { group.leave() }
                let lines = (0..<perConnection).map { "APPEND " + LedgerFixtures.event(id: "c\(c)-e\($0)") }
                let result = (try? LedgerFixtures.pipeline(try self.daemon.connect(), lines)) ?? []
                lock.lock(); answers[c] = result; sent[c] = lines; lock.unlock()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)

        var seqs = Set<Int>()
        for c in 0..<connections {
            XCTAssertEqual(answers[c].count, perConnection)
            var previous = 0
            for (i, answer) in answers[c].enumerated() {
                let json = try LedgerFixtures.okJSON(answer)
                XCTAssertEqual(json["id"]?.stringValue, "c\(c)-e\(i)", "answers come back in request order")
                let seq = Int(json["seq"]!.integerValue!)
                XCTAssertGreaterThan(seq, previous, "a connection's appends keep their order in the log")
                previous = seq
                XCTAssertTrue(seqs.insert(seq).inserted, "seq \(seq) given twice")
            }
        }
        XCTAssertEqual(seqs, Set((base + 1)...(base + connections * perConnection)), "seqs are exactly the next 10,000, no gaps")

        // READ gives back byte-identical records, GET agrees, and HEAD's root is the RFC 6962
        // root recomputed here from those bytes.
        let reader = try daemon.connect()
        let records = try LedgerFixtures.readAll(reader)
        XCTAssertEqual(records.count, base + connections * perConnection)
        for seq in [1, base + 1, records.count / 2, records.count] {
            XCTAssertEqual(try reader.readLineBytesAfter("GET \(seq)"), Array("OK ".utf8) + records[seq - 1])
        }
        for (index, record) in records.enumerated() {
            let value = try JSONParser.parse(record)
            XCTAssertEqual(value["seq"]?.integerValue, Int64(index + 1))
            XCTAssertEqual(CanonicalJSON.encode(value), record, "stored records are canonical JSON")
        }
        let sentEvents = Dictionary(uniqueKeysWithValues: sent.joined().map { line -> (String, JSONValue) in
            let event = try! JSONParser.parse(String(line.dropFirst("APPEND ".count)))
            return (event["id"]!.stringValue!, event)
        })
        for record in records.suffix(connections * perConnection) {
            let event = try JSONParser.parse(record)["event"]!
            XCTAssertEqual(event, sentEvents[event["id"]!.stringValue!], "the record holds the event as sent")
        }
        let head = try LedgerFixtures.okJSON(try reader.readLineAfter("HEAD"))
        XCTAssertEqual(head["size"]?.integerValue, Int64(records.count))
        XCTAssertEqual(head["root"]?.stringValue, LedgerFixtures.merkleRoot(of: records).hex)
        let last = try JSONParser.parse(records.last!)
        XCTAssertEqual(head["recorded"], last["recorded"])
    }

    func testRecordShapeAndAppendAnswer() throws {
        let connection = try daemon.connect()
        let answer = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "shape-1")))
        let seq = answer["seq"]!.integerValue!
        let size = answer["size"]!.integerValue!
        XCTAssertGreaterThanOrEqual(size, seq, "the receipt names a head that contains the record")
        let record = try XCTUnwrap(connection.readLineBytesAfter("GET \(seq)")).dropFirst(3)
        let value = try JSONParser.parse(Array(record))
        XCTAssertEqual(value.objectValue?.keys.sorted(), ["by", "event", "recorded", "seq"])
        XCTAssertEqual(value["by"]?.stringValue, "admin/uid:\(getuid())")
        XCTAssertEqual(answer["leaf"]?.stringValue, LedgerFixtures.leafHex(Array(record)))
        let recorded = try XCTUnwrap(value["recorded"]?.stringValue)
        XCTAssertNotNil(recorded.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression))
        // The answer's root is the root of the commit's head: check it against the records.
        let records = try LedgerFixtures.readAll(connection)
        XCTAssertEqual(answer["root"]?.stringValue, LedgerFixtures.merkleRoot(of: Array(records.prefix(Int(size)))).hex)
    }

    func testRecordedTimeNeverDecreases() throws {
        let connection = try daemon.connect()
        let lines = (0..<500).map { "APPEND " + LedgerFixtures.event(id: "time-\($0)") }
        _ = try LedgerFixtures.pipeline(connection, lines)
        let records = try LedgerFixtures.readAll(connection).map { try JSONParser.parse($0)["recorded"]!.stringValue! }
        XCTAssertEqual(records, records.sorted(), "recorded never decreases")
    }

    func testDuplicateAnswersTheFirstRecordAndConflictWritesNothing() throws {
        let connection = try daemon.connect()
        let event = LedgerFixtures.event(id: "dup-1")
        let first = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + event))
        XCTAssertNil(first["duplicate"])
        _ = try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "dup-2"))
        // Same event with keys in another order and extra spaces is the same event.
        let reordered = #"{ "unit":"czj", "type":"publication.recorded", "id":"dup-1", "at":"2023-05-06", "title":"2023年5月财政预算执行情况", "obligation":"T01" }"#
        let again = try LedgerFixtures.okJSON(try connection.readLineAfter("APPEND " + reordered))
        XCTAssertEqual(again["duplicate"], .bool(true))
        for key in ["seq", "id", "leaf", "size", "root"] { XCTAssertEqual(again[key], first[key], key) }

        let sizeBefore = try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"]
        let conflict = try connection.readLineAfter("APPEND " + LedgerFixtures.event(id: "dup-1", title: "另一个标题"))
        XCTAssertTrue(conflict.hasPrefix("ERR conflict "), conflict)
        XCTAssertEqual(try LedgerFixtures.okJSON(try connection.readLineAfter("HEAD"))["size"], sizeBefore)

        // Within one pipelined burst (one batch) the second copy is a duplicate too.
        let burst = try LedgerFixtures.pipeline(connection, [
            "APPEND " + LedgerFixtures.event(id: "dup-3"), "APPEND " + LedgerFixtures.event(id: "dup-3"),
            "APPEND " + LedgerFixtures.event(id: "dup-3", title: "x"),
        ])
        let original = try LedgerFixtures.okJSON(burst[0]), copy = try LedgerFixtures.okJSON(burst[1])
        XCTAssertEqual(copy["duplicate"], .bool(true))
        XCTAssertEqual(copy["seq"], original["seq"])
        XCTAssertTrue(burst[2].hasPrefix("ERR conflict"), burst[2])
    }

    func testReadYourWritesOnOneConnection() throws {
        let connection = try daemon.connect()
        let answers = try LedgerFixtures.pipeline(connection, [
            "APPEND " + LedgerFixtures.event(id: "ryw-1"), "HEAD", "GET 1",
        ])
        let appended = try LedgerFixtures.okJSON(answers[0])
        XCTAssertEqual(try LedgerFixtures.okJSON(answers[1])["size"], appended["seq"], "HEAD behind an APPEND sees it")
        // GET and READ are answered off the event loop, in their turn: still after the append
        // sent just before them on the same connection.
        let next = try XCTUnwrap(appended["seq"]?.integerValue) + 1
        try connection.sendRaw(Array("APPEND \(LedgerFixtures.event(id: "ryw-2"))\nGET \(next)\nREAD \(next) 10\n".utf8))
        XCTAssertEqual(try LedgerFixtures.okJSON(try XCTUnwrap(connection.readLine()))["seq"]?.integerValue, next)
        let got = try LedgerFixtures.okJSON(try XCTUnwrap(connection.readLine()))
        XCTAssertEqual(got["event"]?["id"]?.stringValue, "ryw-2", "GET behind an APPEND sees it")
        XCTAssertTrue(try XCTUnwrap(connection.readLine()).contains("\"ryw-2\""), "READ behind an APPEND sees it")
    }
}

extension LineConnection {
    func readLineAfter(_ request: String) throws -> String {
        try send(request)
        guard let line = try readLine() else { throw TestFailure("connection closed after \(request)") }
        SentEvents.record(request: request, answer: line)
        return line
    }

    func readLineBytesAfter(_ request: String) throws -> [UInt8] {
        try send(request)
        guard let line = try readLineBytes() else { throw TestFailure("connection closed after \(request)") }
        return line
    }
}
