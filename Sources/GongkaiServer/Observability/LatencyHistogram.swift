/// Latencies in power-of-two buckets of nanoseconds: constant memory, good enough for
/// p50/p99 to within a factor of two, and cheap enough to update on every commit.
struct LatencyHistogram {
    private(set) var buckets = [UInt64](repeating: 0, count: 64)
    private(set) var count: UInt64 = 0
    private(set) var maxNanos: UInt64 = 0

    mutating func record(nanos: UInt64) {
        buckets[nanos == 0 ? 0 : 64 - nanos.leadingZeroBitCount] += 1
        count += 1
        maxNanos = max(maxNanos, nanos)
    }

    /// The upper bound of the bucket holding the given quantile (0...1), in nanoseconds.
    func quantileNanos(_ quantile: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = UInt64((Double(count) * quantile).rounded(.up))
        var seen: UInt64 = 0
        for (index, bucketCount) in buckets.enumerated() {
            seen += bucketCount
            if seen >= max(rank, 1) { return index == 0 ? 0 : min(UInt64(1) << UInt64(index) - 1, maxNanos) }
        }
        return maxNanos
    }
}
