import GongkaiMerkle
import XCTest

/// Seeded random trees of up to `maxSize` leaves, checked against `NaiveMerkleTree`.
final class MerkleTreePropertyTests: XCTestCase {
    private static let maxSize = 300

    /// A random tree built through the frontier, with its naive root at every size.
    private struct Tree {
        var leaves: [MerkleHash] = []
        var store = InMemorySubtreeStore()
        var frontiers = [MerkleFrontier()]  // indexed by size
        var roots = [RFC6962.emptyRoot]     // naive, indexed by size

        init(size: Int, rng: inout SplitMix64) {
            var frontier = MerkleFrontier()
            for _ in 0..<size {
                let data = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                leaves.append(RFC6962.leafHash(data))
                store.insert(frontier.append(leaf: leaves.last!))
                frontiers.append(frontier)
                roots.append(NaiveMerkleTree.root(leaves[...]))
            }
        }

        var reader: MerkleTreeReader<InMemorySubtreeStore> { MerkleTreeReader(source: store) }
    }

    private static let tree: Tree = {
        var rng = SplitMix64(seed: 0x676f_6e67_6b61_6901)
        return Tree(size: maxSize, rng: &rng)
    }()

    func testFrontierMatchesTheNaiveTreeAtEverySize() throws {
        var rng = SplitMix64(seed: 2)
        let leaves = (0..<Self.maxSize).map { RFC6962.leafHash([UInt8]("leaf \($0) \(rng.next())".utf8)) }
        var frontier = MerkleFrontier()
        var store = InMemorySubtreeStore()
        for size in 1...Self.maxSize {
            let completed = frontier.append(leaf: leaves[size - 1])
            // The leaf, then one parent per trailing one bit of the old size, each ending at this leaf.
            XCTAssertEqual(completed.count, 1 + (~UInt64(size - 1)).trailingZeroBitCount, "size \(size)")
            for (level, (address, hash)) in completed.enumerated() {
                XCTAssertEqual(address.level, level)
                XCTAssertEqual(address.firstLeaf + address.leafCount, UInt64(size))
                let covered = Int(address.firstLeaf)..<Int(address.firstLeaf + address.leafCount)
                XCTAssertEqual(hash, NaiveMerkleTree.root(leaves[covered]), "\(address)")
            }
            store.insert(completed)

            XCTAssertEqual(frontier.size, UInt64(size))
            let root = NaiveMerkleTree.root(leaves[..<size])
            XCTAssertEqual(frontier.root, root, "size \(size)")
            XCTAssertEqual(try MerkleTreeReader(source: store).root(size: UInt64(size)), root, "size \(size)")
            XCTAssertEqual(try MerkleFrontier(size: UInt64(size), source: store), frontier, "size \(size)")
        }
        // Every perfect subtree is stored, and nothing else.
        let expected = (0..<64).reduce(0) { $0 + Self.maxSize >> $1 }
        XCTAssertEqual(store.hashes.count, expected)
    }

    func testEveryEarlierSizeIsReadableFromTheFinalStore() throws {
        let tree = Self.tree
        for size in 0...Self.maxSize {
            XCTAssertEqual(try tree.reader.root(size: UInt64(size)), tree.roots[size], "size \(size)")
            XCTAssertEqual(try MerkleFrontier(size: UInt64(size), source: tree.store), tree.frontiers[size], "size \(size)")
            XCTAssertEqual(tree.frontiers[size].root, tree.roots[size], "size \(size)")
        }
    }

    func testInclusionProofsVerify() throws {
        let tree = Self.tree
        var rng = SplitMix64(seed: 3)
        // Every index of every size up to 64, every index of the full tree, and random ones between.
        var cases = (1...64).flatMap { size in (0..<size).map { ($0, size) } }
        cases += (0..<Self.maxSize).map { ($0, Self.maxSize) }
        cases += (0..<500).map { _ in
            let size = Int.random(in: 65...Self.maxSize, using: &rng)
            return (Int.random(in: 0..<size, using: &rng), size)
        }
        for (index, size) in cases {
            let proof = try tree.reader.inclusionProof(leafIndex: UInt64(index), size: UInt64(size))
            XCTAssertEqual(proof.count, NaiveMerkleTree.inclusionShape(index: UInt64(index), size: UInt64(size))?.count)
            XCTAssertNoThrow(try MerkleProof.verifyInclusion(
                leafIndex: UInt64(index), size: UInt64(size), leaf: tree.leaves[index], proof: proof, root: tree.roots[size]),
                "leaf \(index) of \(size)")
        }
    }

