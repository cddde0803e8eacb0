import GongkaiMerkle

/// Start-up's check of the Merkle nodes the LMDB index stores. The head (size and root) is
/// read from the stored peaks, and LMDB keeps no checksums: one flipped bit in a stored node
/// would be extended by every append, put in every receipt and signed into every checkpoint,
/// a second root for a size already signed. The append log is the source of truth, so its
/// records are hashed again and must give the same root.
extension LedgerStore {
    /// Records hashed per read of the log.
    static let rootCheckChunkRecords = 65_536

    /// Hashes records 1...head.size from the append log (about 0.4 s per million here) and
    /// throws if their root is not the head's. Safe beside the start-up fold: it reads the
    /// log through a cursor of its own.
    public func checkStoredRootAgainstLog() throws {
        let head = self.head
        let cursor = try recordCursor()
        var frontier = MerkleFrontier()
        var remaining = head.size
        while remaining > 0 {
            let count = Int(min(remaining, UInt64(Self.rootCheckChunkRecords)))
            try cursor.read(count: count) { _, record in
                frontier.append(leaf: RFC6962.leafHash(record)) { _, _ in }
            }
            remaining -= UInt64(count)
        }
        guard frontier.root == head.root else {
            throw StorageError("open", message: "the LMDB index's Merkle nodes give root \(head.root.hex) for \(head.size) records, but the append log's records give \(frontier.root.hex)")
        }
    }

    /// Marks the index for a rebuild from the append log at the next open, and takes no
    /// append before then (`close` leaves the mark in place).
    public func distrustIndex(_ reason: String) throws {
        appendLog.markBroken(reason)
        try IndexMarker.flushFailed.write(directory: directory)
    }
}
