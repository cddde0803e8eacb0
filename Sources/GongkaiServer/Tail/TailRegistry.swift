import NIOConcurrencyHelpers
import NIOCore

/// Something that wants to hear that the durable head moved (a TAIL stream).
protocol CommitListener: AnyObject {
    /// Called on the writer thread; must only schedule work, never block.
    func headAdvanced()
    /// Called once when the daemon stops.
    func serverStopping()
}

/// The TAIL streams that are open. The writer tells them after each commit; each stream
/// then reads the new records from LMDB itself, at the pace its reader allows, so a slow
/// reader never holds records in memory nor slows the writer.
final class TailRegistry: @unchecked Sendable {
    /// Most TAIL streams open at once.
    static let maxStreams = 1_024

    private let listeners = NIOLockedValueBox([ObjectIdentifier: CommitListener]())

    /// False when `maxStreams` are already open.
    func add(_ listener: CommitListener) -> Bool {
        listeners.withLockedValue {
            guard $0.count < Self.maxStreams else { return false }
            $0[ObjectIdentifier(listener)] = listener
            return true
        }
    }

    func remove(_ listener: CommitListener) {
        _ = listeners.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(listener)) }
    }

    var count: Int { listeners.withLockedValue { $0.count } }

    func headAdvanced() {
        for listener in listeners.withLockedValue({ Array($0.values) }) { listener.headAdvanced() }
    }

    func serverStopping() {
        for listener in listeners.withLockedValue({ Array($0.values) }) { listener.serverStopping() }
    }
}
