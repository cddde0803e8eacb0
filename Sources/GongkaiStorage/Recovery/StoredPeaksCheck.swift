import CLMDB
import GongkaiMerkle

/// Start-up's check of the Merkle nodes the head is read from. The head's root comes from the
/// stored peaks, and LMDB keeps no checksums: one flipped bit in a peak would be extended by
/// every append, put in every receipt and signed into every checkpoint, a second root for a
/// size already signed. Each peak must be the hash of its two stored children (a leaf peak,
/// the hash of its record), so a damaged peak, or a damaged child of one, is found in
/// `popcount(size)` reads. Nodes deeper down do not enter the root; `VERIFY` checks them all
/// against the records.
extension LedgerStore {
    /// Throws, naming the first peak that disagrees, if the stored peaks of a tree of `size`
    /// leaves are not the hashes of what lies below them. Run by `init` on every open.
    static func checkStoredPeaks(env: LMDBEnvironment, tree: MDB_dbi, log: MDB_dbi, size: UInt64) throws {
        try env.read { txn in
            let source = TreeNodeSource(txn: txn, tree: tree)
            try SubtreeAddress.forEachCovering(start: 0, count: size) { peak in
                let stored = try source.subtreeHash(peak)
                let below: MerkleHash
                if peak.level == 0 {
                    guard let record = try LMDBValues.get(txn, log, key: LedgerLayout.seqKey(peak.index + 1)) else {
                        throw StorageError("open", message: "record \(peak.index + 1) is missing from the LMDB index")
                    }
                    below = RFC6962.leafHash(record)
                } else {
                    below = RFC6962.nodeHash(try source.subtreeHash(SubtreeAddress(level: peak.level - 1, index: peak.index * 2)),
                                             try source.subtreeHash(SubtreeAddress(level: peak.level - 1, index: peak.index * 2 + 1)))
                }
                guard below == stored else {
                    throw StorageError("open", message: "the LMDB index's Merkle node at level \(peak.level) index \(peak.index), a peak of the head's \(size) records, is \(stored.hex), but what lies below it gives \(below.hex)")
                }
            }
        }
    }
}
