import XCTest
@testable import GongkaiJSON

/// The worked example of RFC 8785 section 3.2.4 and Appendix-style inputs, byte for byte.
final class CanonicalExampleTests: XCTestCase {
    func testRFC8785Section324ExampleProducesExpectedBytes() throws {
        let input = #"""
        {
          "numbers": [333333333.33333329, 1E30, 4.50,
                      2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }
        """#
        let expected = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        let bytes = CanonicalJSON.encode(try JSONParser.parse(input))
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), expected)
        XCTAssertEqual(bytes.count, expected.utf8.count)
    }

    func testCanonicalOutputIsAFixedPoint() throws {
        let canonicalText = #"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        XCTAssertEqual(try canonical(canonicalText), canonicalText)
    }

    func testWhitespaceOfEveryAllowedKindDisappears() throws {
        XCTAssertEqual(try canonical(" \t\r\n{ \"a\" \n:\t[ 1 ,\r2 ] } \n"), #"{"a":[1,2]}"#)
    }

    func testLiteralsAndEmptyContainers() throws {
        XCTAssertEqual(try canonical("[true,false,null,{},[],\"\"]"), #"[true,false,null,{},[],""]"#)
        XCTAssertEqual(try canonical("null"), "null")
        XCTAssertEqual(try canonical("\"x\""), "\"x\"")
        XCTAssertEqual(try canonical("{ }"), "{}")
        XCTAssertEqual(try canonical("[ ]"), "[]")
    }

    func testEncodeOfBuiltValues() {
        let value: JSONValue = ["id": "e-1", "n": .number(-2.5), "list": [1, nil, true, "x"], "obj": [:]]
        XCTAssertEqual(CanonicalJSON.encodeString(value), #"{"id":"e-1","list":[1,null,true,"x"],"n":-2.5,"obj":{}}"#)
    }
}
