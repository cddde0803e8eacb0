import NIOConcurrencyHelpers
import NIOCore

/// The open client connections, so shutdown can let each finish its answers and close.
final class ConnectionRegistry: @unchecked Sendable {
    private let connections = NIOLockedValueBox([ObjectIdentifier: (Channel, ConnectionHandler)]())
    /// Set by `stopAllWhenIdle`, under the same lock as the table.
    private var stopping = false

    func add(_ channel: Channel, _ handler: ConnectionHandler) {
        // A connection accepted just before the listener closed may finish its set-up after
        // `stopAllWhenIdle` ran: it is told to stop as it joins.
        let stopNow = connections.withLockedValue {
            $0[ObjectIdentifier(channel)] = (channel, handler)
            return stopping
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = connections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        if stopNow { channel.eventLoop.execute { handler.stopWhenIdle() } }
    }

    var count: Int { connections.withLockedValue { $0.count } }

    /// Asks every connection to close once its answers are written.
    func stopAllWhenIdle() {
        let all = connections.withLockedValue {
            stopping = true
            return Array($0.values)
        }
        for (channel, handler) in all {
            channel.eventLoop.execute { handler.stopWhenIdle() }
        }
    }

    func closeAll() {
        for (channel, _) in connections.withLockedValue({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }
}
