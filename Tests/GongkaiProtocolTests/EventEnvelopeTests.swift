import XCTest
import GongkaiJSON
@testable import GongkaiProtocol

/// The envelope checks of an APPEND: JSON object, size limit, id and type.
final class EventEnvelopeTests: XCTestCase {
    func testValidEventGivesIdTypeAndCanonicalBytes() throws {
        let event = try envelope(#"{ "type": "interview.held", "unit": "u-1", "id": "evt-1", "at": "2024-01-02", "n": 1.50 }"#)
        XCTAssertEqual(event.id, "evt-1")
        XCTAssertEqual(event.type, .interviewHeld)
        XCTAssertEqual(String(decoding: event.canonical, as: UTF8.self),
                       #"{"at":"2024-01-02","id":"evt-1","n":1.5,"type":"interview.held","unit":"u-1"}"#)
        XCTAssertEqual(event.value["unit"], "u-1")
    }

    func testCanonicalBytesDoNotDependOnSpelling() throws {
        let first = try envelope(#"{"id":"\u4e2d","type":"meeting.held","meeting":"report-heard"}"#)
        let second = try envelope("{\n\t\"meeting\" : \"report-heard\",\"type\":\"meeting.held\",\"id\":\"中\"}")
        XCTAssertEqual(first.canonical, second.canonical)
        XCTAssertEqual(String(decoding: first.canonical, as: UTF8.self), #"{"id":"中","meeting":"report-heard","type":"meeting.held"}"#)
    }

    func testInitFromValueEncodesCanonically() throws {
        let event = try EventEnvelope(value: ["type": "event.voided", "id": "v1", "target": 3, "reason": "typo"])
        XCTAssertEqual(event.type, .eventVoided)
        XCTAssertEqual(String(decoding: event.canonical, as: UTF8.self), #"{"id":"v1","reason":"typo","target":3,"type":"event.voided"}"#)
    }

    func testNonObjectJSONIsAnInvalidEvent() {
        for json in ["[]", "[{\"id\":\"a\",\"type\":\"interview.held\"}]", "\"id\"", "1", "null", "true"] {
            assertEventRefused(json, .invalidEvent, "an event must be a JSON object")
        }
    }

    func testMissingOrMistypedIdAndType() {
        assertEventRefused(#"{"type":"interview.held"}"#, .invalidEvent, "id: missing")
        assertEventRefused(#"{"id":1,"type":"interview.held"}"#, .invalidEvent, "id: must be a string")
        assertEventRefused(#"{"id":null,"type":"interview.held"}"#, .invalidEvent, "id: must be a string")
        assertEventRefused(#"{"id":["a"],"type":"interview.held"}"#, .invalidEvent, "id: must be a string")
        assertEventRefused(#"{"id":"a"}"#, .invalidEvent, "type: missing")
        assertEventRefused(#"{"id":"a","type":7}"#, .invalidEvent, "type: must be a string")
        assertEventRefused(#"{"id":"a","type":{"name":"interview.held"}}"#, .invalidEvent, "type: must be a string")
        assertEventRefused(#"{}"#, .invalidEvent, "id: missing")
        // Keys are case-sensitive.
        assertEventRefused(#"{"ID":"a","type":"interview.held"}"#, .invalidEvent, "id: missing")
    }

    func testMalformedJSONIsInvalidJSONWithTheParserMessage() {
        assertEventRefused("{", .invalidJSON, "expected a string key at byte 1")
        assertEventRefused("", .invalidJSON, "unexpected end of input at byte 0")
        assertEventRefused(#"{"id":"a","type":"interview.held",}"#, .invalidJSON, "expected a string key at byte 34")
        assertEventRefused(#"{"id":"a","id":"b","type":"interview.held"}"#, .invalidJSON, #"duplicate key "id" at byte 10"#)
        assertEventRefused(#"{"id":"\ud800","type":"interview.held"}"#, .invalidJSON, "lone surrogate in string at byte 7")
        assertEventRefused([0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], .invalidJSON, "string is not valid UTF-8 at byte 7")
        assertEventRefused(#"{"id":"a","type":"interview.held"} x"#, .invalidJSON)
        assertEventRefused(#"{"id":"a","type":"interview.held","n":NaN}"#, .invalidJSON)
    }

    func testSizeLimitIs256KiBOfJSON() throws {
        XCTAssertEqual(ProtocolLimits.maxEventBytes, 262_144)
        let head = #"{"id":"big","type":"interview.held","note":""#
        let tail = #""}"#
        let exact = head + String(repeating: "a", count: 262_144 - head.utf8.count - tail.utf8.count) + tail
        XCTAssertEqual(exact.utf8.count, 262_144)
        XCTAssertEqual(try envelope(exact).id, "big")

        let over = head + String(repeating: "a", count: 262_145 - head.utf8.count - tail.utf8.count) + tail
        assertEventRefused(over, .tooLarge, "event is 262145 bytes; the limit is 262144")
        // The size is checked first, even for text that is not JSON.
        assertEventRefused(Array(repeating: 0x7B, count: 300_000), .tooLarge, "event is 300000 bytes; the limit is 262144")
    }
}

/// The 15 pinned event types of DESIGN.md section 2, written out so that a rename fails here.
final class EventTypeTests: XCTestCase {
    static let pinnedTypes = [
        "catalog.adopted",
        "calendar.adopted",
        "publication.recorded",
        "task.completed",
        "meeting.held",
        "inquiry.received",
        "inquiry.extended",
        "inquiry.paused",
        "inquiry.resumed",
        "inquiry.correction-requested",
        "inquiry.correction-received",
        "inquiry.replied",
        "notice.issued",
        "interview.held",
        "event.voided",
    ]

    func testExactlyThePinnedTypesExist() {
        XCTAssertEqual(EventType.allCases.count, 15)
        XCTAssertEqual(EventType.allCases.map(\.rawValue), Self.pinnedTypes)
    }

    func testEveryPinnedTypeIsAcceptedByTheEnvelope() throws {
        for (index, name) in Self.pinnedTypes.enumerated() {
            let event = try envelope(#"{"id":"t\#(index)","type":"\#(name)"}"#)
            XCTAssertEqual(event.type.rawValue, name)
            XCTAssertEqual(event.type, EventType(rawValue: name))
        }
    }

    func testOtherTypesAreRefused() {
        for name in ["", "Interview.held", "INTERVIEW.HELD", "interview.held ", " interview.held", "interview_held",
                     "interview", "inquiry.correction_requested", "event.void", "catalog.adopted.v2"] {
            assertEventRefused(#"{"id":"a","type":"\#(name)"}"#, .invalidEvent, "type: unknown event type \"\(name)\"")
        }
    }

    func testUnknownTypeIsQuotedOnlyInPart() {
        let long = String(repeating: "t", count: 100)
        assertEventRefused(#"{"id":"a","type":"\#(long)"}"#, .invalidEvent,
                           "type: unknown event type \"\(String(repeating: "t", count: 64))\"")
    }
}
