/// Why a running daemon stopped on its own: a failed commit left the append log holding a
/// frame it could not take back, so no append could be taken before a restart. The next
/// start reconciles the log and the index (the frame's appends join the ledger, as their
/// `ERR storage` answers said they might).
public struct AppendsRefused: Error, CustomStringConvertible {
    public let reason: String

    public var description: String {
        "no append could be taken before a restart (\(reason)); a restart reconciles the append log and the index"
    }
}
