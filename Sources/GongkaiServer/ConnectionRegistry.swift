import NIOConcurrencyHelpers
import NIOCore

/// The open client connections, so shutdown can let each finish its answers and close.
final class ConnectionRegistry: @unchecked Sendable {
    private let connections = NIOLockedValueBox([ObjectIdentifier: (Channel, ConnectionHandler)]())

    func add(_ channel: Channel, _ handler: ConnectionHandler) {
        connections.withLockedValue { $0[ObjectIdentifier(channel)] = (channel, handler) }
        channel.closeFuture.whenComplete { [self] _ in
            _ = connections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
    }

    var count: Int { connections.withLockedValue { $0.count } }

    /// Asks every connection to close once its answers are written.
    func stopAllWhenIdle() {
        for (channel, handler) in connections.withLockedValue({ Array($0.values) }) {
            channel.eventLoop.execute { handler.stopWhenIdle() }
        }
    }

    func closeAll() {
        for (channel, _) in connections.withLockedValue({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }
}
