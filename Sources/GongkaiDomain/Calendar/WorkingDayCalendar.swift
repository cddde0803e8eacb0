/// Working days (DESIGN.md section 1, pinned): Monday–Friday that is not a public holiday, or a
/// make-up workday (调休). Built from the adopted calendar documents; a year without one counts
/// Monday–Friday only, and `yearsWithoutCalendar` lets answers say so.
public struct WorkingDayCalendar: Sendable {
    /// Third-party consultation: working days d with pausedAt < d ≤ resumedAt do not count; a
    /// pause not yet resumed (resumedAt nil) stops the count for good.
    public struct Pause: Equatable, Sendable {
        public let pausedAt: BusinessDate
        public let resumedAt: BusinessDate?

        public init(pausedAt: BusinessDate, resumedAt: BusinessDate?) {
            self.pausedAt = pausedAt
            self.resumedAt = resumedAt
        }
    }

    /// A due-date search gives up (answers nil) past this many calendar days after the start.
    public static let maxSearchDays = 3653

    /// The documents in force, one per year, in year order.
    public let documents: [CalendarDocument]

    /// Days whose status differs from, or is fixed against, the Monday–Friday default:
    /// day number → working?
    private let overrides: [Int: Bool]
    /// The days where the calendar departs from Monday–Friday, sorted, with +1 for a make-up
    /// workday on a weekend and -1 for a holiday on a weekday; `adjustmentTotals[i]` is the sum
    /// of the deltas before index i. Together they count working days in a range without a loop.
    private let adjustmentDays: [Int]
    private let adjustmentTotals: [Int]
    private let years: Set<Int>

    /// Later documents for the same year replace earlier ones (a corrected notice).
    public init(_ documents: [CalendarDocument] = []) {
        var byYear: [Int: CalendarDocument] = [:]
        for document in documents { byYear[document.year] = document }
        self.documents = byYear.keys.sorted().map { byYear[$0]! }
        self.years = Set(byYear.keys)

        // A date's own year's document decides it; a neighbour's (2022-12-31 in the 2023
        // notice) only where its own year's document says nothing.
        var overrides: [Int: Bool] = [:]
        var ownYear: Set<Int> = []
        for document in self.documents {
            var entries: [(BusinessDate, Bool)] = document.workdays.map { ($0, true) }
            for range in document.holidays {
                var date = range.lowerBound
                while date <= range.upperBound {
                    entries.append((date, false))
                    date = date.adding(days: 1)
                }
            }
            for (date, working) in entries {
                let isOwn = date.year == document.year
                if isOwn || !ownYear.contains(date.dayNumber) {
                    overrides[date.dayNumber] = working
                }
                if isOwn { ownYear.insert(date.dayNumber) }
            }
        }
        self.overrides = overrides

        var adjustmentDays: [Int] = []
        var adjustmentTotals: [Int] = [0]
        for (day, working) in overrides.sorted(by: { $0.key < $1.key }) {
            let delta = (working ? 1 : 0) - (Self.isMondayToFriday(day) ? 1 : 0)
            guard delta != 0 else { continue }
            adjustmentDays.append(day)
            adjustmentTotals.append(adjustmentTotals.last! + delta)
        }
        self.adjustmentDays = adjustmentDays
        self.adjustmentTotals = adjustmentTotals
    }

    /// The same calendar with `document` adopted (replacing any earlier one for its year).
    public func adopting(_ document: CalendarDocument) -> WorkingDayCalendar {
        WorkingDayCalendar(documents + [document])
    }

    public func hasCalendar(forYear year: Int) -> Bool { years.contains(year) }

    /// Years from `from`'s to `through`'s (either order) that have no adopted calendar, where
    /// counting falls back to Monday–Friday.
    public func yearsWithoutCalendar(from: BusinessDate, through: BusinessDate) -> [Int] {
        let first = min(from, through).year
        let last = max(from, through).year
        return (first...last).filter { !years.contains($0) }
    }

    public func isWorkingDay(_ date: BusinessDate) -> Bool {
        overrides[date.dayNumber] ?? Self.isMondayToFriday(date.dayNumber)
    }

