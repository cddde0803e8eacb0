/// At most one log line per interval for a failure that repeats: the first is logged at once,
/// the ones within the interval after it are only counted, and the next line logged says how
/// many there were. A full disk fails every commit, and under load that was thousands of
/// error lines a second in the journal, which often shares the full disk. Pure; one thread.
struct LogThrottle {
    let intervalNanos: UInt64
    private var lastLoggedNanos: UInt64?
    private var heldBack = 0

    init(intervalNanos: UInt64) {
        precondition(intervalNanos > 0, "a throttle holds lines back for some time")
        self.intervalNanos = intervalNanos
    }

    /// Whether to log the failure that happened at `nowNanos` (a monotonic clock); if so, how
    /// many were held back since the last line.
    mutating func admit(nowNanos: UInt64) -> (log: Bool, heldBack: Int) {
        if let last = lastLoggedNanos, nowNanos >= last, nowNanos - last < intervalNanos {
            heldBack += 1
            return (false, heldBack)
        }
        defer { heldBack = 0 }
        lastLoggedNanos = nowNanos
        return (true, heldBack)
    }
}
