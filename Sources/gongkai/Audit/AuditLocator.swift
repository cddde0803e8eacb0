import GongkaiJSON
import GongkaiMerkle

/// Finds the first changed record of an export whose seqs are in order but whose root differs
/// from the signed one. The daemon supplies proofs, and every proof is checked against the
/// signed checkpoint's root, so a daemon that lies cannot steer the answer: it can only make
/// the search fail.
///
/// The search bisects on prefixes: the trusted root of the first m records comes from
/// `PROOF CONSISTENCY m size` (verified against the signed root); the first m whose local
/// prefix root differs is the first changed record. `PROOF INCLUSION m size` then confirms
/// that the proven leaf of that record differs from the export's line.
struct AuditLocator {
    /// Sends one request line and returns the JSON of its `OK` answer.
    let ask: (String) throws -> JSONValue

    func firstChangedSeq(_ verification: AuditVerification) throws -> UInt64 {
        let checkpoint = verification.checkpoint
        let size = checkpoint.size
        // A signed size 0 with a root other than the empty tree's is a bogus checkpoint, not a
        // changed record: said, not trapped on.
        guard size >= 1, !verification.rootMatches else {
            throw AuditFailure("the checkpoint signs \(size) records with root \(checkpoint.root.hex), which no such log has; nothing to locate")
        }
        var low: UInt64 = 1, high = size    // the prefix of `high` records is known to differ
        while low < high {
            let middle = low + (high - low) / 2
            if try trustedRoot(of: middle, size: size, signedRoot: checkpoint.root) != verification.prefixRoot(middle) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        let proven = try provenLeaf(seq: low, size: size, signedRoot: checkpoint.root)
        guard proven != verification.leaves[Int(low - 1)] else {
            throw AuditFailure("the daemon's proofs disagree with each other about record \(low); cannot locate the change")
        }
        return low
    }

    /// The root of the first `old` records, proven consistent with the signed root.
    private func trustedRoot(of old: UInt64, size: UInt64, signedRoot: MerkleHash) throws -> MerkleHash {
        let answer = try ask("PROOF CONSISTENCY \(old) \(size)")
        guard answer["old"]?.integerValue == Int64(old), answer["new"]?.integerValue == Int64(size),
              let oldRoot = answer["oldRoot"]?.stringValue.flatMap(MerkleHash.init(hex:)),
              let hashes = Self.hashes(answer["hashes"]) else {
            throw AuditFailure("the daemon's consistency proof for \(old) and \(size) is malformed")
        }
        do {
            try MerkleProof.verifyConsistency(oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: signedRoot, proof: hashes)
        } catch {
            throw AuditFailure("the daemon's consistency proof for \(old) and \(size) does not verify against the signed root (\(error)): it does not serve this log")
        }
        return oldRoot
    }

    /// Record `seq`'s leaf hash, proven included under the signed root.
    private func provenLeaf(seq: UInt64, size: UInt64, signedRoot: MerkleHash) throws -> MerkleHash {
        let answer = try ask("PROOF INCLUSION \(seq) \(size)")
        guard answer["seq"]?.integerValue == Int64(seq), answer["size"]?.integerValue == Int64(size),
              let leaf = answer["leaf"]?.stringValue.flatMap(MerkleHash.init(hex:)),
              let hashes = Self.hashes(answer["hashes"]) else {
            throw AuditFailure("the daemon's inclusion proof for seq \(seq) is malformed")
        }
        do {
            try MerkleProof.verifyInclusion(leafIndex: seq - 1, size: size, leaf: leaf, proof: hashes, root: signedRoot)
        } catch {
            throw AuditFailure("the daemon's inclusion proof for seq \(seq) does not verify against the signed root (\(error)): it does not serve this log")
        }
        return leaf
    }

    private static func hashes(_ value: JSONValue?) -> [MerkleHash]? {
        guard let array = value?.arrayValue else { return nil }
        var hashes: [MerkleHash] = []
        for item in array {
            guard let hash = item.stringValue.flatMap(MerkleHash.init(hex:)) else { return nil }
            hashes.append(hash)
        }
        return hashes
    }
}
