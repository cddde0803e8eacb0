import XCTest
import GongkaiJSON
import GongkaiMerkle
@testable import GongkaiStorage

/// The pinned record layout, and the canonical-bytes check applied when reading it back.
final class RecordFormatTests: XCTestCase {
    private let event = Array(#"{"id":"e1","type":"interview.held","unit":"u-1"}"#.utf8)
    private let millis: Int64 = 1_683_334_923_004 // 2023-05-06T01:02:03.004Z

    private var expected: String {
        #"{"by":"uid:7","event":{"id":"e1","type":"interview.held","unit":"u-1"},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#
    }

    func testEncodeProducesThePinnedBytes() {
        let bytes = RecordFormat.encode(by: "uid:7", canonicalEvent: event, recordedMillis: millis, seq: 12)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected)
    }

    func testEncodedRecordIsCanonicalJSON() throws {
        let bytes = RecordFormat.encode(by: "uid:7", canonicalEvent: event, recordedMillis: millis, seq: 12)
        XCTAssertEqual(CanonicalJSON.encode(try JSONParser.parse(bytes)), bytes)
    }

    func testPrincipalIsEscapedAsACanonicalString() throws {
        let bytes = RecordFormat.encode(by: "a\"b\\c\n中", canonicalEvent: Array("{}".utf8), recordedMillis: 0, seq: 1)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       #"{"by":"a\"b\\c\n中","event":{},"recorded":"1970-01-01T00:00:00.000Z","seq":1}"#)
        XCTAssertEqual(try RecordFormat.decode(bytes).by, "a\"b\\c\n中")
    }

    /// The prefix made on an event loop, finished by the writer: the pinned bytes and their leaf hash.
    func testPrefixFinishesAsTheWholeRecordWithItsLeafHash() {
        for principal in ["uid:7", "a\"b\\c\n中"] {
            let prefix = RecordFormat.Prefix(by: principal, canonicalEvent: event)
            for seq: UInt64 in [1, 12, 9_007_199_254_740_992] {
                let recorded = RecordedTime.format(millis: millis)
                let record = prefix.record(recorded: recorded, seq: seq)
                let whole = RecordFormat.encode(by: principal, canonicalEvent: event, recordedMillis: millis, seq: seq)
                XCTAssertEqual(record.bytes, whole)
                XCTAssertEqual(record.leaf, RFC6962.leafHash(whole))
            }
        }
        XCTAssertNil(RecordFormat.Prefix(by: "uid:7", canonicalEvent: event, hashing: false).record(recorded: "x", seq: 1).leaf)
    }

    func testLargeSeqIsPlainDigits() {
        let bytes = RecordFormat.encode(by: "uid:0", canonicalEvent: Array("{}".utf8), recordedMillis: 1, seq: 9_007_199_254_740_992)
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).hasSuffix(#","seq":9007199254740992}"#))
    }

    func testDecodeReadsTheFieldsBack() throws {
        let decoded = try RecordFormat.decode(Array(expected.utf8))
        XCTAssertEqual(decoded.by, "uid:7")
        XCTAssertEqual(decoded.event, .object(["id": "e1", "type": "interview.held", "unit": "u-1"]))
        XCTAssertEqual(decoded.recordedMillis, millis)
        XCTAssertEqual(decoded.seq, 12)
    }

    private func assertRejected(_ text: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try RecordFormat.decode(Array(text.utf8)), file: file, line: line) { error in
            XCTAssertEqual((error as? StorageError)?.message, message, "\(error)", file: file, line: line)
        }
    }

    func testDecodeRejectsNonCanonicalSpelling() {
        let notCanonical = "record 12 is not in canonical form"
        assertRejected(#"{"by":"uid:7", "event":{"id":"e1","type":"interview.held","unit":"u-1"},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, notCanonical)
        assertRejected(expected + " ", notCanonical)
        assertRejected("\n" + expected, notCanonical)
        assertRejected(#"{"event":{"id":"e1","type":"interview.held","unit":"u-1"},"by":"uid:7","recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, notCanonical)
        // The event inside must be canonical too.
        assertRejected(#"{"by":"uid:7","event":{"type":"interview.held","id":"e1","unit":"u-1"},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, notCanonical)
        assertRejected(#"{"by":"uid:7","event":{"id":"e1","n":1.0},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, notCanonical)
        assertRejected(#"{"by":"uid:\u0037","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, notCanonical)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":12.0}"#, notCanonical)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":1.2e1}"#, notCanonical)
    }

    func testDecodeRejectsOtherShapes() {
        let shape = "record does not have the pinned shape"
        assertRejected(#"{"by":"uid:7","event":{},"extra":1,"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z"}"#, shape)
        assertRejected(#"{"event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, shape)
        assertRejected(#"{"by":7,"event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, shape)
        assertRejected(#"{"by":"uid:7","event":[],"recorded":"2023-05-06T01:02:03.004Z","seq":12}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03Z","seq":12}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":1683334923004,"seq":12}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":0}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":-1}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":1.5}"#, shape)
        assertRejected(#"{"by":"uid:7","event":{},"recorded":"2023-05-06T01:02:03.004Z","seq":"12"}"#, shape)
        assertRejected(#"[]"#, shape)
    }

    func testDecodeRejectsTextThatIsNotJSON() {
        XCTAssertThrowsError(try RecordFormat.decode(Array("{\"by\":".utf8)))
        XCTAssertThrowsError(try RecordFormat.decode([]))
    }
}

/// `scan`, start-up's fast path, finds the same seq and event bytes that `encode` wrote.
final class RecordFormatScanTests: XCTestCase {
    func testScanFindsSeqAndTheEventBytes() {
        let event = Array(#"{"id":"e1","title":"a\"b","type":"interview.held","unit":"u-1"}"#.utf8)
        for (principal, seq) in [("uid:7", UInt64(12)), ("a\"b\\c\n中", 9_007_199_254_740_992), (#"x","event":{"#, 1),
                                 ("\\", UInt64.max / 2)] {
            let bytes = RecordFormat.encode(by: principal, canonicalEvent: event, recordedMillis: 1_683_334_923_004, seq: seq)
            let scanned = bytes.withUnsafeBufferPointer { RecordFormat.scan($0) }
            XCTAssertEqual(scanned?.seq, seq)
            XCTAssertEqual(scanned.map { Array(bytes[$0.event]) }, event)
        }
    }

    func testScanRefusesWhatIsNotPlainlyARecord() {
        for text in [#"{"by":"u","event":{},"recorded":"x","seq":0}"#, #"{"by":"u","event":{},"recorded":"x"}"#,
                     #"{"by":"u","event":[],"recorded":"x","seq":1}"#, #"{"by":"u","event":{},"recorded":"x","seq":-1}"#,
                     #"{"by":"u","event":{},"extra":1,"recorded":"x","seq":1}"#, "not json"] {
            XCTAssertNil(Array(text.utf8).withUnsafeBufferPointer { RecordFormat.scan($0) }, text)
        }
    }

    func testEveryPrefixOfARecordIsRefused() {
        let bytes = RecordFormat.encode(by: "uid:7", canonicalEvent: Array(#"{"id":"e1","type":"interview.held"}"#.utf8),
                                        recordedMillis: 1, seq: 305)
        for length in 0..<bytes.count {
            XCTAssertNil(Array(bytes[..<length]).withUnsafeBufferPointer { RecordFormat.scan($0) }, "prefix of \(length)")
        }
    }
}
