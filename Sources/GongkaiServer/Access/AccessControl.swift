import Dispatch
import Foundation
import Glibc
import Logging
import NIOConcurrencyHelpers

/// The access policy in force, swapped whole on SIGHUP. Connections look their principal up
/// per request; `generation` lets them cache it until the next swap.
final class AccessControl: @unchecked Sendable {
    private let current: NIOLockedValueBox<(generation: UInt64, policy: AccessPolicy)>

    init(policy: AccessPolicy) {
        current = NIOLockedValueBox((0, policy))
    }

    var snapshot: (generation: UInt64, policy: AccessPolicy) { current.withLockedValue { $0 } }

    func replace(with policy: AccessPolicy) {
        current.withLockedValue { $0 = ($0.generation + 1, policy) }
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
                replace(with: try Self.load(configuration, logger: logger))
                logger.info("access rules reloaded", metadata: ["principals": "\(snapshot.policy.rules.count)"])
            } catch {
                logger.error("access file not reloaded, keeping the old rules: \(error)")
            }
            if announce { notifier.notify("READY=1") }
        }
        source.resume()
        return source
    }
}
