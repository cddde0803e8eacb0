import Dispatch
import Foundation

/// systemd's watchdog (`WatchdogSec=`): `WATCHDOG=1` at least every half `WATCHDOG_USEC`.
/// Pinged only from the writer thread's loop, so a stuck writer stops the pings and systemd
/// restarts the daemon. Used by that one thread only.
final class Watchdog: @unchecked Sendable {
    /// Longest time between pings: half the watchdog timeout.
    let intervalNanos: UInt64
    private let notifier: SystemdNotifier
    private var lastPingNanos: UInt64?

    /// Nil when systemd asked for no watchdog, or asked it of another process.
    init?(environment: [String: String], notifier: SystemdNotifier) {
        guard notifier.isEnabled, let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], !pid.isEmpty, pid_t(pid) != getpid() { return nil }
        intervalNanos = max(usec / 2, 1) * 1_000
        self.notifier = notifier
    }

    /// When the writer must wake up at the latest to ping in time.
    var nextPingDate: Date {
        guard let lastPingNanos else { return Date() }
        let due = lastPingNanos + intervalNanos
        let now = DispatchTime.now().uptimeNanoseconds
        return Date(timeIntervalSinceNow: due > now ? Double(due - now) / 1e9 : 0)
    }

    /// Sends `WATCHDOG=1` when half the timeout has passed since the last ping.
    func pingIfDue() {
        let now = DispatchTime.now().uptimeNanoseconds
        if let lastPingNanos, now - lastPingNanos < intervalNanos { return }
        notifier.notify("WATCHDOG=1")
        lastPingNanos = now
    }
}
