import Dispatch
import Logging

/// Reports LMDB taking in the append log at start-up (after a machine restart that is the
/// whole log, about 70k records/s), or the log being written from an older ledger: a log
/// line and a systemd status at most every few seconds, each with EXTEND_TIMEOUT_USEC so
/// that systemd's start timeout does not kill a long rebuild half-way, which would only
/// start it again.
final class IndexRebuildProgress {
    static let reportIntervalNanos: UInt64 = 5_000_000_000
    /// How long systemd is asked to wait after each report: several intervals.
    static let extendTimeoutMicros: UInt64 = 60_000_000

    private let logger: Logger
    private let notifier: SystemdNotifier
    private var lastReportNanos: UInt64 = 0

    init(logger: Logger, notifier: SystemdNotifier) {
        self.logger = logger
        self.notifier = notifier
    }

    func report(indexed: UInt64, logged: UInt64) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastReportNanos >= Self.reportIntervalNanos || indexed == logged else { return }
        lastReportNanos = now
        logger.notice("bringing the LMDB index and the append log in line", metadata: ["done": "\(indexed)", "of": "\(logged)"])
        _ = notifier.notify("EXTEND_TIMEOUT_USEC=\(Self.extendTimeoutMicros)\nSTATUS=bringing the index and the append log in line: \(indexed) of \(logged) records")
    }
}
