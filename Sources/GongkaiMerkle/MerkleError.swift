/// Why a Merkle root or proof could not be produced or did not verify.
public enum MerkleError: Error, Equatable, CustomStringConvertible {
    /// An inclusion proof was asked for or checked for a leaf the tree does not have.
    case leafIndexOutOfRange(leafIndex: UInt64, size: UInt64)
    /// A consistency proof between sizes that go backwards.
    case sizeOutOfRange(oldSize: UInt64, newSize: UInt64)
    /// A consistency check from the empty tree, which proves nothing.
    case emptyOldTree(newSize: UInt64)
    /// The proof has the wrong number of hashes for its sizes and index.
    case wrongProofLength(expected: Int, actual: Int)
    /// The proof leads to a root other than the one claimed (the new root, for consistency).
    case rootMismatch(expected: MerkleHash, computed: MerkleHash)
    /// A consistency proof does not rebuild the claimed old root.
    case oldRootMismatch(expected: MerkleHash, computed: MerkleHash)
    /// A perfect subtree hash the computation needs is not stored.
    case missingNode(SubtreeAddress)

    public var description: String {
        switch self {
        case let .leafIndexOutOfRange(leafIndex, size):
            return "leaf index \(leafIndex) is out of range for a tree of size \(size)"
        case let .sizeOutOfRange(oldSize, newSize):
            return "old tree size \(oldSize) is larger than new tree size \(newSize)"
        case let .emptyOldTree(newSize):
            return "no consistency check from the empty tree to size \(newSize): every tree extends it"
        case let .wrongProofLength(expected, actual):
            return "proof has \(actual) hashes, expected \(expected)"
        case let .rootMismatch(expected, computed):
            return "proof leads to root \(computed.hex), expected \(expected.hex)"
        case let .oldRootMismatch(expected, computed):
            return "consistency proof leads to old root \(computed.hex), expected \(expected.hex)"
        case let .missingNode(address):
            return "Merkle node level \(address.level) index \(address.index) is not stored"
        }
    }
}
