/// Proof checks a client or auditor can run without trusting the server (RFC 9162 section 2.1.3.2 / 2.1.4.2 algorithms).
///
/// Proof lengths are checked up front so a malformed proof fails with a precise error before any hashing.
public enum MerkleProof {
    /// Succeeds when `proof` shows `leaf` at `leafIndex` in the tree of `size` leaves with `root`.
    public static func verifyInclusion(
        leafIndex: UInt64, size: UInt64, leaf: MerkleHash, proof: [MerkleHash], root: MerkleHash
    ) throws {
        let computed = try rootFromInclusionProof(leafIndex: leafIndex, size: size, leaf: leaf, proof: proof)
        guard computed == root else { throw MerkleError.rootMismatch(expected: root, computed: computed) }
    }

    /// The root that `proof` implies for `leaf` at `leafIndex` in a tree of `size` leaves.
    public static func rootFromInclusionProof(
        leafIndex: UInt64, size: UInt64, leaf: MerkleHash, proof: [MerkleHash]
    ) throws -> MerkleHash {
        guard leafIndex < size else { throw MerkleError.leafIndexOutOfRange(leafIndex: leafIndex, size: size) }
        let expected = inclusionProofLength(leafIndex: leafIndex, size: size)
        guard proof.count == expected else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }

        // fn walks the leaf's path, sn the last leaf's; where they meet (fn == sn) the node is on
        // the right edge and levels without a right sibling are skipped.
        var (fn, sn, hash) = (leafIndex, size - 1, leaf)
        for sibling in proof {
            guard sn > 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                hash = RFC6962.nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 {
                    (fn, sn) = (fn >> 1, sn >> 1)
                }
            } else {
                hash = RFC6962.nodeHash(hash, sibling)
            }
            (fn, sn) = (fn >> 1, sn >> 1)
        }
        guard sn == 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
        return hash
    }

    /// Succeeds when `proof` shows the tree of `newSize` leaves with `newRoot` extends the tree of
    /// `oldSize` leaves with `oldRoot`. Equal sizes need an empty proof and equal roots. An old
    /// size of 0 is rejected, as in RFC 9162 and the reference vectors: every tree extends the
    /// empty one, so such a "proof" would check nothing (a reader hands out `[]` for it).
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: MerkleHash, newRoot: MerkleHash, proof: [MerkleHash]
    ) throws {
        guard oldSize <= newSize else { throw MerkleError.sizeOutOfRange(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0 else { throw MerkleError.emptyOldTree(newSize: newSize) }
        let expected = consistencyProofLength(oldSize: oldSize, newSize: newSize)
        guard proof.count == expected else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
        if oldSize == newSize {
            guard oldRoot == newRoot else { throw MerkleError.rootMismatch(expected: newRoot, computed: oldRoot) }
            return
        }

        // A power-of-two old tree is a node of the new one, so its root is the first hash and
        // the proof omits it.
        var path = proof[...]
        let seed = oldSize.nonzeroBitCount == 1 ? oldRoot : path.removeFirst()
        var (fn, sn) = (oldSize - 1, newSize - 1)
        while fn & 1 == 1 {
            (fn, sn) = (fn >> 1, sn >> 1)
        }
        // fr rebuilds the old root from left siblings only; sr builds the new root from all.
        var (fr, sr) = (seed, seed)
        for node in path {
            guard sn > 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = RFC6962.nodeHash(node, fr)
                sr = RFC6962.nodeHash(node, sr)
                while fn & 1 == 0 && fn != 0 {
                    (fn, sn) = (fn >> 1, sn >> 1)
                }
            } else {
                sr = RFC6962.nodeHash(sr, node)
            }
            (fn, sn) = (fn >> 1, sn >> 1)
        }
        guard sn == 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
        guard fr == oldRoot else { throw MerkleError.oldRootMismatch(expected: oldRoot, computed: fr) }
        guard sr == newRoot else { throw MerkleError.rootMismatch(expected: newRoot, computed: sr) }
    }

    /// Length of PATH(leafIndex, D[size]): one sibling per level below the point where the paths to
    /// `leafIndex` and the last leaf diverge ("inner"), then one per left sibling on the right edge.
    static func inclusionProofLength(leafIndex: UInt64, size: UInt64) -> Int {
        precondition(leafIndex < size)
        let inner = UInt64.bitWidth - (leafIndex ^ (size - 1)).leadingZeroBitCount
        return inner + (leafIndex >> inner).nonzeroBitCount
    }

    /// Length of PROOF(oldSize, D[newSize]): the inclusion path of the old tree's last leaf, minus
    /// the levels inside the old tree's rightmost perfect subtree, plus that subtree's root unless
    /// it is the whole old tree.
    static func consistencyProofLength(oldSize: UInt64, newSize: UInt64) -> Int {
        precondition(0 < oldSize && oldSize <= newSize)
        guard oldSize < newSize else { return 0 }
        let shift = oldSize.trailingZeroBitCount
        let seedInProof = oldSize.nonzeroBitCount == 1 ? 0 : 1
        return seedInProof + inclusionProofLength(leafIndex: oldSize - 1, size: newSize) - shift
    }
}
