/// Where stored perfect-subtree hashes come from (the storage layer implements it over LMDB).
public protocol SubtreeHashSource {
    /// The hash of a completed perfect subtree; throws (`MerkleError.missingNode` or a storage
    /// error) when it is not stored.
    func subtreeHash(_ address: SubtreeAddress) throws -> MerkleHash
}
