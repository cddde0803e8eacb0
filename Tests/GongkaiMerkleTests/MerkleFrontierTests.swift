import GongkaiMerkle
import XCTest

final class MerkleFrontierTests: XCTestCase {
    private let leaves = (0..<8).map { RFC6962.leafHash([UInt8($0)]) }

    func testEmptyFrontier() {
        let frontier = MerkleFrontier()
        XCTAssertEqual(frontier.size, 0)
        XCTAssertEqual(frontier.root, RFC6962.emptyRoot)
    }

    func testAppendReturnsTheLeafThenEveryParentItCloses() {
        var frontier = MerkleFrontier()
        let completed = leaves.map { frontier.append(leaf: $0).map(\.0) }
        let address = SubtreeAddress.init(level:index:)
        XCTAssertEqual(completed[0], [address(0, 0)])
        XCTAssertEqual(completed[1], [address(0, 1), address(1, 0)])
        XCTAssertEqual(completed[2], [address(0, 2)])
        XCTAssertEqual(completed[3], [address(0, 3), address(1, 1), address(2, 0)])
        XCTAssertEqual(completed[6], [address(0, 6)])
        XCTAssertEqual(completed[7], [address(0, 7), address(1, 3), address(2, 1), address(3, 0)])
        XCTAssertEqual(frontier.size, 8)
    }

    func testAppendedHashesAreTheSubtreeRoots() {
        var frontier = MerkleFrontier()
        for leaf in leaves[..<3] { _ = frontier.append(leaf: leaf) }
        let completed = frontier.append(leaf: leaves[3])
        XCTAssertEqual(completed.map(\.1), [
            leaves[3],
            RFC6962.nodeHash(leaves[2], leaves[3]),
            NaiveMerkleTree.root(leaves[..<4]),
        ])
        XCTAssertEqual(frontier.root, completed.last?.1)
    }

    func testRebuildReadsOnlyThePeaks() throws {
        let store = InMemorySubtreeStore(leaves: leaves[..<7])
        var live = MerkleFrontier()
        for leaf in leaves[..<7] { _ = live.append(leaf: leaf) }

        // Size 7 = 4 + 2 + 1: exactly those three subtrees are needed.
        var peaksOnly = InMemorySubtreeStore()
        for address in [SubtreeAddress(level: 2, index: 0), SubtreeAddress(level: 1, index: 2), SubtreeAddress(level: 0, index: 6)] {
            peaksOnly.hashes[address] = try store.subtreeHash(address)
        }
        var rebuilt = try MerkleFrontier(size: 7, source: peaksOnly)
        XCTAssertEqual(rebuilt, live)
        XCTAssertEqual(rebuilt.root, live.root)

        // And it carries on appending like the live one.
        XCTAssertEqual(rebuilt.append(leaf: leaves[7]).map(\.1), live.append(leaf: leaves[7]).map(\.1))
        XCTAssertEqual(rebuilt, live)
    }

    func testRebuildThrowsWhenAPeakIsMissing() {
        var store = InMemorySubtreeStore(leaves: leaves[..<6])
        store.hashes[SubtreeAddress(level: 1, index: 2)] = nil
        XCTAssertThrowsError(try MerkleFrontier(size: 6, source: store)) { error in
            XCTAssertEqual(error as? MerkleError, .missingNode(SubtreeAddress(level: 1, index: 2)))
        }
        XCTAssertEqual(try MerkleFrontier(size: 0, source: InMemorySubtreeStore()), MerkleFrontier())
    }
}
