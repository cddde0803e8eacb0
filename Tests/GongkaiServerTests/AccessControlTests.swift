import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import GongkaiServer
import XCTest

/// Group look-ups (NSS, which may wait on a directory server) run off the event loops: when a
/// connection opens, and for every open connection when the rules are reloaded.
final class AccessControlTests: XCTestCase {
    /// A directory that answers from a table, records who asked from where, and can be held.
    private final class Directory: @unchecked Sendable {
        let lock = NSLock()
        var table: [UInt32: [UInt32]] = [:]
        var asked: [PeerIdentity] = []
        var askedOnALoop = false
        var gate: DispatchSemaphore?

        func lookUp(_ peer: PeerIdentity) -> [UInt32] {
            let onLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
            let gate = lock.withLock { () -> DispatchSemaphore? in
                asked.append(peer)
                askedOnALoop = askedOnALoop || onLoop
                return self.gate
            }
            gate?.wait()
            return lock.withLock { table[peer.uid] ?? [] }
        }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    override func tearDown() { try? group.syncShutdownGracefully() }

    private let clerk = PeerIdentity(uid: 2001, gid: 2001)
    private let admin = PeerIdentity(uid: 0, gid: 0)
    /// admin by uid; office:czj by group 3001.
    private let byGroup = AccessPolicy(rules: [AccessRule(principal: .admin, uids: [0]), AccessRule(principal: .office("czj"), gids: [3001])])

    private func open(_ peer: PeerIdentity, _ access: AccessControl) throws {
        let loop = group.next()
        try loop.flatSubmit { access.connectionOpening(peer, on: loop) }.wait()
    }

    private func principal(_ peer: PeerIdentity, _ access: AccessControl) -> Principal? {
        let (_, policy, groups) = access.rules(for: peer)
        return policy.principal(uid: peer.uid, gid: peer.gid) { groups ?? [] }
    }

    func testGroupsAreLookedUpOffTheLoopOncePerPeerAndAgainAtAReload() throws {
        let directory = Directory()
        directory.table = [2001: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp)
        try open(clerk, access)
        try open(clerk, access)
        try open(admin, access)
        XCTAssertEqual(directory.asked, [clerk], "once per peer, and never for a uid a rule names")
        XCTAssertFalse(directory.askedOnALoop)
        XCTAssertEqual(principal(clerk, access), .office("czj"))

        // The clerk leaves the group; a reload asks again for the open peer, off the loop.
        directory.table = [2001: []]
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked, [clerk, clerk])
        XCTAssertNil(principal(clerk, access))

        // Closed peers are forgotten and not asked for again.
        access.connectionClosed(clerk)
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked.count, 3, "one connection of the clerk is still open")
        access.connectionClosed(clerk)
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked.count, 3)
        XCTAssertNil(access.rules(for: clerk).groups)
        XCTAssertFalse(directory.askedOnALoop)
    }

    /// Rules that gain group rules at a reload look up the groups of connections opened when
    /// none were needed.
    func testAReloadThatAddsGroupRulesLooksUpTheOpenPeers() throws {
        let directory = Directory()
        directory.table = [2001: [3001]]
        let access = AccessControl(policy: .owner(uid: 0), lookUpGroups: directory.lookUp)
        try open(clerk, access)
        XCTAssertEqual(directory.asked, [])
        XCTAssertNil(principal(clerk, access))
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked, [clerk])
        XCTAssertEqual(principal(clerk, access), .office("czj"))
    }

    /// A directory that does not answer holds up the connection that waits for it, not the
    /// event loop and not a peer whose groups are known.
    func testASlowDirectoryDoesNotHoldUpTheLoop() throws {
        let directory = Directory()
        directory.table = [2001: [3001], 2002: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp)
        try open(clerk, access)
        directory.gate = DispatchSemaphore(value: 0)
        let loop = group.next()
        let other = PeerIdentity(uid: 2002, gid: 2002)
        let waiting = try loop.submit { access.connectionOpening(other, on: loop) }.wait()
        // The loop still runs, and a known peer still opens at once.
        XCTAssertEqual(try loop.submit { 42 }.wait(), 42)
        try open(clerk, access)
        XCTAssertFalse(waiting.isFulfilledForTesting(loop))
        directory.gate?.signal()
        try waiting.wait()
        XCTAssertEqual(principal(other, access), .office("czj"))
        XCTAssertFalse(directory.askedOnALoop)
    }
}

extension EventLoopFuture {
    /// Whether the future has completed, asked on its loop.
    func isFulfilledForTesting(_ loop: EventLoop) -> Bool {
        let done = NIOLockedValueBox(false)
        whenComplete { _ in done.withLockedValue { $0 = true } }
        // Callbacks of a completed future run at once on the loop that completed it.
        return (try? loop.submit { done.withLockedValue { $0 } }.wait()) ?? false
    }
}
