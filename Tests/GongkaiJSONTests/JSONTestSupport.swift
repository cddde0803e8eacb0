import Foundation
import XCTest
@testable import GongkaiJSON

/// The canonical text of a parsed JSON text.
func canonical(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    CanonicalJSON.encodeString(try JSONParser.parse(text))
}

/// Asserts that `bytes` are refused with exactly this reason and byte offset.
func assertParseError(_ bytes: [UInt8], _ reason: String, at offset: Int,
                      file: StaticString = #filePath, line: UInt = #line) {
    do {
        let value = try JSONParser.parse(bytes)
        XCTFail("expected \"\(reason)\" at \(offset), but parsed \(value)", file: file, line: line)
    } catch let error as JSONParseError {
        XCTAssertEqual(error, JSONParseError(reason, at: offset), file: file, line: line)
    } catch {
        XCTFail("expected a JSONParseError, got \(error)", file: file, line: line)
    }
}

func assertParseError(_ text: String, _ reason: String, at offset: Int,
                      file: StaticString = #filePath, line: UInt = #line) {
    assertParseError(Array(text.utf8), reason, at: offset, file: file, line: line)
}

/// Steele, Lea & Flood's SplitMix64, so the property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