    func testConsistencyProofsVerify() throws {
        let tree = Self.tree
        var rng = SplitMix64(seed: 4)
        // Every pair up to 64, every old size against the full tree, and random pairs between.
        var cases = (1...64).flatMap { newSize in (1...newSize).map { ($0, newSize) } }
        cases += (1...Self.maxSize).map { ($0, Self.maxSize) }
        cases += (0..<500).map { _ in
            let newSize = Int.random(in: 65...Self.maxSize, using: &rng)
            return (Int.random(in: 1...newSize, using: &rng), newSize)
        }
        for (oldSize, newSize) in cases {
            let proof = try tree.reader.consistencyProof(oldSize: UInt64(oldSize), newSize: UInt64(newSize))
            XCTAssertEqual(proof.count, NaiveMerkleTree.consistencyShape(oldSize: UInt64(oldSize), newSize: UInt64(newSize))?.count)
            XCTAssertNoThrow(try MerkleProof.verifyConsistency(
                oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                oldRoot: tree.roots[oldSize], newRoot: tree.roots[newSize], proof: proof),
                "\(oldSize) -> \(newSize)")
        }
    }

    /// Any flipped bit fails, and so does any other index or size, except a size whose proof has
    /// the very same layout: an inclusion proof does not commit to the size (the signed tree head
    /// does), e.g. leaf 0's proof in a tree of 5 also fits 6 leaves.
    func testTamperedInclusionProofsFail() throws {
        let tree = Self.tree
        var rng = SplitMix64(seed: 5)
        var cases = [(0, 1), (0, 2), (1, 2), (0, Self.maxSize), (Self.maxSize - 1, Self.maxSize), (255, 256), (256, 257), (5, 7)]
        cases += (0..<24).map { _ in
            let size = Int.random(in: 1...Self.maxSize, using: &rng)
            return (Int.random(in: 0..<size, using: &rng), size)
        }
        var aliases = 0
        for (index, size) in cases {
            let (index64, size64) = (UInt64(index), UInt64(size))
            let (leaf, root) = (tree.leaves[index], tree.roots[size])
            let proof = try tree.reader.inclusionProof(leafIndex: index64, size: size64)
            let label = "leaf \(index) of \(size)"
            func verifies(_ index: UInt64, _ size: UInt64, _ leaf: MerkleHash, _ proof: [MerkleHash], _ root: MerkleHash) -> Bool {
                (try? MerkleProof.verifyInclusion(leafIndex: index, size: size, leaf: leaf, proof: proof, root: root)) != nil
            }
            XCTAssertTrue(verifies(index64, size64, leaf, proof, root), label)

            for bit in 0..<256 {
                XCTAssertFalse(verifies(index64, size64, flipped(leaf, bit), proof, root), "\(label): leaf bit \(bit)")
                XCTAssertFalse(verifies(index64, size64, leaf, proof, flipped(root, bit)), "\(label): root bit \(bit)")
                for i in proof.indices {
                    var tampered = proof
                    tampered[i] = flipped(proof[i], bit)
                    XCTAssertFalse(verifies(index64, size64, leaf, tampered, root), "\(label): proof[\(i)] bit \(bit)")
                }
            }
            XCTAssertFalse(verifies(index64, size64, leaf, proof + [root], root), "\(label): extra hash")
            if !proof.isEmpty {
                XCTAssertFalse(verifies(index64, size64, leaf, proof.dropLast(), root), "\(label): hash dropped")
            }

            let shape = NaiveMerkleTree.inclusionShape(index: index64, size: size64)
            for other in Array(0...size64 + 1) + [UInt64.max] where other != index64 {
                XCTAssertFalse(verifies(other, size64, leaf, proof, root), "\(label): index \(other)")
            }
            for other in Array(0...2 * size64 + 2) + [UInt64.max] where other != size64 {
                let fits = NaiveMerkleTree.inclusionShape(index: index64, size: other) == shape
                XCTAssertEqual(verifies(index64, other, leaf, proof, root), fits, "\(label): size \(other)")
                aliases += fits ? 1 : 0
            }
        }
        XCTAssertGreaterThan(aliases, 0, "no size shared a proof layout; the exception above went untested")
    }

