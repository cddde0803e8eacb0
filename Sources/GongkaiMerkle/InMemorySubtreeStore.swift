/// A `SubtreeHashSource` held in a dictionary, for tests and small tools: fill it with what
/// `MerkleFrontier.append(leaf:)` returns.
public struct InMemorySubtreeStore: SubtreeHashSource, Sendable {
    /// Every stored subtree hash; writable so tests can drop or corrupt nodes.
    public var hashes: [SubtreeAddress: MerkleHash] = [:]

    public init() {}

    /// A store holding every perfect subtree of the tree with these leaf hashes.
    public init(leaves: some Sequence<MerkleHash>) {
        var frontier = MerkleFrontier()
        for leaf in leaves {
            frontier.append(leaf: leaf) { hashes[$0] = $1 }
        }
    }

    public mutating func insert(_ nodes: [(SubtreeAddress, MerkleHash)]) {
        for (address, hash) in nodes {
            hashes[address] = hash
        }
    }

    public func subtreeHash(_ address: SubtreeAddress) throws -> MerkleHash {
        guard let hash = hashes[address] else { throw MerkleError.missingNode(address) }
        return hash
    }
}
