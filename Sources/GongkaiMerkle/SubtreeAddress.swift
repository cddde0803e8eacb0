/// Perfect aligned subtree: level L, index i covers leaves [i << L, (i+1) << L).
public struct SubtreeAddress: Hashable, Sendable, CustomStringConvertible {
    public let level: Int
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        precondition((0..<64).contains(level), "subtree level \(level) is outside 0..<64")
        // The last leaf must still have a UInt64 index.
        precondition(level == 0 || index >> (64 - level) == 0, "subtree \(index) at level \(level) ends past 2^64 leaves")
        self.level = level
        self.index = index
    }

    /// Index of the first leaf covered.
    public var firstLeaf: UInt64 { index << level }

    /// Number of leaves covered: 2^level.
    public var leafCount: UInt64 { 1 << level }

    public var description: String { "subtree(level: \(level), index: \(index))" }

    /// Calls `body` with the perfect subtrees that make up leaves `[start, start + count)`, left to
    /// right, largest first (`count.nonzeroBitCount` of them). `start` must be a multiple of the
    /// largest one, which holds for every range in RFC 6962's recursion (and for `start == 0`).
    public static func forEachCovering(start: UInt64, count: UInt64, _ body: (SubtreeAddress) throws -> Void) rethrows {
        var first = start
        var remaining = count
        while remaining > 0 {
            let level = 63 - remaining.leadingZeroBitCount
            precondition(first & ((1 << level) - 1) == 0, "leaf range starting at \(first) is not aligned to 2^\(level)")
            try body(SubtreeAddress(level: level, index: first >> level))
            // Wraps only after the last piece of a range ending exactly at 2^64.
            first &+= 1 << level
            remaining -= 1 << level
        }
    }
}
