import Crypto

/// RFC 6962 section 2.1 hashing: domain-separated leaf and interior-node hashes.
///
/// Nothing here allocates beyond what `SHA256` itself does (swift-crypto boxes its context).
public enum RFC6962 {
    // Distinct prefixes keep a leaf hash from ever equalling a node hash (no second preimages).
    private static let leafPrefix: UInt8 = 0x00
    private static let nodePrefix: UInt8 = 0x01

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot = MerkleHash(SHA256().finalize())

    /// SHA-256(0x00 || data).
    public static func leafHash<C: Collection>(_ data: C) -> MerkleHash where C.Element == UInt8 {
        if let hash = data.withContiguousStorageIfAvailable({ leafHash(UnsafeRawBufferPointer($0)) }) {
            return hash
        }
        return Array(data).withUnsafeBytes { leafHash($0) }
    }

    /// SHA-256(0x00 || data), without copying the data.
    public static func leafHash(_ data: UnsafeRawBufferPointer) -> MerkleHash {
        var hashing = LeafHashing()
        hashing.update(data)
        return hashing.finalize()
    }

    /// A leaf hash fed in parts: the writer finishes, with a record's last few bytes, a hash
    /// that an event loop began over the rest.
    ///
    /// Sendable by hand: swift-crypto's SHA256 is a value whose context is copied on write
    /// (its `update` copies a context it does not hold alone), so a copy finished on another
    /// thread never changes the one handed over.
    public struct LeafHashing: @unchecked Sendable {
        private var sha = SHA256()

        public init() {
            withUnsafeBytes(of: RFC6962.leafPrefix) { sha.update(bufferPointer: $0) }
        }

        public mutating func update(_ data: UnsafeRawBufferPointer) { sha.update(bufferPointer: data) }

        /// SHA-256(0x00 || everything fed).
        public func finalize() -> MerkleHash { MerkleHash(sha.finalize()) }
    }

    /// SHA-256(0x01 || left || right), hashed from one 65-byte buffer on the stack.
    public static func nodeHash(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        // 72 bytes of stack; the message is bytes 0..<65.
        var message: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &message) { buffer in
            let base = buffer.baseAddress.unsafelyUnwrapped
            base.storeBytes(of: nodePrefix, as: UInt8.self)
            base.storeBytes(of: left.words.0, toByteOffset: 1, as: UInt64.self)
            base.storeBytes(of: left.words.1, toByteOffset: 9, as: UInt64.self)
            base.storeBytes(of: left.words.2, toByteOffset: 17, as: UInt64.self)
            base.storeBytes(of: left.words.3, toByteOffset: 25, as: UInt64.self)
            base.storeBytes(of: right.words.0, toByteOffset: 33, as: UInt64.self)
            base.storeBytes(of: right.words.1, toByteOffset: 41, as: UInt64.self)
            base.storeBytes(of: right.words.2, toByteOffset: 49, as: UInt64.self)
            base.storeBytes(of: right.words.3, toByteOffset: 57, as: UInt64.self)
            var sha = SHA256()
            sha.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: 1 + 2 * MerkleHash.byteCount))
            return MerkleHash(sha.finalize())
        }
    }

    /// The root of a tree given its perfect subtrees left to right, largest first (see
    /// `SubtreeAddress.forEachCovering`): MTH splits at the largest power of two, so it folds
    /// from the right.
    static func root<Peaks: BidirectionalCollection>(ofPeaks peaks: Peaks) -> MerkleHash where Peaks.Element == MerkleHash {
        var index = peaks.endIndex
        guard index != peaks.startIndex else { return emptyRoot }
        peaks.formIndex(before: &index)
        var hash = peaks[index]
        while index != peaks.startIndex {
            peaks.formIndex(before: &index)
            hash = nodeHash(peaks[index], hash)
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
    /// The digest's 32 bytes, read in place.
    init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { MerkleHash(bytes: $0) }
    }
}
