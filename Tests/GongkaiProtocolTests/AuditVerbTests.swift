import GongkaiProtocol
import XCTest

/// PROOF and VERIFY request lines.
final class AuditVerbTests: XCTestCase {
    func parse(_ line: String) throws -> Request { try Request.parse(Array(line.utf8)) }

    func testProofAndVerifyParse() throws {
        XCTAssertEqual(try parse("PROOF INCLUSION 5 10"), .proofInclusion(seq: 5, size: 10))
        XCTAssertEqual(try parse("proof inclusion 5"), .proofInclusion(seq: 5, size: nil))
        XCTAssertEqual(try parse("PROOF CONSISTENCY 3 7"), .proofConsistency(old: 3, new: 7))
        XCTAssertEqual(try parse("Proof Consistency 3"), .proofConsistency(old: 3, new: nil))
        XCTAssertEqual(try parse("VERIFY"), .verify)
    }

    func testBadProofAndVerifyLinesAreBadRequests() {
        for line in ["PROOF", "PROOF INCLUSION", "PROOF INCLUSION 0", "PROOF INCLUSION x", "PROOF INCLUSION 1 2 3",
                     "PROOF EXCLUSION 1", "PROOF CONSISTENCY -1", "VERIFY now"] {
            XCTAssertThrowsError(try parse(line), line) { error in
                XCTAssertEqual((error as? ProtocolError)?.code, .badRequest, line)
            }
        }
    }
}
