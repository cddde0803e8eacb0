import Dispatch
import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A connection's peer as far as group rules go: its uid and the gid it connected with.
struct PeerIdentity: Hashable, Sendable {
    let uid: UInt32
    let gid: UInt32
}

/// The access policy in force, swapped whole on SIGHUP, with the groups of the open
/// connections' peers that its group rules need. Connections look their principal up per
/// request; `generation` lets them cache it until the next swap.
///
/// Groups come from NSS (getpwuid_r, getgrouplist), which may ask a directory server (sssd,
/// LDAP) and wait for it: never on an event loop, where one slow answer would stall every
/// connection the loop serves. A connection's groups are looked up before its handlers are
/// added (`connectionOpening`), and a reload looks up those of every open connection before
/// the new rules take effect (a clerk removed from a group loses the principal on the
/// connection held open).
final class AccessControl: @unchecked Sendable {
    private struct Rules {
        var generation: UInt64
        var policy: AccessPolicy
        /// The groups of each open peer the policy needs them for: looked up when its latest
        /// connection opened, or by the reload that brought the policy.
        var groups: [PeerIdentity: [UInt32]] = [:]
        /// Open connections per peer: its groups are kept while one is open.
        var open: [PeerIdentity: Int] = [:]
        /// The policy a reload is looking up groups for, until it swaps it in: meanwhile only a
        /// peer that neither policy asks groups of is counted open at once.
        var pending: AccessPolicy?
    }

    private let current: NIOLockedValueBox<Rules>
    /// Held by a reload from its first look-up to its swap; the slow way waits it out.
    private let reloadLock = NSLock()
    private let lookUpGroups: @Sendable (PeerIdentity) -> [UInt32]
    /// Where connections' group look-ups run, one at a time (a few threads at most, however
    /// slow the directory).
    private let lookupQueue = DispatchQueue(label: "gongkai-group-lookups")

    /// How long a new connection waits for its groups before it is refused: NSS cannot be
    /// interrupted, and one look-up hung on a directory that does not answer holds up every
    /// later one (they run one at a time), so without a bound such connections would hold
    /// their `--max-connections` places, and their clients wait, for as long as it hangs.
    static let defaultLookupTimeout = TimeAmount.seconds(10)

    /// `slowLookupSeconds`: a look-up this slow is logged (`reportSlowLookups`): connections
    /// wait for it, and nothing else tells the operator that the directory (sssd, LDAP) is
    /// what they wait for. `lookupTimeout`: see `defaultLookupTimeout`.
    init(policy: AccessPolicy, lookUpGroups: @escaping @Sendable (PeerIdentity) -> [UInt32] = { UserGroups.of(uid: $0.uid, gid: $0.gid) },
         slowLookupSeconds: Double = 2, lookupTimeout: TimeAmount = AccessControl.defaultLookupTimeout) {
        current = NIOLockedValueBox(Rules(generation: 0, policy: policy))
        self.lookUpGroups = lookUpGroups
        self.slowLookupSeconds = slowLookupSeconds
        self.lookupTimeout = lookupTimeout
    }

    private let lookupTimeout: TimeAmount
    /// Connections refused for a look-up out of time are logged at most once a minute (with
    /// how many were held back): during an outage of the directory every client's retry is one.
    private let refusalLog = NIOLockedValueBox(LogThrottle(intervalNanos: 60_000_000_000))

    private let slowLookupSeconds: Double
    /// Where a slow look-up is reported; set once the daemon has its logger.
    private let slowLookupLogger = NIOLockedValueBox<Logger?>(nil)

    func reportSlowLookups(to logger: Logger) { slowLookupLogger.withLockedValue { $0 = logger } }

    /// `lookUpGroups`, timed.
    private func groups(of peer: PeerIdentity, for purpose: String) -> [UInt32] {
        let started = DispatchTime.now().uptimeNanoseconds
        let found = lookUpGroups(peer)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if seconds >= slowLookupSeconds, let logger = slowLookupLogger.withLockedValue({ $0 }) {
            logger.warning("looking up the groups of uid \(peer.uid) (\(purpose)) took \(String(format: "%.1f", seconds)) s: is the user and group directory (NSS: sssd, LDAP) answering? Connections of users the access file names by group wait for it")
        }
        return found
    }

    var snapshot: (generation: UInt64, policy: AccessPolicy) { current.withLockedValue { ($0.generation, $0.policy) } }

