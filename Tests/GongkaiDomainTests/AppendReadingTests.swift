import GongkaiDomain
import GongkaiJSON
import GongkaiProtocol
import XCTest

/// The fast reading of an APPEND (straight from canonical bytes) must take the events that
/// clients send every day, and accept only what the general reading accepts, as the same
/// event with the same stored bytes.
final class AppendReadingTests: XCTestCase {
    /// Canonical events of every type the fast reading takes, with plain values.
    private let plainEvents = [
        #"{"at":"2023-01-31","column":"c","id":"p-1","obligation":"T01","title":"一月工资公示","type":"publication.recorded","unit":"rsj"}"#,
        #"{"at":"2023-10-30T23:59:59+08:00","evidence":"http://x/y","id":"c-1","note":"n","obligation":"T06a","type":"task.completed","unit":"sfj"}"#,
        #"{"at":"2023-02-10T16:30:00Z","id":"m-1","meeting":"report-heard","type":"meeting.held","unit":"zfb"}"#,
        #"{"at":"2023-03-01","channel":"application","id":"q-1","inquiry":"2023-依申请-001","simple":false,"type":"inquiry.received","unit":"czj"}"#,
        #"{"at":"2023-03-02","channel":"hotline","id":"q-2","inquiry":"h1","simple":true,"type":"inquiry.received","unit":"县财政局"}"#,
        #"{"at":"2023-03-20","days":20,"id":"q-3","inquiry":"2023-依申请-001","type":"inquiry.extended","unit":"czj"}"#,
        #"{"at":"2023-03-22","id":"q-4","inquiry":"a","type":"inquiry.paused","unit":"czj"}"#,
        #"{"at":"2023-03-24","id":"q-5","inquiry":"a","type":"inquiry.resumed","unit":"czj"}"#,
        #"{"at":"2023-03-25","id":"q-6","inquiry":"a","type":"inquiry.correction-requested","unit":"czj"}"#,
        #"{"at":"2023-03-26","id":"q-7","inquiry":"a","type":"inquiry.correction-received","unit":"czj"}"#,
        #"{"at":"2023-04-01","id":"q-8","inquiry":"a","outcome":"公开","type":"inquiry.replied","unit":"czj","url":"https://example.org/r"}"#,
        #"{"at":"2023-05-01","bulletin":"b","id":"n-1","level":"county","reason":"栏目未更新","type":"notice.issued","unit":"xzspj"}"#,
        #"{"at":"2023-06-01","id":"i-1","type":"interview.held","unit":"xzspj"}"#,
        #"{"at":"2023-06-02","id":"v-1","reason":"重复","target":7,"type":"event.voided"}"#,
    ]

    private func general(_ json: [UInt8]) -> (envelope: EventEnvelope, event: DomainEvent)? {
        guard let envelope = try? EventEnvelope.parse(json), let event = try? DomainEvent.decode(envelope) else { return nil }
        return (envelope, event)
    }

    private func same(_ left: DomainEvent, _ right: DomainEvent) -> Bool {
        left.id == right.id && left.type == right.type && left.unit == right.unit && left.date == right.date
            && String(describing: left.body) == String(describing: right.body)
    }

    /// Whatever the fast reading accepts, the general one accepts as the same event, and
    /// the bytes are already what the general reading would store.
    private func assertAgrees(_ json: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        guard let fast = AppendReading.readCanonical(json) else { return }
        let text = String(decoding: json, as: UTF8.self)
        guard let general = general(json) else {
            return XCTFail("read fast but refused in general: \(text)", file: file, line: line)
        }
        XCTAssertEqual(fast.envelope.canonical, json, text, file: file, line: line)
        XCTAssertEqual(general.envelope.canonical, json, "called canonical but encodes otherwise: \(text)", file: file, line: line)
        XCTAssertEqual(fast.envelope.id, general.envelope.id, text, file: file, line: line)
        XCTAssertEqual(fast.envelope.type, general.envelope.type, text, file: file, line: line)
        XCTAssertEqual(fast.envelope.value, general.envelope.value, text, file: file, line: line)
        guard case .success(let event) = fast.decoded else { return XCTFail("read fast as a refusal: \(text)", file: file, line: line) }
        XCTAssertTrue(same(event, general.event), "\(event) against \(general.event)", file: file, line: line)
    }

