import Foundation
import GongkaiMerkle
import XCTest

final class RFC6962Tests: XCTestCase {
    func testEmptyRootIsSHA256OfNothing() {
        XCTAssertEqual(RFC6962.emptyRoot.hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testLeafHashPrefixesZero() {
        // SHA-256(0x00), the hash of the empty leaf.
        XCTAssertEqual(RFC6962.leafHash([UInt8]()).hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    }

    func testLeafHashOverloadsAgree() {
        let data: [UInt8] = Array("hello, ledger".utf8)
        let expected = RFC6962.leafHash(data)
        XCTAssertEqual(data.withUnsafeBytes { RFC6962.leafHash($0) }, expected)
        XCTAssertEqual(RFC6962.leafHash(Data(data)), expected)
        XCTAssertEqual(RFC6962.leafHash(data[...]), expected)
        XCTAssertEqual(RFC6962.leafHash(AnyCollection(data)), expected)  // no contiguous storage
    }

    /// A leaf hash begun on one thread and finished on another: fed in parts it equals the
    /// hash of the whole, and a started hash copied and finished twice gives each its own.
    func testLeafHashingInPartsAndFromACopy() {
        let data = Array((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        for split in [0, 1, 63, 64, 65, 200, 300] {
            var started = RFC6962.LeafHashing()
            data[..<split].withUnsafeBytes { started.update($0) }
            var first = started, second = started
            data[split...].withUnsafeBytes { first.update($0) }
            [UInt8(9)].withUnsafeBytes { second.update($0) }
            XCTAssertEqual(first.finalize(), RFC6962.leafHash(data), "split at \(split)")
            XCTAssertEqual(second.finalize(), RFC6962.leafHash(Array(data[..<split]) + [9]), "split at \(split)")
            XCTAssertEqual(started.finalize(), RFC6962.leafHash(Array(data[..<split])), "the started hash is unchanged")
        }
    }

    func testNodeHashIsOrderedAndDomainSeparated() {
        let (a, b) = (RFC6962.leafHash([1]), RFC6962.leafHash([2]))
        XCTAssertNotEqual(RFC6962.nodeHash(a, b), RFC6962.nodeHash(b, a))
        // A node over two children never equals the leaf hash of their concatenation.
        XCTAssertNotEqual(RFC6962.nodeHash(a, b), RFC6962.leafHash(a.bytes + b.bytes))
        // Size 2 of the RFC test data.
        let leaves = RFC6962TestData.leafHashes
        XCTAssertEqual(RFC6962.nodeHash(leaves[0], leaves[1]), RFC6962TestData.roots[2])
    }

    func testRootsOfTheRFCTestDataForSizesZeroThroughEight() throws {
        let leaves = RFC6962TestData.leafHashes
        var frontier = MerkleFrontier()
        var store = InMemorySubtreeStore()
        XCTAssertEqual(frontier.root, RFC6962TestData.roots[0])
        for size in 1...8 {
            store.insert(frontier.append(leaf: leaves[size - 1]))
            XCTAssertEqual(frontier.root, RFC6962TestData.roots[size], "frontier, size \(size)")
            XCTAssertEqual(NaiveMerkleTree.root(leaves[..<size]), RFC6962TestData.roots[size], "naive, size \(size)")
        }
        let reader = MerkleTreeReader(source: store)
        for size in 0...8 {
            XCTAssertEqual(try reader.root(size: UInt64(size)), RFC6962TestData.roots[size], "reader, size \(size)")
        }
    }
}