    /// The rules in force and `peer`'s groups under them (nil when they need none).
    func rules(for peer: PeerIdentity) -> (generation: UInt64, policy: AccessPolicy, groups: [UInt32]?) {
        current.withLockedValue { ($0.generation, $0.policy, $0.groups[peer]) }
    }

    /// Swaps in `policy` once the groups it needs of every open peer are looked up (on the
    /// caller's thread: the reload's, off the event loops).
    func replace(with policy: AccessPolicy) {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let peers = current.withLockedValue { rules -> Set<PeerIdentity> in
            rules.pending = policy
            return Set(rules.open.keys)
        }
        var groups: [PeerIdentity: [UInt32]] = [:]
        for peer in peers where policy.needsGroups(uid: peer.uid) { groups[peer] = self.groups(of: peer, for: "a reload") }
        current.withLockedValue { rules in
            // Opened meanwhile only peers the new policy asks no groups of (connectionOpening).
            assert(rules.open.keys.allSatisfy { peers.contains($0) || !policy.needsGroups(uid: $0.uid) }, "a peer opened during a reload without its groups")
            rules.generation += 1
            rules.policy = policy
            rules.groups = groups.filter { rules.open[$0.key] != nil }
            rules.pending = nil
        }
    }

    /// Counts a connection from `peer` open, with its groups looked up first if the rules need
    /// them; the future completes on `eventLoop` once it is counted. Each such connection looks
    /// them up afresh (a clerk removed from a group gets no new connection as a member), on a
    /// queue of its own, never on the loop. A look-up (or a reload it waits for) that has not
    /// ended within `lookupTimeout` fails the future with `GroupLookupTimedOut`, and the
    /// connection is never counted open, even if the look-up ends later.
    func connectionOpening(_ peer: PeerIdentity, on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        // Usually nothing to look up: counted at once, without leaving the loop.
        let counted = current.withLockedValue { rules -> Bool in
            guard !rules.policy.needsGroups(uid: peer.uid), !(rules.pending?.needsGroups(uid: peer.uid) ?? false) else { return false }
            rules.open[peer, default: 0] += 1
            return true
        }
        if counted { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        // Whichever comes first settles the opening: the look-up (counted open) or the timeout.
        let settled = NIOLockedValueBox(false)
        let settle = { settled.withLockedValue { was in defer { was = true }; return !was } }
        let timeout = eventLoop.scheduleTask(in: lookupTimeout) { [self] in
            guard settle() else { return }
            let refused = GroupLookupTimedOut(uid: peer.uid, timeout: lookupTimeout)
            let (log, heldBack) = refusalLog.withLockedValue { $0.admit(nowNanos: DispatchTime.now().uptimeNanoseconds) }
            if log, let logger = slowLookupLogger.withLockedValue({ $0 }) {
                let more = heldBack > 0 ? "; \(heldBack) more refused so since the last such line" : ""
                logger.warning("refused a connection of uid \(peer.uid): its groups were not looked up within \(refused.within) (is the user and group directory, NSS: sssd or LDAP, answering?)\(more)")
            }
            promise.fail(refused)
        }
        lookupQueue.async { [self] in
            while !settled.withLockedValue({ $0 }) {
                // Wait out a reload under way, then look up under the rules in force; a reload
                // that swapped meanwhile (it did not know this peer) sends it round again. What
                // is needed is decided for one generation and committed only under it.
                reloadLock.lock()
                reloadLock.unlock()
                // Refused while the reload held it up: no look-up for a connection gone.
                if settled.withLockedValue({ $0 }) { break }
                let (generation, needed) = current.withLockedValue { ($0.generation, $0.policy.needsGroups(uid: peer.uid)) }
                let found = needed ? groups(of: peer, for: "a new connection") : nil
                let done = current.withLockedValue { rules -> Bool in
                    guard rules.generation == generation, rules.pending == nil, settle() else { return false }
                    if let found { rules.groups[peer] = found }
                    rules.open[peer, default: 0] += 1
                    return true
                }
                if done {
                    timeout.cancel()
                    promise.succeed()
                }
            }
        }
        return promise.futureResult
    }

    /// A connection counted by `connectionOpening` is gone (its handler removed).
    func connectionClosed(_ peer: PeerIdentity) {
        current.withLockedValue { rules in
            guard let count = rules.open[peer] else { preconditionFailure("a peer closed more connections than it opened") }
            if count > 1 {
                rules.open[peer] = count - 1
            } else {
                rules.open.removeValue(forKey: peer)
                rules.groups.removeValue(forKey: peer)
            }
        }
    }

    /// Whether a unit (id or Chinese name) is in some adopted catalog; set once the ledger's
    /// projections are built (the access file is read before).
    private let unitCheck = NIOLockedValueBox<(@Sendable (String) -> Bool)?>(nil)

    /// From now on, and for the rules in force now, warns of office principals whose unit no
    /// adopted catalog has: a typo there is accepted (the file names principals, not units
    /// the file could check), and its users could append nothing.
    func checkOfficeUnits(knows: @escaping @Sendable (String) -> Bool, logger: Logger) {
        unitCheck.withLockedValue { $0 = knows }
        warnAboutUnknownUnits(logger: logger)
    }

    private func warnAboutUnknownUnits(logger: Logger) {
        guard let knows = unitCheck.withLockedValue({ $0 }) else { return }
        for unit in snapshot.policy.officeUnits where !knows(unit) {
            logger.warning("access file: principal office:\(unit) names no unit of any adopted catalog; its users can append nothing (UNITS lists the ids)")
        }
    }

    /// The policy the configuration names: the access file, or — when the default file does
    /// not exist — the dev default where the daemon's own uid is `admin`.
    static func load(_ configuration: ServerConfiguration, logger: Logger) throws -> AccessPolicy {
        guard let path = configuration.accessFile else { return .owner(uid: getuid()) }
        if !configuration.accessFileRequired && !FileManager.default.fileExists(atPath: path) {
            logger.notice("no access file; uid \(getuid()) (the daemon's) is admin and nobody else is known",
                          metadata: ["access": "\(path)"])
            return .owner(uid: getuid())
        }
        let policy = try AccessFile.load(path: path)
        logger.info("access file loaded", metadata: ["access": "\(path)", "principals": "\(policy.rules.count)"])
        if policy.rules.isEmpty {
            logger.warning("access file \(path) names no principal: every connection, root's and the daemon's own included, may only PING, HELP and WHOAMI")
        }
        return policy
    }

    /// SIGHUP rereads the access file: a file that does not check keeps the old rules.
    /// `isReady`: whether systemd has been told READY=1; before that a reload rereads the
    /// file without announcing anything (systemd is still waiting for the first READY=1).
    func installReloadSignal(configuration: ServerConfiguration, logger: Logger, notifier: SystemdNotifier,
                             isReady: @escaping @Sendable () -> Bool) -> DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { [self] in
            let announce = isReady()
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let monotonic = Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1_000
            if announce { notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(monotonic)") }
            do {
                // A file gone since is not a request to fall back to the no-file default (it
                // knows nobody but the daemon's own uid, so it would lock every clerk out):
                // rules read from a file stay, as for a broken file.
                if let path = configuration.accessFile, !FileManager.default.fileExists(atPath: path),
                   snapshot.policy != .owner(uid: getuid()) {
                    throw AccessFileGone(path: path)
                }
                replace(with: try Self.load(configuration, logger: logger))
                logger.info("access rules reloaded", metadata: ["principals": "\(snapshot.policy.rules.count)"])
                warnAboutUnknownUnits(logger: logger)
            } catch {
                logger.error("access file not reloaded, keeping the old rules: \(error)")
            }
            if announce { notifier.notify("READY=1") }
        }
        source.resume()
        return source
    }
}

/// A reload found no access file where one is looked for.
struct AccessFileGone: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "\(path) does not exist (put it back and reload; without a file the daemon's own uid would be the only one known)"
    }
}

/// A new connection's groups were not looked up in time (NSS did not answer): it is refused.
struct GroupLookupTimedOut: Error {
    let uid: UInt32
    let timeout: TimeAmount
    /// `10 s`, or `200 ms` under a second.
    var within: String {
        timeout.nanoseconds >= 1_000_000_000 ? "\(timeout.nanoseconds / 1_000_000_000) s" : "\(timeout.nanoseconds / 1_000_000) ms"
    }
    /// The refusal the client reads.
    var refusal: String {
        "ERR unavailable the groups of uid \(uid) were not looked up within \(within) (the user and group directory, " +
            "NSS: sssd or LDAP, did not answer); try again later\n"
    }
}
