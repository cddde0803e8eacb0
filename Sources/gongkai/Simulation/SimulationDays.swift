import GongkaiDomain

/// The days of the simulated year, and random choices among them: offices publish and hold
/// meetings on working days (holidays and make-up workdays from the adopted calendars).
struct SimulationDays {
    let calendar: WorkingDayCalendar
    let first: BusinessDate
    let last: BusinessDate
    /// The year's working days, in order.
    private let working: [BusinessDate]

    init(year: Int, calendar: WorkingDayCalendar) {
        self.calendar = calendar
        first = BusinessDate(year: year, month: 1, day: 1)
        last = BusinessDate(year: year, month: 12, day: 31)
        var working: [BusinessDate] = []
        var day = first
        while day <= last {
            if calendar.isWorkingDay(day) { working.append(day) }
            day = day.adding(days: 1)
        }
        self.working = working
    }

    /// A working day in from...through (clamped to the year); any day of the range when it
    /// holds no working day.
    func pick(_ rng: inout SplitMix64, from: BusinessDate, through: BusinessDate) -> BusinessDate {
        let low = max(from, first), high = min(through, last)
        precondition(low <= high, "empty range \(from)…\(through) in \(first.year)")
        let start = lowerBound(low), end = lowerBound(high.adding(days: 1))
        if start < end { return working[start + rng.below(end - start)] }
        return low.adding(days: rng.below(high.days(since: low) + 1))
    }

    /// `count` working days in from...through, sorted (repeats allowed: two items a day happen).
    func pick(_ rng: inout SplitMix64, count: Int, from: BusinessDate, through: BusinessDate) -> [BusinessDate] {
        (0..<count).map { _ in pick(&rng, from: from, through: through) }.sorted()
    }

    /// Any day in from...through (clamped to the year): the public writes on weekends too.
    func anyDay(_ rng: inout SplitMix64, from: BusinessDate, through: BusinessDate) -> BusinessDate {
        let low = max(from, first), high = min(through, last)
        return low.adding(days: rng.below(high.days(since: low) + 1))
    }

    /// The `count`-th working day after `date` (the daemon's own counting).
    func workingDay(after date: BusinessDate, count: Int, pauses: [WorkingDayCalendar.Pause] = []) -> BusinessDate {
        calendar.dueDate(from: date, workingDays: count, pauses: pauses)!
    }

    /// Working days in from...through, for choosing a reply date inside a limit.
    func workingDays(from: BusinessDate, through: BusinessDate) -> ArraySlice<BusinessDate> {
        working[lowerBound(from)..<max(lowerBound(from), lowerBound(through.adding(days: 1)))]
    }

    private func lowerBound(_ date: BusinessDate) -> Int {
        var low = 0, high = working.count
        while low < high {
            let middle = (low + high) / 2
            if working[middle] < date { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
