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
