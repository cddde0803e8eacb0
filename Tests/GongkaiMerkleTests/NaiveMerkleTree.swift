import GongkaiMerkle

/// An independent model of RFC 6962 section 2.1 for the property tests: MTH straight from the
/// definition over leaf hashes, and the layout of PATH and SUBPROOF, which predicts exactly which
/// altered sizes or indices a proof still fits.
enum NaiveMerkleTree {
    /// What a consistency proof hash is to the verifier.
    enum Role: Equatable {
        /// The root of the old tree's rightmost perfect subtree, where verification starts.
        case start
        /// A left sibling: part of both the old and the new tree.
        case inBoth
        /// A right sibling: part of the new tree only.
        case newOnly
    }

    /// MTH(D[n]) by the recursive definition.
    static func root(_ leaves: ArraySlice<MerkleHash>) -> MerkleHash {
        switch leaves.count {
        case 0: return RFC6962.emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = largestPowerOfTwo(below: UInt64(leaves.count))
            let middle = leaves.startIndex + Int(k)
            return RFC6962.nodeHash(root(leaves[..<middle]), root(leaves[middle...]))
        }
    }

    /// For each hash of PATH(index, D[size]), bottom-up: whether it is a left sibling.
    /// Nil when there is no such proof.
    static func inclusionShape(index: UInt64, size: UInt64) -> [Bool]? {
        guard index < size else { return nil }
        var (m, n) = (index, size)
        var isLeft: [Bool] = []
        while n > 1 {
            let k = largestPowerOfTwo(below: n)
            if m < k {
                isLeft.append(false)
                n = k
            } else {
                isLeft.append(true)
                (m, n) = (m - k, n - k)
            }
        }
        return isLeft.reversed()
    }

    /// The role of each hash of PROOF(oldSize, D[newSize]), in proof order.
    /// Nil when there is no such proof (old size 0, or sizes going backwards).
    static func consistencyShape(oldSize: UInt64, newSize: UInt64) -> [Role]? {
        guard oldSize > 0, oldSize <= newSize else { return nil }
        var (m, n) = (oldSize, newSize)
        var roles: [Role] = []
        var startsAtOldRoot = true
        while m != n {
            let k = largestPowerOfTwo(below: n)
            if m <= k {
                roles.append(.newOnly)
                n = k
            } else {
                roles.append(.inBoth)
                (m, n) = (m - k, n - k)
                startsAtOldRoot = false
            }
        }
        if !startsAtOldRoot {
            roles.append(.start)
        }
        return roles.reversed()
    }

    /// The `k` of RFC 6962: the largest power of two strictly below `n`, by counting.
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        precondition(n > 1)
        var k: UInt64 = 1
        while k < n - k { k *= 2 }
        return k
    }
}
