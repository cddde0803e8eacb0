import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import GongkaiServer
import XCTest

/// Group look-ups (NSS, which may wait on a directory server) run off the event loops: when a
/// connection opens, and for every open connection when the rules are reloaded.
final class AccessControlTests: XCTestCase {
    /// A directory that answers from a table, records who asked from where, and can be held.
    final class Directory: @unchecked Sendable {
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

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    override func tearDown() { try? group.syncShutdownGracefully() }

    let clerk = PeerIdentity(uid: 2001, gid: 2001)
    private let admin = PeerIdentity(uid: 0, gid: 0)
    /// admin by uid; office:czj by group 3001.
    let byGroup = AccessPolicy(rules: [AccessRule(principal: .admin, uids: [0]), AccessRule(principal: .office("czj"), gids: [3001])])

    func open(_ peer: PeerIdentity, _ access: AccessControl) throws {
        let loop = group.next()
        try loop.flatSubmit { access.connectionOpening(peer, on: loop) }.wait()
    }

    /// The principal the rules give `peer`; its groups must be there whenever they are needed.
    private func principal(_ peer: PeerIdentity, _ access: AccessControl, file: StaticString = #filePath, line: UInt = #line) -> Principal? {
        let (_, policy, groups) = access.rules(for: peer)
        return policy.principal(uid: peer.uid, gid: peer.gid) {
            XCTAssertNotNil(groups, "the groups of an open peer the rules need them of", file: file, line: line)
            return groups ?? []
        }
    }

    func testGroupsAreLookedUpOffTheLoopForEachConnectionAndAgainAtAReload() throws {
        let directory = Directory()
        directory.table = [2001: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp)
        try open(clerk, access)
        try open(admin, access)
        XCTAssertEqual(directory.asked, [clerk], "never for a uid a rule names")
        XCTAssertFalse(directory.askedOnALoop)
        XCTAssertEqual(principal(clerk, access), .office("czj"))

        // The clerk leaves the group: a new connection is looked up afresh, though one is open.
        directory.table = [2001: []]
        try open(clerk, access)
        XCTAssertEqual(directory.asked, [clerk, clerk])
        XCTAssertNil(principal(clerk, access))

        // Back in the group; a reload asks again for the open peer, off the loop.
        directory.table = [2001: [3001]]
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked.count, 3)
        XCTAssertEqual(principal(clerk, access), .office("czj"))

        // Closed peers are forgotten and not asked for again.
        access.connectionClosed(clerk)
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked.count, 4, "one connection of the clerk is still open")
        access.connectionClosed(clerk)
        access.replace(with: byGroup)
        XCTAssertEqual(directory.asked.count, 4)
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
    /// event loop and not a peer named by uid, also while a reload waits for it.
    func testASlowDirectoryDoesNotHoldUpTheLoop() throws {
        let directory = Directory()
        directory.table = [2001: [3001], 2002: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp)
        try open(clerk, access)
        directory.gate = DispatchSemaphore(value: 0)
        let loop = group.next()
        let other = PeerIdentity(uid: 2002, gid: 2002)
        let waiting = try loop.submit { access.connectionOpening(other, on: loop) }.wait()
        // The loop still runs, and a peer named by uid still opens at once.
        XCTAssertEqual(try loop.submit { 42 }.wait(), 42)
        try open(admin, access)
        XCTAssertFalse(waiting.isFulfilledForTesting(loop))
        directory.gate?.signal()
        try waiting.wait()
        XCTAssertEqual(principal(other, access), .office("czj"))

        // A reload held up by the directory: the admin still opens at once; the clerk waits
        // for the reload, then for its own look-up, and has its groups under the new rules.
        let reloaded = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { access.replace(with: self.byGroup); reloaded.signal() }
        while directory.lock.withLock({ directory.asked.count }) < 3 { usleep(1_000) }  // the reload is asking
        try open(admin, access)
        let clerkWaiting = try loop.submit { access.connectionOpening(self.clerk, on: loop) }.wait()
        XCTAssertFalse(clerkWaiting.isFulfilledForTesting(loop))
        for _ in 0..<3 { directory.gate?.signal() }  // the reload's two look-ups, then the clerk's
        XCTAssertEqual(reloaded.wait(timeout: .now() + 10), .success)
        try clerkWaiting.wait()
        XCTAssertEqual(principal(clerk, access), .office("czj"))
        XCTAssertEqual(access.snapshot.generation, 1)
        XCTAssertFalse(directory.askedOnALoop)
    }