    /// As for inclusion: every flipped bit and every other pair of sizes fails, except sizes whose
    /// proof has the very same layout (e.g. 2 -> 5 and 2 -> 6).
    func testTamperedConsistencyProofsFail() throws {
        let tree = Self.tree
        var rng = SplitMix64(seed: 6)
        var cases = [(1, 1), (1, 2), (2, 3), (3, 4), (1, Self.maxSize), (Self.maxSize - 1, Self.maxSize), (256, Self.maxSize), (255, 256), (7, 7)]
        cases += (0..<20).map { _ in
            let newSize = Int.random(in: 2...Self.maxSize, using: &rng)
            return (Int.random(in: 1..<newSize, using: &rng), newSize)
        }
        var aliases = 0
        for (oldSize, newSize) in cases {
            let (old64, new64) = (UInt64(oldSize), UInt64(newSize))
            let (oldRoot, newRoot) = (tree.roots[oldSize], tree.roots[newSize])
            let proof = try tree.reader.consistencyProof(oldSize: old64, newSize: new64)
            let label = "\(oldSize) -> \(newSize)"
            func verifies(_ oldSize: UInt64, _ newSize: UInt64, _ oldRoot: MerkleHash, _ newRoot: MerkleHash, _ proof: [MerkleHash]) -> Bool {
                (try? MerkleProof.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, newRoot: newRoot, proof: proof)) != nil
            }
            XCTAssertTrue(verifies(old64, new64, oldRoot, newRoot, proof), label)

            for bit in 0..<256 {
                XCTAssertFalse(verifies(old64, new64, flipped(oldRoot, bit), newRoot, proof), "\(label): old root bit \(bit)")
                XCTAssertFalse(verifies(old64, new64, oldRoot, flipped(newRoot, bit), proof), "\(label): new root bit \(bit)")
                for i in proof.indices {
                    var tampered = proof
                    tampered[i] = flipped(proof[i], bit)
                    XCTAssertFalse(verifies(old64, new64, oldRoot, newRoot, tampered), "\(label): proof[\(i)] bit \(bit)")
                }
            }
            XCTAssertFalse(verifies(old64, new64, oldRoot, newRoot, proof + [newRoot]), "\(label): extra hash")
            if !proof.isEmpty {
                XCTAssertFalse(verifies(old64, new64, oldRoot, newRoot, proof.dropLast()), "\(label): hash dropped")
                XCTAssertFalse(verifies(old64, new64, newRoot, oldRoot, proof), "\(label): roots swapped")
            }

            let shape = NaiveMerkleTree.consistencyShape(oldSize: old64, newSize: new64)
            for other in Array(0...new64 + 1) + [UInt64.max] where other != old64 {
                let fits = NaiveMerkleTree.consistencyShape(oldSize: other, newSize: new64) == shape
                XCTAssertEqual(verifies(other, new64, oldRoot, newRoot, proof), fits, "\(label): old size \(other)")
                aliases += fits ? 1 : 0
            }
            for other in Array(0...2 * new64 + 2) + [UInt64.max] where other != new64 {
                let fits = NaiveMerkleTree.consistencyShape(oldSize: old64, newSize: other) == shape
                XCTAssertEqual(verifies(old64, other, oldRoot, newRoot, proof), fits, "\(label): new size \(other)")
                aliases += fits ? 1 : 0
            }
        }
        XCTAssertGreaterThan(aliases, 0, "no sizes shared a proof layout; the exception above went untested")
    }

    private func flipped(_ hash: MerkleHash, _ bit: Int) -> MerkleHash {
        var hash = hash
        hash.bytes[bit / 8] ^= 1 << (bit % 8)
        return hash
    }
}
