/// Percentiles of per-append latencies, from one sorted array of all samples.
struct LatencySummary {
    let p50: Double
    let p99: Double
    let max: Double

    /// `samples` in nanoseconds; results in milliseconds (nearest-rank percentiles).
    init(samples: [UInt64]) {
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p * Double(sorted.count)).rounded(.up))
            return Double(sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]) / 1e6
        }
        p50 = percentile(0.50)
        p99 = percentile(0.99)
        max = Double(sorted.last ?? 0) / 1e6
    }
}