    func testPlainCanonicalEventsOfEveryTypeAreReadFast() throws {
        for text in plainEvents {
            let json = Array(text.utf8)
            XCTAssertNotNil(AppendReading.readCanonical(json), text)
            assertAgrees(json)
            let reading = try AppendReading(json)
            XCTAssertEqual(reading.envelope.canonical, json)
        }
    }

    /// Anything not plain canonical goes the general way: the same event, or the same refusal.
    func testOtherSpellingsAndBadEventsGoTheGeneralWay() throws {
        let notFast = [
            // Not canonical: whitespace, key order, an escape, a number spelled otherwise.
            #"{"at":"2023-06-01", "id":"i-1","type":"interview.held","unit":"xzspj"}"#,
            #"{"id":"i-1","at":"2023-06-01","type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-06-01","id":"i\u002d1","type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-03-20","days":2.0,"id":"q-3","inquiry":"x","type":"inquiry.extended","unit":"czj"}"#,
            #"{"at":"2023-03-20","days":2e0,"id":"q-3","inquiry":"x","type":"inquiry.extended","unit":"czj"}"#,
            #"{"at":"2023-03-20","days":-0,"id":"q-3","inquiry":"x","type":"inquiry.extended","unit":"czj"}"#,
            // Canonical, but not plain members: catalogs and calendars, null, arrays, long numbers.
            #"{"at":"2023-06-01","id":"i-1","note":null,"type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-06-01","id":"i-1","note":["x"],"type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-06-02","id":"v-1","reason":"r","target":1000000000000000,"type":"event.voided"}"#,
            // Refused: a duplicate key, an unknown field, a missing one, a bad value, a bad id.
            #"{"at":"2023-06-01","at":"2023-06-02","id":"i-1","type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-06-01","colour":"red","id":"i-1","type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-06-01","id":"i-1","type":"interview.held"}"#,
            #"{"at":"2023-06-01","id":"m-1","meeting":"party","type":"meeting.held","unit":"zfb"}"#,
            #"{"at":"2023-06-01","id":"i 1","type":"interview.held","unit":"xzspj"}"#,
            #"{"at":"2023-06-01","id":"i-1","type":"interview.heard","unit":"xzspj"}"#,
            #"{"at":"2023-06-01","id":"i-1","type":"interview.held","unit":""}"#,
            #"{"at":"2023-06-01","id":"i-1","title":"t","type":"interview.held","unit":"xzspj"}"#,
        ]
        for text in notFast {
            let json = Array(text.utf8)
            XCTAssertNil(AppendReading.readCanonical(json), text)
            // The general reading decides: the same envelope error, or the same decoding.
            let envelope = Result { try EventEnvelope.parse(json) }
            switch (envelope, Result { try AppendReading(json) }) {
            case (.failure(let expected), .failure(let got)):
                XCTAssertEqual("\(got)", "\(expected)", text)
            case (.success(let envelope), .success(let reading)):
                XCTAssertEqual(reading.envelope.canonical, envelope.canonical, text)
                let expected = Result { try DomainEvent.decode(envelope) }
                switch (expected, reading.decoded) {
                case (.failure(let expected), .failure(let got)): XCTAssertEqual("\(got)", "\(expected)", text)
                case (.success(let expected), .success(let got)): XCTAssertTrue(same(got, expected), text)
                default: XCTFail("decoded differently: \(text)")
                }
            default:
                XCTFail("envelope read differently: \(text)")
            }
        }
        let catalogEvent = CanonicalJSON.encode(["id": "cat-1", "type": "catalog.adopted", "catalog": try JSONParser.parse(BundledDocuments.catalog)])
        XCTAssertNotNil(general(catalogEvent), "the seed catalog is an event")
        XCTAssertNil(AppendReading.readCanonical(catalogEvent), "catalogs take the general way")
    }

