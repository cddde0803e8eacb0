import GongkaiJSON
import XCTest
@testable import GongkaiDomain

/// Text bounds count Unicode scalars, whatever their UTF-8 length (the byte count decides
/// only when it cannot be wrong).
final class FieldLimitsTests: XCTestCase {
    private func check(_ members: [String: JSONValue]) -> String? {
        do {
            try FieldLimits.check(members)
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
}
