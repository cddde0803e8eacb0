import GongkaiDomain
import GongkaiJSON
import GongkaiProtocol
import XCTest

/// Start-up's fast path must fold exactly what the full decoder would, and hand back to it
/// (nil) whatever it cannot read plainly.
final class StoredEventScanTests: XCTestCase {
    private let events = [
        #"{"id":"p-1","type":"publication.recorded","unit":"rsj","obligation":"T01","title":"一月工资\"公示\"","column":"c","at":"2023-01-31"}"#,
        #"{"id":"c-1","type":"task.completed","unit":"sfj","obligation":"T06a","evidence":"http://x/y","at":"2023-10-30T23:59:59+08:00","note":"n"}"#,
        #"{"id":"m-1","type":"meeting.held","unit":"zfb","meeting":"report-heard","at":"2023-02-10T16:30:00Z"}"#,
        #"{"id":"q-1","type":"inquiry.received","unit":"czj","inquiry":"2023-依申请-001","channel":"application","simple":false,"at":"2023-03-01"}"#,
        #"{"id":"q-2","type":"inquiry.received","unit":"rsj","inquiry":"h1","channel":"hotline","simple":true,"at":"2023-03-02"}"#,
        #"{"id":"q-3","type":"inquiry.extended","unit":"czj","inquiry":"2023-依申请-001","days":20,"at":"2023-03-20"}"#,
        #"{"id":"q-4","type":"inquiry.paused","unit":"czj","inquiry":"a","at":"2023-03-22"}"#,
        #"{"id":"q-5","type":"inquiry.resumed","unit":"czj","inquiry":"a","at":"2023-03-24"}"#,
        #"{"id":"q-6","type":"inquiry.correction-requested","unit":"czj","inquiry":"a","at":"2023-03-25"}"#,
        #"{"id":"q-7","type":"inquiry.correction-received","unit":"czj","inquiry":"a","at":"2023-03-26"}"#,
        #"{"id":"q-8","type":"inquiry.replied","unit":"czj","inquiry":"a","outcome":"公开","at":"2023-04-01","url":"https://example.org/r"}"#,
        #"{"id":"n-1","type":"notice.issued","unit":"xzspj","level":"county","reason":"栏目\\未更新","bulletin":"b","at":"2023-05-01"}"#,
        #"{"id":"i-1","type":"interview.held","unit":"xzspj","at":"2023-06-01"}"#,
        #"{"id":"v-1","type":"event.voided","target":7,"reason":"重复","at":"2023-06-02"}"#,
    ]

    private func decodeInFull(_ value: JSONValue) throws -> DomainEvent {
        let (id, type) = try EventEnvelope.header(of: value)
        return try DomainEvent.decode(value: value, id: id, type: type)
    }

    private func scanned(_ value: JSONValue) -> DomainEvent.Folded? {
        let bytes = CanonicalJSON.encode(value)
        return bytes.withUnsafeBufferPointer { DomainEvent.scanStored($0, event: 0..<$0.count) }
    }

    private func assertSame(_ left: DomainEvent.Folded, _ right: DomainEvent, _ text: String) {
        XCTAssertEqual(left.type, right.type, text)
        XCTAssertEqual(left.unit, right.unit, text)
        XCTAssertEqual(left.date, right.date, text)
        XCTAssertEqual(String(describing: left.body), String(describing: right.body), text)
    }

    func testEveryFoldedTypeScansAsTheFullDecoderDecodes() throws {
        var types: Set<EventType> = []
        for text in events {
            let value = try JSONParser.parse(text)
            let event = try XCTUnwrap(scanned(value), text)
            assertSame(event, try decodeInFull(value), text)
            types.insert(event.type)
        }
        XCTAssertEqual(types, Set(EventType.allCases).subtracting([.catalogAdopted, .calendarAdopted]), "every type but the adoptions")
    }

    func testAdoptionsAndEscapedFoldedFieldsGoToTheFullDecoder() throws {
        let catalog = try JSONParser.parse(BundledDocuments.catalog)
        XCTAssertNil(scanned(["id": "c", "type": "catalog.adopted", "catalog": catalog]))
        var calendar = try XCTUnwrap(try JSONParser.parse(BundledDocuments.calendars[0]).objectValue)
        calendar["id"] = "k"
        calendar["type"] = "calendar.adopted"
        XCTAssertNil(scanned(.object(calendar)))
        // An escape in a field the projections fold: the fast path does not unescape.
        let escaped = try JSONParser.parse(#"{"id":"q","type":"inquiry.paused","unit":"czj","inquiry":"a\"b","at":"2023-03-22"}"#)
        XCTAssertNil(scanned(escaped))
        XCTAssertEqual(try decodeInFull(escaped).body.inquiry, "a\"b")
        // Shapes only a damaged log could hold are not guessed at either.
        for text in [#"{"id":"q","type":"inquiry.paused","unit":"czj","at":"2023-03-22"}"#,
                     #"{"id":"q","type":"inquiry.extended","unit":"czj","inquiry":"a","days":21,"at":"2023-03-22"}"#,
                     #"{"id":"q","type":"inquiry.received","unit":"czj","inquiry":"a","channel":"hotline","simple":"no","at":"2023-03-22"}"#,
                     #"{"id":"q","type":"no.such","unit":"czj","at":"2023-03-22"}"#,
                     #"{"id":"q","type":"interview.held","unit":"czj","at":"2023-02-30"}"#,
                     #"{"id":"q","type":"interview.held","at":"2023-02-03"}"#,
                     #"{"id":"q","type":"event.voided","target":0,"reason":"r","at":"2023-02-03"}"#,
                     #"{"id":"q","type":"event.voided","target":9007199254740994,"reason":"r","at":"2023-02-03"}"#,
                     #"{"id":"q","type":"inquiry.extended","unit":"czj","inquiry":"a","days":0,"at":"2023-03-22"}"#,
                     #"{"id":"q","type":"inquiry.paused","unit":"czj","inquiry":"","at":"2023-03-22"}"#,
                     #"{"id":"","type":"interview.held","unit":"czj","at":"2023-02-03"}"#] {
            let value = try JSONParser.parse(text)
            XCTAssertNil(scanned(value), text)
            XCTAssertThrowsError(try decodeInFull(value), "the full decoder refuses it too: \(text)")
        }
        // Bytes no canonical encoder writes: a key twice, and a folded text that is not UTF-8.
        let twice = Array(#"{"at":"2023-03-22","id":"q","inquiry":"a","inquiry":"b","type":"inquiry.paused","unit":"czj"}"#.utf8)
        XCTAssertNil(twice.withUnsafeBufferPointer { DomainEvent.scanStored($0, event: 0..<$0.count) })
        var broken = Array(#"{"at":"2023-03-22","id":"q","inquiry":"aX","type":"inquiry.paused","unit":"czj"}"#.utf8)
        broken[broken.firstIndex(of: UInt8(ascii: "X"))!] = 0xFF
        XCTAssertNil(broken.withUnsafeBufferPointer { DomainEvent.scanStored($0, event: 0..<$0.count) })
        XCTAssertThrowsError(try JSONParser.parse(broken))
    }
}
