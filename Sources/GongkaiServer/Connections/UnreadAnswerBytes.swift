import Glibc
import NIOCore

/// How many bytes of answers a client has not taken yet: what NIO still holds, plus what
/// waits in the socket for the client to read (for a Unix socket, the sender's buffer
/// allocation that SO_MEMINFO reports). A closing connection watches it fall to tell a
/// client that reads slowly (a pager) from one that reads nothing.
enum UnreadAnswerBytes {
    /// SO_MEMINFO (asm-generic/socket.h), not exported by Swift's Glibc.
    private static let soMeminfo: Int32 = 55

    /// The kernel's `SK_MEMINFO_VARS` counters (linux/sock_diag.h); the third is
    /// `SK_MEMINFO_WMEM_ALLOC`.
    private struct Meminfo: Sendable {
        var counters: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
    }

    /// Call on the channel's event loop, where both reads complete at once.
    static func of(_ channel: Channel) -> Int {
        channel.eventLoop.preconditionInEventLoop()
        let held = (try? channel.syncOptions?.getOption(ChannelOptions.bufferedWritableBytes)) ?? 0
        guard let provider = channel as? SocketOptionProvider else { return held }
        let info: EventLoopFuture<Meminfo> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soMeminfo))
        var inSocket = 0
        info.whenSuccess { inSocket = Int($0.counters.2) }  // already complete: runs now
        return held + inSocket
    }
}
