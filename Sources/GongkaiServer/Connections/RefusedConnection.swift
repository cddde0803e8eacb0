import NIOCore

/// The whole pipeline of a connection refused at `--max-connections` or
/// `--max-connections-per-uid`, or whose groups were not looked up in time: once the channel is
/// active it writes the refusal, then closes when that write completes (or fails: the peer
/// may be gone). Written from `channelActive`, not from the initializer: NIO does not flush
/// a channel that is not yet active, so a write there never completes and the channel, with
/// its descriptor, would never be closed.
final class RefusedConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let refusal: String

    init(maxConnections: Int) {
        refusal = "ERR unavailable too many connections (\(maxConnections))\n"
    }

    init(uid: UInt32, maxConnectionsPerUid: Int) {
        refusal = "ERR unavailable too many connections from uid \(uid) (\(maxConnectionsPerUid))\n"
    }

    init(_ timedOut: GroupLookupTimedOut) {
        refusal = timedOut.refusal
    }

    func channelActive(context: ChannelHandlerContext) {
        let buffer = context.channel.allocator.buffer(string: refusal)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in context.close(promise: nil) }
    }

    /// Whatever the peer sent is not read as requests.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
