import Foundation
import XCTest
@testable import GongkaiJSON

/// RFC 8785 section 3.2.2.2: strings are escaped exactly as JSON.stringify does it.
final class CanonicalStringEscapingTests: XCTestCase {
    private func encoded(_ text: String) -> String {
        CanonicalJSON.encodeString(.string(text))
    }

    func testShortEscapesForQuoteBackslashAndFiveControls() {
        XCTAssertEqual(encoded("\"\\\u{08}\u{0C}\n\r\t"), #""\"\\\b\f\n\r\t""#)
    }

    func testOtherControlsUseLowercaseSixCharacterEscapes() {
        XCTAssertEqual(encoded("\u{00}"), #""\u0000""#)
        XCTAssertEqual(encoded("\u{01}\u{0B}\u{0E}\u{0F}\u{1A}\u{1F}"), #""\u0001\u000b\u000e\u000f\u001a\u001f""#)
    }

    func testEveryControlCharacterHasItsExpectedEscape() {
        let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for byte in UInt8(0)..<0x20 {
            let expected = short[byte] ?? String(format: "\\u%04x", byte)
            XCTAssertEqual(encoded(String(UnicodeScalar(byte))), "\"\(expected)\"", "control 0x\(String(byte, radix: 16))")
        }
    }

    func testSolidusDelLineSeparatorAndNonASCIIStayLiteral() {
        // JSON.stringify escapes none of these; a "\/" or "\u2028" would change the hash.
        let text = "/\u{7F}\u{2028}\u{2029}\u{80}\u{9F}é中😀\u{FEFF}"
        XCTAssertEqual(CanonicalJSON.encode(.string(text)), Array("\"\(text)\"".utf8))
    }

    func testParsedEscapesReencodeCanonically() throws {
        // \/ and \u0041 become literals, \u001F becomes lowercase, \u00e9 becomes UTF-8.
        XCTAssertEqual(try canonical(#""\/\u0041\u001F\u00e9\uD83D\uDE00\u2028""#),
                       "\"/A\\u001fé😀\u{2028}\"")
    }

    func testObjectKeysAreEscapedLikeValues() {
        XCTAssertEqual(CanonicalJSON.encodeString(["a\"b\n": "\u{1}"]), #"{"a\"b\n":"\u0001"}"#)
    }

    func testAppendStringWritesOnlyTheQuotedString() {
        var output = Array("x".utf8)
        CanonicalJSON.appendString("a\tb", to: &output)
        XCTAssertEqual(String(decoding: output, as: UTF8.self), #"x"a\tb""#)
    }
}
