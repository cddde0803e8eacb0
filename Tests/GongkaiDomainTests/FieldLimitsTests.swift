import GongkaiJSON
import XCTest
@testable import GongkaiDomain

/// Text bounds count Unicode scalars, whatever their UTF-8 length (the byte count decides
/// only when it cannot be wrong).
final class FieldLimitsTests: XCTestCase {
    private func check(_ members: [String: JSONValue]) -> String? {
        do {
            try FieldLimits.check(EventFields(members))
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testTextBoundsCountScalarsNotBytes() {
        for character in ["x", "公", "😀"] {
            let most = String(repeating: character, count: FieldLimits.maxTextScalars)
            XCTAssertNil(check(["title": .string(most)]), character)
            let over = check(["title": .string(most + character)])
            XCTAssertTrue(over?.contains("is 1001 characters; at most 1000") ?? false, over ?? "accepted")
            XCTAssertNil(check(["note": .string(String(repeating: character, count: FieldLimits.maxNoteScalars))]))
            XCTAssertNotNil(check(["note": .string(String(repeating: character, count: FieldLimits.maxNoteScalars + 1))]))
        }
        XCTAssertTrue(check(["title": ""])?.contains("must not be empty") ?? false)
        XCTAssertNil(check(["note": ""]), "a note may be empty")
        XCTAssertNotNil(check(["unit": .string(String(repeating: "单", count: FieldLimits.maxUnitScalars + 1))]))
        XCTAssertNil(check(["unit": .string(String(repeating: "单", count: FieldLimits.maxUnitScalars))]))
    }

    /// With several bad fields, the one named is the first in the fixed order, whatever order
    /// the members are stored in: every pair of bad fields, and all of them at once.
    func testFirstBadFieldInAFixedOrderIsNamed() {
        let bad: [(String, JSONValue)] = FieldLimits.textFields.map { ($0.name, JSONValue.string("")) } + [
            ("note", .number(1)), ("url", .string("ftp://example.org/x")), ("unit", .string("")),
            ("obligation", .string("T 01")), ("inquiry", .string("")),
        ]
        for (i, first) in bad.enumerated() {
            for second in bad[(i + 1)...] {
                let answer = check([first.0: first.1, second.0: second.1, "at": "2024-01-02"])
                XCTAssertTrue(answer?.hasPrefix(first.0 + ":") ?? false, "\(first.0) before \(second.0): \(answer ?? "accepted")")
            }
        }
        let all = Dictionary(uniqueKeysWithValues: bad)
        XCTAssertTrue(check(all)?.hasPrefix("title:") ?? false, check(all) ?? "accepted")
        XCTAssertNil(check(["title": "t", "note": "", "url": "https://example.org/x", "unit": "xzspj", "obligation": "T18b", "inquiry": "q-1"]))
    }

    /// An obligation id is 1–32 ASCII letters, digits, `.`, `_` or `-`: checked by bytes, and
    /// in agreement with the Unicode definition for every scalar up to U+3000.
    func testObligationIdsAreASCIILettersDigitsAndPunctuation() {
        for value in UInt32(0)..<0x3000 {
            guard let scalar = Unicode.Scalar(value) else { continue }  // surrogates
            let expected = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
            XCTAssertEqual(check(["obligation": .string("T" + String(scalar))]) == nil, expected, "U+\(String(value, radix: 16))")
        }
        XCTAssertNil(check(["obligation": .string(String(repeating: "T", count: 32))]))
        XCTAssertNotNil(check(["obligation": .string(String(repeating: "T", count: 33))]))
        XCTAssertNotNil(check(["obligation": ""]))
        XCTAssertNotNil(check(["obligation": "T01\u{301}"]), "a combining mark is not part of an id")
    }
}
