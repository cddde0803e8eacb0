import XCTest
@testable import GongkaiJSON

/// Inputs the strict parser must refuse, each with its reason and byte offset.
final class JSONParserRejectionTests: XCTestCase {
    func testEmptyAndWhitespaceOnlyInput() {
        assertParseError("", "unexpected end of input", at: 0)
        assertParseError(" \n\t", "unexpected end of input", at: 3)
    }

    func testTrailingCommas() {
        assertParseError("[1,]", "unexpected character", at: 3)
        assertParseError(#"{"a":1,}"#, "expected a string key", at: 7)
        assertParseError("[,1]", "unexpected character", at: 1)
    }

    func testStructuralErrors() {
        assertParseError("[1 2]", "expected ',' or ']'", at: 3)
        assertParseError(#"{"a" 1}"#, "expected ':'", at: 5)
        assertParseError(#"{"a":1 "b":2}"#, "expected ',' or '}'", at: 7)
        assertParseError("{a:1}", "expected a string key", at: 1)
        assertParseError("{", "expected a string key", at: 1)
        assertParseError("[", "unexpected end of input", at: 1)
        assertParseError("[1", "expected ',' or ']'", at: 2)
        assertParseError(#"{"a":"#, "unexpected end of input", at: 5)
        assertParseError("]", "unexpected character", at: 0)
    }

    func testMalformedNumbers() {
        assertParseError("01", "unexpected text after the JSON value", at: 1)
        assertParseError("[01]", "expected ',' or ']'", at: 2)
        assertParseError("-01", "unexpected text after the JSON value", at: 2)
        assertParseError("1.", "invalid number", at: 0)
        assertParseError("[1.]", "invalid number", at: 1)
        assertParseError(".5", "unexpected character", at: 0)
        assertParseError("+1", "unexpected character", at: 0)
        assertParseError("-", "invalid number", at: 0)
        assertParseError("-a", "invalid number", at: 0)
        assertParseError("1e", "invalid number", at: 0)
        assertParseError("1e+", "invalid number", at: 0)
        assertParseError("1.e5", "invalid number", at: 0)
        assertParseError("0x10", "unexpected text after the JSON value", at: 1)
    }

    func testNonFiniteNumbers() {
        assertParseError("NaN", "unexpected character", at: 0)
        assertParseError("Infinity", "unexpected character", at: 0)
        assertParseError("-Infinity", "invalid number", at: 0)
        assertParseError("1e400", "number out of range", at: 0)
        assertParseError("[0, -1e309]", "number out of range", at: 4)
        assertParseError("1" + String(repeating: "0", count: 400), "number out of range", at: 0)
    }

    func testBadLiterals() {
        assertParseError("tru", "invalid literal", at: 0)
        assertParseError("nul", "invalid literal", at: 0)
        assertParseError("falsy", "invalid literal", at: 0)
        assertParseError("True", "unexpected character", at: 0)
        assertParseError("[nulL]", "invalid literal", at: 1)
    }

    func testTrailingGarbage() {
        assertParseError("true x", "unexpected text after the JSON value", at: 5)
        assertParseError("{} {}", "unexpected text after the JSON value", at: 3)
        assertParseError("1 2", "unexpected text after the JSON value", at: 2)
        assertParseError(#""a""b""#, "unexpected text after the JSON value", at: 3)
        assertParseError([0x31, 0x00], "unexpected text after the JSON value", at: 1)
    }

    func testByteOrderMarkAndNonJSONWhitespaceAreRefused() {
        assertParseError([0xEF, 0xBB, 0xBF, 0x31], "unexpected character", at: 0)
        assertParseError([0x0C, 0x31], "unexpected character", at: 0) // form feed is not JSON whitespace
        assertParseError([0xC2, 0xA0, 0x31], "unexpected character", at: 0)
    }

    func testUnterminatedStrings() {
        assertParseError(#""abc"#, "unterminated string", at: 0)
        assertParseError(#"["ok", "abc"#, "unterminated string", at: 7)
        assertParseError(#""abc\"#, "unterminated escape", at: 4)
        assertParseError(#""\u12"#, #"short \u escape"#, at: 3)
    }

    func testRawControlCharactersInStrings() {
        assertParseError([0x22, 0x61, 0x01, 0x22], "control character in string", at: 2)
        assertParseError([0x22, 0x00, 0x22], "control character in string", at: 1)
        assertParseError([0x22, 0x0A, 0x22], "control character in string", at: 1)
        assertParseError([0x22, 0x09, 0x22], "control character in string", at: 1)
        assertParseError([0x22, 0x1F, 0x22], "control character in string", at: 1)
        assertParseError([0x7B, 0x22, 0x0D, 0x22, 0x3A, 0x31, 0x7D], "control character in string", at: 2)
    }

    func testInvalidEscapes() {
        assertParseError(#""\x""#, "invalid escape", at: 1)
        assertParseError(#""ab\'""#, "invalid escape", at: 3)
        assertParseError(#""\U0041""#, "invalid escape", at: 1)
        assertParseError(#""\u00g0""#, #"invalid hex digit in \u escape"#, at: 5)
        assertParseError(#""\u-123""#, #"invalid hex digit in \u escape"#, at: 3)
    }

    func testLoneSurrogateEscapes() {
        assertParseError(#""\ud800""#, "lone surrogate in string", at: 1)
        assertParseError(#""\udbff x""#, "lone surrogate in string", at: 1)
        assertParseError(#""\udc00""#, "lone surrogate in string", at: 1)
        assertParseError(#""a\uDFFF\ud800""#, "lone surrogate in string", at: 2)
        // A high surrogate followed by something that is not a low surrogate.
        assertParseError(#""\ud800\u0041""#, "lone surrogate in string", at: 1)
        assertParseError(#""\ud800\ud800""#, "lone surrogate in string", at: 1)
        assertParseError(#""\ud800\n""#, "lone surrogate in string", at: 1)
        // Low then high is two lone surrogates, not a pair.
        assertParseError(#""\ude00\ud83d""#, "lone surrogate in string", at: 1)
    }

    func testInvalidUTF8InStrings() {
        let cases: [(String, [UInt8])] = [
            ("overlong '/'", [0xC0, 0xAF]),
            ("overlong NUL", [0xC0, 0x80]),
            ("overlong 3-byte", [0xE0, 0x80, 0xAF]),
            ("overlong 4-byte", [0xF0, 0x80, 0x80, 0xAF]),
            ("UTF-8 encoded high surrogate", [0xED, 0xA0, 0x80]),
            ("UTF-8 encoded low surrogate", [0xED, 0xBF, 0xBF]),
            ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
            ("lone continuation", [0x80]),
            ("truncated sequence", [0xE4, 0xB8]),
            ("0xFF", [0xFF]),
            ("0xFE", [0xFE]),
            ("5-byte form", [0xF8, 0x88, 0x80, 0x80, 0x80]),
        ]
        for (name, bad) in cases {
            do {
                _ = try JSONParser.parse([0x22, 0x61] + bad + [0x22])
                XCTFail("accepted \(name)")
            } catch let error as JSONParseError {
                XCTAssertEqual(error, JSONParseError("string is not valid UTF-8", at: 1), name)
            } catch {
                XCTFail("\(name): \(error)")
            }
        }
    }

    func testInvalidUTF8InObjectKeys() {
        assertParseError([0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D], "string is not valid UTF-8", at: 2)
    }

    func testInvalidUTF8OutsideStrings() {
        assertParseError([0xFF], "unexpected character", at: 0)
        assertParseError([0x5B, 0xC3, 0xA9, 0x5D], "unexpected character", at: 1)
    }

    func testDuplicateKeys() {
        assertParseError(#"{"a":1,"a":2}"#, #"duplicate key "a""#, at: 7)
        assertParseError(#"{"a":1,"b":2,"a":1}"#, #"duplicate key "a""#, at: 13)
        // Spelled differently, the same after unescaping.
        assertParseError(#"{"a":1,"\u0061":2}"#, #"duplicate key "a""#, at: 7)
        assertParseError(#"{"x":{"k":1,"k":null}}"#, #"duplicate key "k""#, at: 12)
    }

    /// Keys equal as Swift strings (canonical equivalence) but spelled with other bytes are
    /// refused, not merged; the refusal names the first key as it was spelled, then the second.
    func testKeysDifferingOnlyInNormalisation() {
        let precomposed = "\u{E9}", decomposed = "e\u{301}"
        for (first, second, offset) in [(precomposed, decomposed, 8), (decomposed, precomposed, 9)] {
            do {
                let value = try JSONParser.parse("{\"\(first)\":1,\"\(second)\":2}")
                XCTFail("parsed \(value)")
            } catch let error as JSONParseError {
                // Compared as bytes: String's == would not tell the two spellings apart.
                XCTAssertEqual(Array(error.reason.utf8),
                               Array("keys \"\(first)\" and \"\(second)\" differ only in Unicode normalisation; refused".utf8))
                XCTAssertEqual(error.offset, offset)
            } catch {
                XCTFail("expected a JSONParseError, got \(error)")
            }
        }
    }

    func testSameKeyInDifferentObjectsIsFine() throws {
        XCTAssertEqual(try canonical(#"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#), #"{"a":{"a":1},"b":[{"a":2},{"a":3}]}"#)
    }

    func testNestingPastTheLimitIsRefused() {
        assertParseError(String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
                         "nesting deeper than 64", at: 64)
        assertParseError(String(repeating: #"{"a":"#, count: 64) + "{}" + String(repeating: "}", count: 64),
                         "nesting deeper than 64", at: 64 * 5)
        assertParseError(String(repeating: #"[{"a":"#, count: 33) + "1", "nesting deeper than 64", at: 32 * 6)
        // Hostile depth fails fast at the limit instead of exhausting the stack.
        assertParseError(String(repeating: "[", count: 1_000_000), "nesting deeper than 64", at: 64)
    }
}
