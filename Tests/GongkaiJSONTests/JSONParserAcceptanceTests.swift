import XCTest
@testable import GongkaiJSON

/// What the strict parser accepts, and the values it builds.
final class JSONParserAcceptanceTests: XCTestCase {
    func testSurrogatePairEscapesDecodeToOneScalar() throws {
        let value = try JSONParser.parse(#""\ud83d\ude00""#)
        XCTAssertEqual(value, .string("\u{1F600}"))
        XCTAssertEqual(value.stringValue!.unicodeScalars.map(\.value), [0x1F600])
        // Upper-case hex and the highest scalar.
        XCTAssertEqual(try JSONParser.parse(#""\uD83D\uDE00\uDBFF\uDFFF""#).stringValue!.unicodeScalars.map(\.value),
                       [0x1F600, 0x10FFFF])
        XCTAssertEqual(try JSONParser.parse(#""\uD800\uDC00""#).stringValue!.unicodeScalars.map(\.value), [0x10000])
    }

    func testSimpleEscapesDecode() throws {
        XCTAssertEqual(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#), .string("\"\\/\u{08}\u{0C}\n\r\t"))
        XCTAssertEqual(try JSONParser.parse(#""\u0000\u00e9\u4E2D""#).stringValue!.unicodeScalars.map(\.value), [0, 0xE9, 0x4E2D])
    }

    func testEscapesBetweenLiteralRunsKeepEveryPiece() throws {
        XCTAssertEqual(try JSONParser.parse(#""ab\ncd\u0041ef中\t""#), .string("ab\ncdAef中\t"))
    }

    func testRawUTF8AndDelAreAcceptedInStrings() throws {
        let bytes: [UInt8] = [0x22, 0x7F, 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x80, 0xA8, 0x22]
        XCTAssertEqual(try JSONParser.parse(bytes), .string("\u{7F}é中😀\u{2028}"))
    }

    func testParsesTheSameFromStringAndBytes() throws {
        let text = #"{"a":[1,2.5,"中"],"b":{"c":null}}"#
        XCTAssertEqual(try JSONParser.parse(text), try JSONParser.parse(Array(text.utf8)))
        XCTAssertEqual(try JSONParser.parse(text), .object(["a": [1, .number(2.5), "中"], "b": ["c": nil]]))
    }

    func testNumbersOfEveryGrammarShape() throws {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0.5", -0.5), ("10", 10), ("1.25e2", 125), ("1E-2", 0.01), ("2e+3", 2000),
            ("-12.5E+1", -125), ("0e0", 0), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("5e-324", .leastNonzeroMagnitude),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(text), .number(expected), text)
        }
    }

    func testExactlyMaxNestingDepthIsAccepted() throws {
        XCTAssertEqual(JSONParser.maxNestingDepth, 64)
        let arrays = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertEqual(try canonical(arrays), arrays)
        let objects = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        XCTAssertEqual(try canonical(objects), objects)
    }

    func testAccessors() throws {
        let value = try JSONParser.parse(#"{"s":"x","n":3,"f":1.5,"big":9007199254740994,"b":true,"a":[1],"o":{}}"#)
        XCTAssertEqual(value["s"]?.stringValue, "x")
        XCTAssertEqual(value["n"]?.integerValue, 3)
        XCTAssertNil(value["f"]?.integerValue)
        XCTAssertNil(value["big"]?.integerValue) // past 2^53 is not an exact integer
        XCTAssertEqual(value["b"]?.boolValue, true)
        XCTAssertEqual(value["a"]?.arrayValue, [1])
        XCTAssertEqual(value["o"]?.objectValue, [:])
        XCTAssertNil(value["missing"])
        XCTAssertNil(JSONValue.array([])["s"])
    }
}
