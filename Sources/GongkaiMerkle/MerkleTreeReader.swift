/// Answers root/proofs for any size ≤ the stored size from stored perfect subtrees, in O(log n) lookups
/// (O(log^2 n) at most), following RFC 6962 section 2.1 (MTH, PATH, SUBPROOF).
///
/// Every range the RFC recursion hashes is a run of aligned perfect subtrees, so each MTH costs one
/// lookup per set bit of the range length and never touches a leaf.
public struct MerkleTreeReader<Source: SubtreeHashSource> {
    public let source: Source

    public init(source: Source) {
        self.source = source
    }

    /// MTH of the first `size` leaves.
    public func root(size: UInt64) throws -> MerkleHash {
        try hash(start: 0, count: size)
    }

    /// PATH(leafIndex, D[size]): sibling hashes from the leaf up to the root.
    public func inclusionProof(leafIndex: UInt64, size: UInt64) throws -> [MerkleHash] {
        guard leafIndex < size else { throw MerkleError.leafIndexOutOfRange(leafIndex: leafIndex, size: size) }
        // Walk down from the root; the RFC lists siblings bottom-up, so reverse at the end.
        var siblings: [MerkleHash] = []
        var (m, start, n) = (leafIndex, UInt64(0), size)
        while n > 1 {
            let k = RFC6962.split(n)
            if m < k {
                siblings.append(try hash(start: start + k, count: n - k))
                n = k
            } else {
                siblings.append(try hash(start: start, count: k))
                (m, start, n) = (m - k, start + k, n - k)
            }
        }
        return siblings.reversed()
    }

    /// PROOF(oldSize, D[newSize]) = SUBPROOF(oldSize, D[newSize], true); empty when `oldSize` is 0
    /// or equals `newSize`, where there is nothing to prove.
    public func consistencyProof(oldSize: UInt64, newSize: UInt64) throws -> [MerkleHash] {
        guard oldSize <= newSize else { throw MerkleError.sizeOutOfRange(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0, oldSize < newSize else { return [] }
        var nodes: [MerkleHash] = []
        var (m, start, n) = (oldSize, UInt64(0), newSize)
        // Stays true while the old tree is a left-edge subtree the verifier already knows the root of.
        var oldRootKnown = true
        while m != n {
            let k = RFC6962.split(n)
            if m <= k {
                nodes.append(try hash(start: start + k, count: n - k))
                n = k
            } else {
                nodes.append(try hash(start: start, count: k))
                (m, start, n) = (m - k, start + k, n - k)
                oldRootKnown = false
            }
        }
        if !oldRootKnown {
            nodes.append(try hash(start: start, count: n))
        }
        return nodes.reversed()
    }

    /// MTH of leaves `[start, start + count)`, a range aligned as in the RFC recursion.
    /// The (at most 64) peaks are gathered on the stack.
    private func hash(start: UInt64, count: UInt64) throws -> MerkleHash {
        try withUnsafeTemporaryAllocation(of: MerkleHash.self, capacity: max(count.nonzeroBitCount, 1)) { peaks in
            // MerkleHash is trivial, so the slots need no deinitialization.
            var filled = 0
            try SubtreeAddress.forEachCovering(start: start, count: count) { address in
                peaks.initializeElement(at: filled, to: try source.subtreeHash(address))
                filled += 1
            }
            return RFC6962.root(ofPeaks: UnsafeBufferPointer(rebasing: peaks[..<filled]))
        }
    }
}

extension MerkleTreeReader: Sendable where Source: Sendable {}
