import Foundation
import XCTest
@testable import GongkaiJSON

/// RFC 8785 section 3.2.3: members sorted by the UTF-16 code units of their names.
final class CanonicalKeyOrderTests: XCTestCase {
    func testRFC8785SortingExampleOrdersByUTF16CodeUnits() throws {
        // The example of RFC 8785 section 3.2.3, written with JSON escapes.
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """#
        let value = try JSONParser.parse(input)
        let order = CanonicalJSON.sortedKeys(value.objectValue!).map { value[$0]!.stringValue! }
        XCTAssertEqual(order, [
            "Carriage Return",
            "One",
            "Control",
            "Latin Small Letter O With Diaeresis",
            "Euro Sign",
            "Emoji: Grinning Face",
            "Hebrew Letter Dalet With Dagesh",
        ])
    }

    func testSurrogatePairKeySortsBeforeHighBMPKey() {
        // U+1F600 is D83D DE00 in UTF-16, which precedes U+E000..U+FFFF; by scalar or UTF-8 it would follow.
        let keys = CanonicalJSON.sortedKeys(["\u{FB33}": .null, "\u{1F600}": .null, "\u{FFFF}": .null, "\u{E000}": .null, "\u{D7FF}": .null])
        XCTAssertEqual(keys, ["\u{D7FF}", "\u{1F600}", "\u{E000}", "\u{FB33}", "\u{FFFF}"])
    }

    func testWeirdJSONFromTheJCSTestSuiteEncodesToExactBytes() throws {
        // cyberphone/json-canonicalization testdata "weird.json" and its expected output.
        let input = #"""
        {
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\u000a": "Newline",
          "1": "One",
          "\u0080": "Control\u007f",
          "\ud83d\ude02": "Smiley",
          "\u00f6": "Latin Small Letter O With Diaeresis",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "</script>": "Browser Challenge"
        }
        """#
        let expectedHex = "7b225c6e223a224e65776c696e65222c225c72223a2243617272696167652052657475726e222c2231223a224f6e65222c223c2f7363726970743e223a2242726f77736572204368616c6c656e6765222c22c280223a22436f6e74726f6c7f222c22c3b6223a224c6174696e20536d616c6c204c6574746572204f205769746820446961657265736973222c22e282ac223a224575726f205369676e222c22f09f9882223a22536d696c6579222c22efacb3223a22486562726577204c65747465722044616c6574205769746820446167657368227d"
        let bytes = CanonicalJSON.encode(try JSONParser.parse(input))
        XCTAssertEqual(bytes.map { String(format: "%02x", $0) }.joined(), expectedHex)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\","
                       + "\"\u{80}\":\"Control\u{7F}\",\"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\","
                       + "\"😂\":\"Smiley\",\"\u{FB33}\":\"Hebrew Letter Dalet With Dagesh\"}")
    }

    func testASCIIKeysSortBytewiseNotAlphabetically() throws {
        // Upper case before lower case, shorter prefix first, digits before letters.
        XCTAssertEqual(try canonical(#"{"b":1,"a":2,"B":3,"ab":4,"a1":5,"":6,"_":7}"#),
                       #"{"":6,"B":3,"_":7,"a":2,"a1":5,"ab":4,"b":1}"#)
    }

    func testNestedObjectsAreSortedAtEveryLevel() throws {
        XCTAssertEqual(try canonical(#"{"z":{"y":[{"b":1,"a":2}],"x":null},"a":[]}"#),
                       #"{"a":[],"z":{"x":null,"y":[{"a":2,"b":1}]}}"#)
    }

    func testArraysKeepTheirOrder() throws {
        XCTAssertEqual(try canonical(#"[3, 1, 2, "b", "a"]"#), #"[3,1,2,"b","a"]"#)
    }

    func testMixedASCIIAndNonASCIIKeysUseCodeUnitOrder() {
        // "Z" (0x5A) < "a" (0x61) < "é" (0xE9) < "中" (0x4E2D); the ASCII fast path must agree.
        XCTAssertEqual(CanonicalJSON.sortedKeys(["中": 1, "é": 2, "a": 3, "Z": 4, "aé": 5, "a中": 6]),
                       ["Z", "a", "aé", "a中", "é", "中"])
    }
}

/// The copy-through fast path of string encoding and the escaping path give RFC 8785 text.
final class CanonicalStringTests: XCTestCase {
    func testPlainAndEscapedStrings() {
        func encoded(_ text: String) -> String {
            var output: [UInt8] = []
            CanonicalJSON.appendString(text, to: &output)
            return String(decoding: output, as: UTF8.self)
        }
        XCTAssertEqual(encoded("政务公开 T01 é"), #""政务公开 T01 é""#)
        XCTAssertEqual(encoded(""), #""""#)
        XCTAssertEqual(encoded("a\"b\\c"), #""a\"b\\c""#)
        XCTAssertEqual(encoded("\u{8}\t\n\u{C}\r\u{1}\u{1F}/\u{7F}"), #""\b\t\n\f\r\u0001\u001f/\#u{7F}""#)
        // A bridged or substring-backed string takes the same path as a native one.
        let sub = "xx公开\"yy".dropFirst(2).prefix(3)
        XCTAssertEqual(encoded(String(sub)), #""公开\"""#)
    }
}
