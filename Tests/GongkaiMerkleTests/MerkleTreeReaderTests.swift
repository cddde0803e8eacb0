import GongkaiMerkle
import XCTest

final class MerkleTreeReaderTests: XCTestCase {
    private let reader = MerkleTreeReader(source: InMemorySubtreeStore(leaves: RFC6962TestData.leafHashes))

    func testInclusionProofOutsideTheTreeThrows() {
        XCTAssertThrowsError(try reader.inclusionProof(leafIndex: 0, size: 0)) { error in
            XCTAssertEqual(error as? MerkleError, .leafIndexOutOfRange(leafIndex: 0, size: 0))
        }
        XCTAssertThrowsError(try reader.inclusionProof(leafIndex: 5, size: 5)) { error in
            XCTAssertEqual(error as? MerkleError, .leafIndexOutOfRange(leafIndex: 5, size: 5))
        }
        XCTAssertEqual(try reader.inclusionProof(leafIndex: 0, size: 1), [])
    }

    func testConsistencyProofEdgeCases() throws {
        XCTAssertEqual(try reader.consistencyProof(oldSize: 0, newSize: 0), [])
        XCTAssertEqual(try reader.consistencyProof(oldSize: 0, newSize: 8), [])
        XCTAssertEqual(try reader.consistencyProof(oldSize: 5, newSize: 5), [])
        XCTAssertThrowsError(try reader.consistencyProof(oldSize: 6, newSize: 5)) { error in
            XCTAssertEqual(error as? MerkleError, .sizeOutOfRange(oldSize: 6, newSize: 5))
        }
    }

    func testSizesBeyondTheStoreReportTheMissingNode() {
        XCTAssertThrowsError(try reader.root(size: 9)) { error in
            XCTAssertEqual(error as? MerkleError, .missingNode(SubtreeAddress(level: 0, index: 8)))
        }
        XCTAssertThrowsError(try reader.inclusionProof(leafIndex: 0, size: 16))
        XCTAssertThrowsError(try reader.consistencyProof(oldSize: 3, newSize: 12))
    }

    func testVerifierRejectsConsistencyFromTheEmptyTree() {
        XCTAssertThrowsError(try MerkleProof.verifyConsistency(
            oldSize: 0, newSize: 3, oldRoot: RFC6962.emptyRoot, newRoot: RFC6962TestData.roots[3], proof: [])
        ) { error in
            XCTAssertEqual(error as? MerkleError, .emptyOldTree(newSize: 3))
        }
    }

    func testErrorsDescribeThemselves() {
        let hash = RFC6962.emptyRoot
        let errors: [MerkleError] = [
            .leafIndexOutOfRange(leafIndex: 3, size: 2), .sizeOutOfRange(oldSize: 3, newSize: 2),
            .emptyOldTree(newSize: 4), .wrongProofLength(expected: 3, actual: 2),
            .rootMismatch(expected: hash, computed: hash), .oldRootMismatch(expected: hash, computed: hash),
            .missingNode(SubtreeAddress(level: 2, index: 1)),
        ]
        XCTAssertEqual(Set(errors.map(\.description)).count, errors.count)
        XCTAssertEqual(MerkleError.wrongProofLength(expected: 3, actual: 2).description, "proof has 2 hashes, expected 3")
    }
}