    /// Decoding works on `EventFields` now: a refusal still names the same field, with the
    /// same words, as the decoder over a dictionary did (the answers are written out here).
    func testRefusalsNameTheFieldTheyAlwaysNamed() throws {
        let refusals = [
            (#"{"at":"2023-06-01","colour":"red","id":"i-1","title":"t","type":"interview.held","unit":"xzspj"}"#,
             "colour: is not a field of interview.held"),
            (#"{"at":"2023-06-01","id":"i-1","title":"t","type":"interview.held","unit":"xzspj","zebra":1}"#,
             "title: is not a field of interview.held"),
            (#"{"at":"2023-06-02","id":"v-1","reason":"r","target":1,"type":"event.voided","unit":"czj"}"#,
             "unit: is not a field of event.voided"),
            (#"{"at":"2023-03-01","id":"q-1","type":"inquiry.received","unit":"czj"}"#, "channel: missing"),
            (#"{"at":"2023-03-01","channel":"hotline","id":"q-1","inquiry":"a","simple":null,"type":"inquiry.received","unit":"czj"}"#,
             "simple: must be true or false"),
            (#"{"at":"2023-03-01","channel":"fax","id":"q-1","inquiry":"a","simple":true,"type":"inquiry.received","unit":"czj"}"#,
             "channel: must be hotline, mailbox, online or application"),
            (#"{"at":"2023-05-01","bulletin":"","id":"n-1","level":"county","reason":"","type":"notice.issued","unit":"xzspj"}"#,
             "reason: must not be empty"),
            (#"{"at":"2023-05-01","id":"n-1","level":"county","note":1,"reason":"r","type":"notice.issued","unit":""}"#,
             "note: must be a string"),
            (#"{"id":"p-1","obligation":"T01","title":"t","type":"publication.recorded","unit":"rsj"}"#, "at: missing"),
            (#"{"at":"2023-03-20","days":21,"id":"q-3","inquiry":"a","type":"inquiry.extended","unit":"czj"}"#,
             "days: must be a whole number of working days from 1 to 20"),
        ]
        for (text, expected) in refusals {
            let reading = try AppendReading(Array(text.utf8))
            guard case .failure(let error) = reading.decoded else { XCTFail("accepted: \(text)"); continue }
            XCTAssertEqual("\(error)", expected, text)
        }
    }

    /// Every one-byte change of the plain events (removed, doubled, or replaced by a byte that
    /// JSON or UTF-8 treats specially): whatever the fast reading still accepts, the general
    /// one accepts as the same event.
    func testEveryOneByteChangeIsReadFastOnlyWhenTheGeneralReadingAgrees() {
        let replacements: [UInt8] = [0x20, 0x5C, 0x22, 0x30, 0x31, 0x2D, 0x41, 0x7A, 0x7F, 0xC3, 0xA9, 0xFF, 0x7D, 0x2C, 0x3A, 0x00, 0x2E, 0x65]
        var readFast = 0
        for text in plainEvents {
            let json = Array(text.utf8)
            for index in json.indices {
                var removed = json
                removed.remove(at: index)
                var doubled = json
                doubled.insert(json[index], at: index)
                for variant in [removed, doubled] + replacements.map({ byte in
                    var replaced = json
                    replaced[index] = byte
                    return replaced
                }) {
                    if AppendReading.readCanonical(variant) != nil { readFast += 1 }
                    assertAgrees(variant)
                }
            }
        }
        // Changing a letter of an id, a unit or a title keeps many events readable fast.
        XCTAssertGreaterThan(readFast, 1_000, "the changed events that stay plain are compared too")
    }
}
