import Crypto

/// RFC 6962 section 2.1 hashing: domain-separated leaf and interior-node hashes.
public enum RFC6962 {
    // Distinct prefixes keep a leaf hash from ever equalling a node hash (no second preimages).
    private static let leafPrefix: UInt8 = 0x00
    private static let nodePrefix: UInt8 = 0x01

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot = MerkleHash(SHA256.hash(data: [UInt8]()))

    /// SHA-256(0x00 || data).
    public static func leafHash<C: Collection>(_ data: C) -> MerkleHash where C.Element == UInt8 {
        if let hash = data.withContiguousStorageIfAvailable({ leafHash(UnsafeRawBufferPointer($0)) }) {
            return hash
        }
        return Array(data).withUnsafeBytes { leafHash($0) }
    }

    /// SHA-256(0x00 || data), without copying the data.
    public static func leafHash(_ data: UnsafeRawBufferPointer) -> MerkleHash {
        var sha = SHA256()
        withUnsafeBytes(of: leafPrefix) { sha.update(bufferPointer: $0) }
        sha.update(bufferPointer: data)
        return MerkleHash(sha.finalize())
    }

    /// SHA-256(0x01 || left || right).
    public static func nodeHash(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var sha = SHA256()
        withUnsafeBytes(of: nodePrefix) { sha.update(bufferPointer: $0) }
        left.bytes.withUnsafeBytes { sha.update(bufferPointer: $0) }
        right.bytes.withUnsafeBytes { sha.update(bufferPointer: $0) }
        return MerkleHash(sha.finalize())
    }

    /// The root of a tree given its perfect subtrees left to right, largest first (see
    /// `SubtreeAddress.covering`): MTH splits at the largest power of two, so it folds from the right.
    static func root(ofPeaks peaks: [MerkleHash]) -> MerkleHash {
        guard var hash = peaks.last else { return emptyRoot }
        for peak in peaks.dropLast().reversed() {
            hash = nodeHash(peak, hash)
        }
        return hash
    }

    /// The largest power of two strictly below `n` (the `k` of RFC 6962 section 2.1); `n` ≥ 2.
    static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "only a tree of two or more leaves splits")
        return 1 << (63 - (n - 1).leadingZeroBitCount)
    }
}

extension MerkleHash {
    init(_ digest: SHA256.Digest) {
        self.init(bytes: Array(digest))
    }
}
