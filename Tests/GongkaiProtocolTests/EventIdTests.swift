import XCTest
import GongkaiJSON
@testable import GongkaiProtocol

/// DESIGN.md section 2: an id is 1–128 visible characters (counted in Unicode scalars).
final class EventIdTests: XCTestCase {
    private func event(id: String) -> JSONValue {
        ["id": .string(id), "type": "interview.held"]
    }

    private func assertAccepted(_ id: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try EventEnvelope(value: event(id: id)).id, id, file: file, line: line)
    }

    private func assertRefusedId(_ id: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try EventEnvelope(value: event(id: id)), file: file, line: line) { error in
            XCTAssertEqual(error as? ProtocolError, ProtocolError(.invalidEvent, message), file: file, line: line)
        }
    }

    func testLengthIsOneTo128Scalars() {
        XCTAssertEqual(ProtocolLimits.maxIdScalars, 128)
        assertAccepted("a")
        assertAccepted(String(repeating: "x", count: 128))
        assertRefusedId("", "id: must not be empty")
        assertRefusedId(String(repeating: "x", count: 129), "id: 129 characters; at most 128")
    }

    func testCJKIdsCountCharactersNotBytes() {
        // 128 CJK characters are 384 UTF-8 bytes and still fit.
        assertAccepted(String(repeating: "公", count: 128))
        assertRefusedId(String(repeating: "公", count: 129), "id: 129 characters; at most 128")
        // Astral characters count once each, though they are two UTF-16 units.
        assertAccepted(String(repeating: "😀", count: 128))
        assertRefusedId(String(repeating: "😀", count: 129), "id: 129 characters; at most 128")
    }

    func testVisibleCharactersAreAccepted() {
        for id in ["evt-2024-001", "公开/2024/第1号", "a.b_c~d!e@f#g$h%i^j&k*l(m)n", "\"quoted\"", "back\\slash",
                   "😀", "🇨🇳", "1\u{FE0F}\u{20E3}", "é", "e\u{301}", "Ω≈ç√", "\u{7E}", "\u{A1}"] {
            assertAccepted(id)
        }
    }

    func testInvisibleCharactersAreRefusedByCodePoint() {
        let cases: [(String, String)] = [
            ("a b", "20"), (" a", "20"), ("a ", "20"),
            ("a\tb", "9"), ("\n", "A"), ("a\u{0}", "0"), ("\u{1F}", "1F"), ("\u{7F}", "7F"), ("\u{85}", "85"), ("\u{9F}", "9F"),
            ("a\u{A0}b", "A0"), ("\u{3000}", "3000"), ("\u{2003}", "2003"),
            ("a\u{200B}b", "200B"), ("\u{FEFF}a", "FEFF"), ("\u{200E}", "200E"), ("\u{AD}", "AD"),
            ("\u{2028}", "2028"), ("\u{2029}", "2029"),
            ("\u{E000}", "E000"), ("\u{F8FF}", "F8FF"), ("\u{F0000}", "F0000"), ("\u{10FFFD}", "10FFFD"),
            ("\u{378}", "378"), ("\u{E0001}", "E0001"),
        ]
        for (id, hex) in cases {
            assertRefusedId(id, "id: character U+\(hex) is not visible")
        }
    }

    func testTheASCIIFastPathAgreesWithTheUnicodeCategories() {
        for value in UInt32(0)..<128 {
            let scalar = Unicode.Scalar(value)!
            let visible: Bool
            switch scalar.properties.generalCategory {
            case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
                visible = false
            default:
                visible = true
            }
            XCTAssertEqual((try? EventEnvelope.checkId("a" + String(scalar))) != nil, visible, "U+\(String(value, radix: 16))")
        }
    }

    func testIdRulesApplyThroughParseToo() {
        assertEventRefused(#"{"id":"a\u00a0b","type":"interview.held"}"#, .invalidEvent, "id: character U+A0 is not visible")
        assertEventRefused(#"{"id":"","type":"interview.held"}"#, .invalidEvent, "id: must not be empty")
        assertEventRefused(#"{"id":"\u0001","type":"interview.held"}"#, .invalidEvent, "id: character U+1 is not visible")
    }

    func testIdIsCheckedBeforeType() {
        assertEventRefused(#"{"id":"","type":"nope"}"#, .invalidEvent, "id: must not be empty")
    }
}
