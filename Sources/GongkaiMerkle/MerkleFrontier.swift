/// The right edge of the tree kept in memory by the single writer: the hashes of the perfect
/// subtrees that make up the current size (at most 64). Appending a leaf returns every perfect
/// subtree hash the append completes (the leaf itself at level 0, then each parent it closes), so
/// the writer can store them; `root` computes the RFC 6962 root of the current size with no reads.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: UInt64

    /// One hash per set bit of `size`, largest subtree (leftmost) first.
    private var peaks: [MerkleHash]

    /// The empty tree.
    public init() {
        size = 0
        peaks = []
    }

    /// Rebuilds the frontier of a stored tree after a restart: `popcount(size)` reads.
    public init(size: UInt64, source: some SubtreeHashSource) throws {
        self.size = size
        peaks = try SubtreeAddress.covering(start: 0, count: size).map(source.subtreeHash)
    }

    /// Adds the next leaf (index `size`) and returns the subtrees it completes, lowest first.
    public mutating func append(leaf: MerkleHash) -> [(SubtreeAddress, MerkleHash)] {
        precondition(size < UInt64.max, "the tree is full")
        var completed = [(SubtreeAddress(level: 0, index: size), leaf)]
        var hash = leaf
        var level = 0
        // Like a binary increment: each trailing one bit of the old size is a peak of the same
        // height as the carry, and merging with it closes the parent.
        while (size >> level) & 1 == 1 {
            hash = RFC6962.nodeHash(peaks.removeLast(), hash)
            level += 1
            completed.append((SubtreeAddress(level: level, index: size >> level), hash))
        }
        peaks.append(hash)
        size += 1
        assert(peaks.count == size.nonzeroBitCount)
        return completed
    }

    /// The RFC 6962 root of the current size.
    public var root: MerkleHash { RFC6962.root(ofPeaks: peaks) }
}