    /// A directory that does not answer in time: the connection is refused, and never counted
    /// open, even once the look-up ends; once the directory answers, the next one opens.
    func testAConnectionWhoseGroupsAreNotLookedUpInTimeIsRefusedAndNeverCountedOpen() throws {
        let directory = Directory()
        directory.table = [2001: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp, lookupTimeout: .milliseconds(200))
        directory.gate = DispatchSemaphore(value: 0)
        let loop = group.next()
        let waiting = try loop.submit { access.connectionOpening(self.clerk, on: loop) }.wait()
        XCTAssertThrowsError(try waiting.wait()) { error in
            XCTAssertEqual((error as? GroupLookupTimedOut)?.uid, 2001, "\(error)")
            XCTAssertTrue((error as? GroupLookupTimedOut)?.refusal.hasPrefix("ERR unavailable the groups of uid 2001 were not looked up within 200 ms") ?? false)
        }
        XCTAssertNil(access.rules(for: clerk).groups)
        // The directory answers at last; the late look-up ends before the next one begins.
        let held = directory.lock.withLock { () -> DispatchSemaphore? in
            defer { directory.gate = nil }
            return directory.gate
        }
        held?.signal()
        try open(clerk, access)
        XCTAssertEqual(principal(clerk, access), .office("czj"))
        XCTAssertEqual(directory.lock.withLock { directory.asked }, [clerk, clerk])
        access.connectionClosed(clerk)
        XCTAssertNil(access.rules(for: clerk).groups, "the refused connection was never counted open")
    }

    /// Openings, closings and reloads at once, for one peer and several: every open peer the
    /// rules ask groups of has them, and the counts come back to nothing.
    func testOpeningClosingAndReloadingAtOnceKeepEveryOpenPeersGroups() throws {
        let directory = Directory()
        directory.table = [2001: [3001], 2002: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp)
        let peers = [clerk, PeerIdentity(uid: 2002, gid: 2002), admin]
        let done = DispatchGroup()
        for worker in 0..<4 {
            done.enter()
            DispatchQueue.global().async {
                defer { done.leave() }
                for round in 0..<3_000 {
                    let peer = peers[(worker + round) % peers.count]
                    try? self.open(peer, access)
                    let (_, policy, groups) = access.rules(for: peer)
                    XCTAssertTrue(!policy.needsGroups(uid: peer.uid) || groups != nil, "open \(peer) without its groups")
                    access.connectionClosed(peer)
                }
            }
        }
        for _ in 0..<50 { access.replace(with: byGroup) }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        for peer in peers { XCTAssertNil(access.rules(for: peer).groups, "\(peer) forgotten once closed") }
        XCTAssertFalse(directory.askedOnALoop)
    }
}

/// Collects the messages logged through it.
private struct CollectingLogHandler: LogHandler {
    final class Lines: @unchecked Sendable {
        let lock = NSLock()
        var lines: [String] = []
    }
    let collected: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        collected.lock.withLock { collected.lines.append("\(level) \(message)") }
    }
}

extension AccessControlTests {
    /// A directory slower than the bound is reported, naming the uid and what waited.
    func testASlowLookUpIsLogged() throws {
        let directory = Directory()
        directory.table = [2001: [3001]]
        let access = AccessControl(policy: byGroup, lookUpGroups: { peer in usleep(60_000); return directory.lookUp(peer) },
                                   slowLookupSeconds: 0.05)
        let collected = CollectingLogHandler.Lines()
        access.reportSlowLookups(to: Logger(label: "test") { _ in CollectingLogHandler(collected: collected) })
        try open(clerk, access)
        access.replace(with: byGroup)
        let lines = collected.lock.withLock { collected.lines }
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines.first?.hasPrefix("warning looking up the groups of uid 2001 (a new connection) took") ?? false, "\(lines)")
        XCTAssertTrue(lines.last?.contains("(a reload)") ?? false, "\(lines)")

        let quick = AccessControl(policy: byGroup, lookUpGroups: directory.lookUp, slowLookupSeconds: 0.05)
        quick.reportSlowLookups(to: Logger(label: "test") { _ in CollectingLogHandler(collected: collected) })
        try open(clerk, quick)
        XCTAssertEqual(collected.lock.withLock { collected.lines.count }, 2, "a quick look-up is not logged")
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
