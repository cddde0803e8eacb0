/// The right edge of the tree kept in memory by the single writer: the hashes of the perfect
/// subtrees that make up the current size (at most 64). Appending a leaf returns every perfect
/// subtree hash the append completes (the leaf itself at level 0, then each parent it closes), so
/// the writer can store them; `root` computes the RFC 6962 root of the current size with no reads.
///
/// After the first append to a given copy, `append(leaf:completed:)` and `root` do not allocate.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: UInt64

    /// One hash per set bit of `size`, largest subtree (leftmost) first. Kept at a capacity of 64
    /// (one per bit of a UInt64 size) so appends never grow it.
    private var peaks: [MerkleHash]

    private static let peakCapacity = UInt64.bitWidth

    /// The empty tree.
    public init() {
        size = 0
        peaks = []
        peaks.reserveCapacity(Self.peakCapacity)
    }

    /// Rebuilds the frontier of a stored tree after a restart: `popcount(size)` reads.
    public init(size: UInt64, source: some SubtreeHashSource) throws {
        self.size = size
        peaks = []
        peaks.reserveCapacity(Self.peakCapacity)
        try SubtreeAddress.forEachCovering(start: 0, count: size) { address in
            peaks.append(try source.subtreeHash(address))
        }
    }

    /// Adds the next leaf (index `size`) and returns the subtrees it completes, lowest first.
    /// Allocates the returned array; `append(leaf:completed:)` does not.
    public mutating func append(leaf: MerkleHash) -> [(SubtreeAddress, MerkleHash)] {
        var completed: [(SubtreeAddress, MerkleHash)] = []
        completed.reserveCapacity(1 + (~size).trailingZeroBitCount)
        append(leaf: leaf) { completed.append(($0, $1)) }
        return completed
    }

    /// Adds the next leaf (index `size`) and passes each subtree it completes to `completed`,
    /// lowest first: the leaf itself at level 0, then each parent it closes. If `completed`
    /// throws, the frontier is left unchanged.
    public mutating func append(
        leaf: MerkleHash, completed: (SubtreeAddress, MerkleHash) throws -> Void
    ) rethrows {
        precondition(size < UInt64.max, "the tree is full")
        try completed(SubtreeAddress(level: 0, index: size), leaf)
        // Like a binary increment: each trailing one bit of the old size is a peak of the same
        // height as the carry, and merging with it closes the parent.
        let merges = (~size).trailingZeroBitCount
        var hash = leaf
        var peak = peaks.endIndex
        var level = 0
        while level < merges {
            peak -= 1
            level += 1
            hash = RFC6962.nodeHash(peaks[peak], hash)
            try completed(SubtreeAddress(level: level, index: size >> level), hash)
        }
        // A no-op once this copy owns a full-capacity buffer; otherwise copies it once, so
        // the edits below never reallocate.
        peaks.reserveCapacity(Self.peakCapacity)
        peaks.removeLast(merges)
        peaks.append(hash)
        size += 1
        assert(peaks.count == size.nonzeroBitCount)
    }

    /// The RFC 6962 root of the current size.
    public var root: MerkleHash { RFC6962.root(ofPeaks: peaks) }
}
