import XCTest
import GongkaiJSON

/// `JSONParser.parseNotingCanonical` says whether text already is its RFC 8785 form; an
/// append then stores the text as sent. Each spelling below differs from canonical in one way.
final class CanonicalInputDetectionTests: XCTestCase {
    private func isCanonical(_ text: String) throws -> Bool {
        try JSONParser.parseNotingCanonical(Array(text.utf8)).isCanonical
    }

    func testCanonicalTextIsRecognised() throws {
        for text in [
            #"{"at":"2023-01-01","id":"a-1","simple":false,"type":"inquiry.received","unit":"ziyang"}"#,
            #"{"a":[1,-2,0,3.5,1e+21,1e-7,true,null],"b":{},"c":[],"d":"已电话回复"}"#,
            #"{"A":1,"_":2,"a":3}"#, #"[]"#, #"0"#, #"-123456789012345"#, #"9007199254740992"#,
        ] {
            XCTAssertTrue(try isCanonical(text), text)
            XCTAssertEqual(CanonicalJSON.encode(try JSONParser.parse(text)), Array(text.utf8), text)
        }
    }

    func testEachNonCanonicalSpellingIsRecognised() throws {
        for text in [
            #"{"a":1, "b":2}"#, #" {"a":1}"#, #"{"a":1}"#.appending("\n"), #"[1 ,2]"#,     // whitespace
            #"{"b":1,"a":2}"#, #"{"a":{"d":1,"c":2}}"#, #"{"aa":1,"a":2}"#,                   // key order
            #"{"\u0061":1}"#, #"{"a":"\/"}"#, #"{"a":"\u00e9"}"#, #"{"a":"\"\\"}"#,            // escapes
            #"{"é":1}"#,                                                                       // non-ASCII key, left to the encoder
            #"1.0"#, #"1E2"#, #"1e2"#, #"-0"#, #"0.10"#, #"100000000000000000000000"#, #"1e-07"#, // numbers
        ] {
            XCTAssertFalse(try isCanonical(text), text)
        }
    }

    func testTheDecisionMatchesTheEncoderOnNumbers() throws {
        for text in ["1e+21", "1e21", "123456789012345678", "123456789012345680", "0.1", "1.5e-7", "1.5e-07", "-1e-7", "5e-324"] {
            let parsed = try JSONParser.parseNotingCanonical(Array(text.utf8))
            XCTAssertEqual(parsed.isCanonical, CanonicalJSON.encode(parsed.value) == Array(text.utf8), text)
        }
    }
}
