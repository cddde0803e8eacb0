import GongkaiMerkle

/// RFC 6962 proofs over the stored tree, for any size up to the committed one, in O(log n)
/// node reads inside one read transaction.
extension LedgerStore {
    /// The leaf of record `seq`, the audit path to the root of the tree of `size` records,
    /// and that root.
    public func inclusionProof(seq: UInt64, size: UInt64) throws -> (leaf: MerkleHash, hashes: [MerkleHash], root: MerkleHash) {
        precondition(seq >= 1 && seq <= size, "the record is inside the tree")
        return try env.read { txn in
            let reader = MerkleTreeReader(source: TreeNodeSource(txn: txn, tree: tree))
            let leaf = try reader.source.subtreeHash(SubtreeAddress(level: 0, index: seq - 1))
            return (leaf, try reader.inclusionProof(leafIndex: seq - 1, size: size), try reader.root(size: size))
        }
    }

    /// The proof that the tree of `new` records extends the tree of `old`, and both roots.
    public func consistencyProof(old: UInt64, new: UInt64) throws -> (hashes: [MerkleHash], oldRoot: MerkleHash, newRoot: MerkleHash) {
        precondition(old >= 1 && old <= new, "consistency runs from a non-empty tree to a larger one")
        return try env.read { txn in
            let reader = MerkleTreeReader(source: TreeNodeSource(txn: txn, tree: tree))
            return (try reader.consistencyProof(oldSize: old, newSize: new), try reader.root(size: old), try reader.root(size: new))
        }
    }
}
