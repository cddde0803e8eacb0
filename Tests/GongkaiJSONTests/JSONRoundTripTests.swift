import XCTest
@testable import GongkaiJSON

/// parse(encode(x)) == x, and encoding canonical bytes again changes nothing.
final class JSONRoundTripTests: XCTestCase {
    static let samples: [JSONValue] = [
        nil, true, false, 0, -1, .number(0.1), .number(-1.5e-9), .number(1e21), .number(5e-324),
        .number(.greatestFiniteMagnitude), .number(9007199254740994), "", "plain",
        "\u{0}\u{1F}\"\\/\u{7F}\u{2028}é中😀", [], [:],
        [1, [2, [3, [4, [:]]]]],
        ["b": ["d": [nil, false], "c": "x"], "a": [["z": 1, "y": 2], [], "s"]],
        ["\u{1F600}": 1, "\u{FB33}": 2, "\u{80}": 3, "\r": 4, "": 5, "emoji 😂": ["nested 中": [true]]],
    ]

    func testParseOfEncodeGivesTheValueBack() throws {
        for value in Self.samples {
            XCTAssertEqual(try JSONParser.parse(CanonicalJSON.encode(value)), value, "\(value)")
        }
    }

    func testEncodeIsIdempotent() throws {
        for value in Self.samples {
            let once = CanonicalJSON.encode(value)
            let twice = CanonicalJSON.encode(try JSONParser.parse(once))
            XCTAssertEqual(once, twice, CanonicalJSON.encodeString(value))
        }
    }

    func testEncodeStringMatchesEncodeBytes() {
        for value in Self.samples {
            XCTAssertEqual(Array(CanonicalJSON.encodeString(value).utf8), CanonicalJSON.encode(value))
        }
    }

    func testAppendAddsToExistingOutput() {
        var output: [UInt8] = Array("OK ".utf8)
        CanonicalJSON.append(["b": 1, "a": [true]], to: &output)
        XCTAssertEqual(String(decoding: output, as: UTF8.self), #"OK {"a":[true],"b":1}"#)
    }
}
