import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProjections
import GongkaiProtocol
@testable import GongkaiServer
import GongkaiStorage
import XCTest

/// Start-up's rebuild (chunks read and decoded on helper threads, the scanner's fast path,
/// events folded in place) must give exactly the facts of decoding every record in full and
/// folding them one by one, whatever the chunk size.
final class DomainRebuildTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("gongkai-rebuild-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The events: the adoptions, then a mix of every folded type over a few units, with
    /// escapes in fields that are folded (full decoder) and in fields that are not.
    private func events() throws -> [JSONValue] {
        var events: [JSONValue] = [["id": "seed-catalog", "type": "catalog.adopted", "catalog": try JSONParser.parse(BundledDocuments.catalog)]]
        for (index, text) in BundledDocuments.calendars.enumerated() {
            guard case .object(var members) = try JSONParser.parse(text) else { throw ServerError("calendar") }
            members["id"] = .string("seed-calendar-\(index)")
            members["type"] = "calendar.adopted"
            events.append(.object(members))
        }
        let units = ["rsj", "czj", "zfb", "xzspj"]
        for index in 0..<1_200 {
            let unit = JSONValue.string(units[index % units.count])
            let at = JSONValue.string(BusinessDate(year: 2023, month: 1, day: 1).adding(days: index % 360).description)
            let inquiry = JSONValue.string(index % 97 == 0 ? "问\"\(index / 5)\"" : "q-\(index / 5)")
            let event: [String: JSONValue]
            switch index % 10 {
            case 0: event = ["type": "inquiry.received", "unit": unit, "inquiry": inquiry, "channel": "hotline", "simple": .bool(index % 3 == 0), "at": at]
            case 1: event = ["type": "inquiry.extended", "unit": unit, "inquiry": inquiry, "days": .number(Double(1 + index % 20)), "at": at]
            case 2: event = ["type": "inquiry.paused", "unit": unit, "inquiry": inquiry, "at": at]
            case 3: event = ["type": "inquiry.replied", "unit": unit, "inquiry": inquiry, "outcome": "已答复", "at": at]
            case 4: event = ["type": "publication.recorded", "unit": unit, "obligation": "T01", "title": .string("标题\\\"\(index)\""), "at": at]
            case 5: event = ["type": "task.completed", "unit": unit, "obligation": "T06a", "at": .string("2023-10-30T09:00:00+08:00")]
            case 6: event = ["type": "meeting.held", "unit": unit, "meeting": "report-heard", "at": at]
            case 7: event = ["type": "notice.issued", "unit": unit, "level": "county", "reason": "栏目未更新", "at": at]
            case 8: event = ["type": "interview.held", "unit": unit, "at": at, "note": "约谈\n记录"]
            default: event = ["type": "event.voided", "target": .number(Double(10 + index / 2)), "reason": "重复", "at": at]
            }
            var members = event
            members["id"] = .string("e-\(index)")
            events.append(.object(members))
        }
        return events
    }

    /// A readable account of everything the facts hold, to compare two of them.
    private func account(_ facts: LedgerFacts) -> String {
        var lines = ["size \(facts.size) catalogs \(facts.catalogs.map(\.seq)) calendars \(facts.calendars.map(\.seq))",
                     "types \(facts.recordTypes.map(\.rawValue))", "rules \(facts.ruleChanges)",
                     "voids \(facts.voidedBy.sorted { $0.key < $1.key })", "owners \(facts.inquiryOwner.sorted { $0.key < $1.key })"]
        for unit in facts.units.keys.sorted() {
            let unitFacts = facts.units[unit]!
            func dated<Value>(_ list: [Dated<Value>]) -> String { list.map { "\($0.seq)@\($0.date)=\($0.value)" }.joined(separator: ",") }
            lines.append("\(unit) p[\(dated(unitFacts.publications))] c[\(dated(unitFacts.completions))] m[\(dated(unitFacts.meetings))]")
            lines.append("\(unit) n[\(dated(unitFacts.notices))] i[\(dated(unitFacts.interviews))] order \(unitFacts.inquiryOrder)")
            for inquiry in unitFacts.inquiryOrder { lines.append("\(unit) \(inquiry) [\(dated(unitFacts.inquiries[inquiry]!))]") }
        }
        return lines.joined(separator: "\n")
    }

    func testRebuildEqualsDecodingEveryRecordInFullForAnyChunkSize() throws {
        let store = try LedgerStore(directory: directory)
        let records = try events().enumerated().map { offset, event -> (id: String, canonical: [UInt8], record: [UInt8]) in
            let canonical = CanonicalJSON.encode(event)
            let id = event.objectValue!["id"]!.stringValue!
            return (id, canonical, RecordFormat.encode(by: "admin/uid:0", canonicalEvent: canonical, recordedMillis: 1_700_000_000_000, seq: UInt64(offset + 1)))
        }
        // In batches of several sizes, so chunks start and end inside frames of the log.
        var start = 0
        for size in [1, 2, 50, 7, 333, Int.max] where start < records.count {
            let end = min(records.count, size == Int.max ? records.count : start + size)
            _ = try store.appendBatch { batch in
                for record in records[start..<end] {
                    _ = try batch.append(id: record.id, eventDigest: IdEntry.digest(ofCanonicalEvent: record.canonical),
                                         record: record.record, recordedMillis: 1_700_000_000_000)
                }
            }
            start = end
        }
        XCTAssertEqual(store.head.size, UInt64(records.count))
        // The reference: every record through the full decoder, folded one at a time.
        let reference = LedgerFacts()
        var fastPathMisses = 0
        for (offset, record) in records.enumerated() {
            let decoded = try RecordFormat.decode(record.record)
            let (id, type) = try EventEnvelope.header(of: decoded.event)
            reference.apply(seq: UInt64(offset + 1), event: try DomainEvent.decode(value: decoded.event, id: id, type: type))
            let scanned = record.record.withUnsafeBufferPointer { buffer in
                RecordFormat.scan(buffer).flatMap { DomainEvent.scanStored(buffer, event: $0.event) }
            }
            if scanned == nil { fastPathMisses += 1 }
        }
        XCTAssertGreaterThan(fastPathMisses, 5, "adoptions and escaped inquiry ids take the full decoder")
        XCTAssertLessThan(fastPathMisses, records.count / 10, "nearly every record takes the fast path")
        let expected = account(reference)
        for (chunkRecords, helpers) in [(1, 0), (7, 1), (64, 3), (500, 2), (DomainState.rebuildChunkRecords, 1)] {
            let state = DomainState()
            try state.rebuild(from: store, chunkRecords: chunkRecords, helpers: helpers)
            XCTAssertEqual(state.read(account), expected, "chunks of \(chunkRecords), \(helpers) helpers")
        }
    }

    /// A frame of the append log damaged in the middle (the open reads only the last one)
    /// stops the rebuild with a damage report and the advice to restore a backup.
    func testADamagedFrameOfTheLogStopsTheRebuild() throws {
        let store = try LedgerStore(directory: directory)
        for batchStart in stride(from: UInt64(1), through: 11, by: 5) {
            _ = try store.appendBatch { batch in
                for seq in batchStart..<(batchStart + 5) {
                    let event = Array(#"{"at":"2023-03-01","id":"e-\#(seq)","type":"interview.held","unit":"rsj"}"#.utf8)
                    let record = RecordFormat.encode(by: "admin/uid:0", canonicalEvent: event, recordedMillis: 1, seq: seq)
                    _ = try batch.append(id: "e-\(seq)", eventDigest: IdEntry.digest(ofCanonicalEvent: event), record: record, recordedMillis: 1)
                }
            }
        }
        XCTAssertNoThrow(try DomainState().rebuild(from: store))
        // The second frame's first seq (header bytes 8...15) says 9 instead of 6.
        var secondFrameStart: UInt64 = 0
        try AppendLog(directory: directory).forEachFrame { frame, end in
            if frame.firstSeq == 1 { secondFrameStart = end }
        }
        let log = try FileHandle(forUpdating: URL(fileURLWithPath: directory + "/" + AppendLog.fileName))
        try log.seek(toOffset: secondFrameStart + 8)
        try log.write(contentsOf: [9])
        try log.close()
        XCTAssertThrowsError(try DomainState().rebuild(from: store)) { error in
            XCTAssertTrue("\(error)".contains("starts at seq 9, not 6"), "\(error)")
            XCTAssertTrue("\(error)".contains("restore a backup"), "\(error)")
        }
    }

    /// A damaged log stops the rebuild with an error naming the first bad record, whichever
    /// thread decoded it, and nothing traps.
    func testADamagedRecordStopsTheRebuildAtTheFirstBadSeq() throws {
        let store = try LedgerStore(directory: directory)
        let good = Array(#"{"at":"2023-03-01","id":"ID","type":"interview.held","unit":"rsj"}"#.utf8)
        let undecodable = Array(#"{"at":"2023-03-01","id":"ID","type":"no.such","unit":"rsj"}"#.utf8)
        _ = try store.appendBatch { batch in
            for seq in UInt64(1)...1_000 {
                var event = seq == 600 ? undecodable : good
                event.replaceSubrange(event.firstRange(of: Array("ID".utf8))!, with: Array("e-\(seq)".utf8))
                // Record 100 claims to be another record; 600 holds an event of no known type.
                let record = RecordFormat.encode(by: "admin/uid:0", canonicalEvent: event, recordedMillis: 1, seq: seq == 100 ? 7 : seq)
                _ = try batch.append(id: "e-\(seq)", eventDigest: IdEntry.digest(ofCanonicalEvent: event), record: record, recordedMillis: 1)
            }
        }
        for (chunkRecords, helpers) in [(1_000, 3), (100, 1), (7, 0)] {
            XCTAssertThrowsError(try DomainState().rebuild(from: store, chunkRecords: chunkRecords, helpers: helpers)) { error in
                XCTAssertTrue("\(error)".contains("record 100 "), "chunks of \(chunkRecords): \(error)")
            }
        }
        let record600 = try XCTUnwrap(store.record(600))
        XCTAssertThrowsError(try record600.withUnsafeBufferPointer { try DomainState.decodeStored(seq: 600, bytes: $0) }) { error in
            XCTAssertTrue("\(error)".contains("record 600 "), "\(error)")
        }
    }
}