    /// The `limit`-th working day strictly after `start` (start is day 0), not counting paused
    /// days. nil when the count cannot end: an open pause reached before the limit, a negative
    /// limit, or no due date within `maxSearchDays`.
    public func dueDate(from start: BusinessDate, workingDays limit: Int, pauses: [Pause] = []) -> BusinessDate? {
        guard limit >= 0 else { return nil }
        if limit == 0 { return start }
        let pausedSpans = Self.pausedSpans(pauses)
        var spanIndex = 0
        var counted = 0
        var day = start.dayNumber + 1
        let lastDay = start.dayNumber + Self.maxSearchDays
        while day <= lastDay {
            while spanIndex < pausedSpans.count, pausedSpans[spanIndex].last < day { spanIndex += 1 }
            if spanIndex < pausedSpans.count, pausedSpans[spanIndex].first <= day {
                guard pausedSpans[spanIndex].last < Int.max else { return nil }
                day = pausedSpans[spanIndex].last + 1
                continue
            }
            if isWorkingDay(BusinessDate(dayNumber: day)) {
                counted += 1
                if counted == limit { return BusinessDate(dayNumber: day) }
            }
            day += 1
        }
        return nil
    }

    /// The number of working days d with after < d ≤ through that are not paused (0 when
    /// through ≤ after). A reply's `lateDays` is `workingDays(after: due, through: replied)`.
    public func workingDays(after: BusinessDate, through: BusinessDate, pauses: [Pause] = []) -> Int {
        guard after < through else { return 0 }
        var count = workingDays(first: after.dayNumber + 1, last: through.dayNumber)
        for span in Self.pausedSpans(pauses) {
            let first = max(span.first, after.dayNumber + 1)
            let last = min(span.last, through.dayNumber)
            if first <= last { count -= workingDays(first: first, last: last) }
        }
        return count
    }

    // MARK: - Private

    /// Working days in the day-number range first...last, by arithmetic: Monday–Friday, then
    /// the calendar's departures from it.
    private func workingDays(first: Int, last: Int) -> Int {
        guard first <= last else { return 0 }
        let weekdays = Self.mondayToFridayBefore(last + 1) - Self.mondayToFridayBefore(first)
        return weekdays + adjustmentTotals[Self.lowerBound(adjustmentDays, last + 1)]
            - adjustmentTotals[Self.lowerBound(adjustmentDays, first)]
    }

    /// Monday–Friday days in [anchor, day) counted from the Monday 1970-01-05 (negative before it).
    private static func mondayToFridayBefore(_ day: Int) -> Int {
        let sinceMonday = day - 4
        let weeks = sinceMonday >= 0 ? sinceMonday / 7 : -((-sinceMonday + 6) / 7)
        let rest = sinceMonday - weeks * 7
        return weeks * 5 + min(rest, 5)
    }

    private static func isMondayToFriday(_ day: Int) -> Bool { BusinessDate(dayNumber: day).weekday <= 5 }

    /// The first index whose value is ≥ `value`.
    private static func lowerBound(_ sorted: [Int], _ value: Int) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Paused days as sorted, merged, inclusive day-number spans [pausedAt+1, resumedAt];
    /// an open pause runs to Int.max. A pause resumed on or before its own start pauses nothing.
    private static func pausedSpans(_ pauses: [Pause]) -> [(first: Int, last: Int)] {
        let spans = pauses.compactMap { pause -> (first: Int, last: Int)? in
            let first = pause.pausedAt.dayNumber + 1
            let last = pause.resumedAt?.dayNumber ?? Int.max
            return first <= last ? (first, last) : nil
        }.sorted { $0.first < $1.first }
        var merged: [(first: Int, last: Int)] = []
        for span in spans {
            if let previous = merged.last, span.first <= previous.last &+ 1 || previous.last == Int.max {
                merged[merged.count - 1].last = max(previous.last, span.last)
            } else {
                merged.append(span)
            }
        }
        return merged
    }
}
