import Glibc
import NIOCore

/// Who is at the other end of a Unix socket, as the kernel says (SO_PEERCRED). Declared
/// here because glibc hides `struct ucred` behind `_GNU_SOURCE`; the layout matches it.
public struct PeerCredentials: Equatable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// Who the peer is for group rules.
    var identity: PeerIdentity { PeerIdentity(uid: uid, gid: gid) }

    /// Asks the kernel for the peer of an accepted Unix-socket channel.
    static func of(_ channel: Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ServerError("the channel cannot report peer credentials"))
        }
        return provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
    }
}
