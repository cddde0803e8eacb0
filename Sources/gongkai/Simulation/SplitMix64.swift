/// Steele, Lea & Flood's SplitMix64: a tiny seeded generator, so a simulated year depends on
/// its seed alone — never on the system's random source.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A separate stream, so one unit's draws do not shift every later unit's.
    mutating func fork() -> SplitMix64 { SplitMix64(seed: next()) }

    /// Uniform in 0..<count (Lemire's multiply-high; the bias is far below 2^-40 here).
    mutating func below(_ count: Int) -> Int {
        precondition(count > 0, "below(0)")
        return Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < probability
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// The item whose weight range a uniform draw falls in.
    mutating func weighted<T>(_ choices: [(T, Int)]) -> T {
        var draw = below(choices.map(\.1).reduce(0, +))
        for (item, weight) in choices {
            if draw < weight { return item }
            draw -= weight
        }
        return choices[choices.count - 1].0
    }

    /// Fisher–Yates.
    mutating func shuffled<T>(_ items: [T]) -> [T] {
        var items = items
        for index in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(index, below(index + 1)) }
        return items
    }
}
