import Foundation

/// `--known-at`: how many records the ledger held at a moment. An auditor knows when a
/// bulletin was printed, not how many records it was computed from; records' recorded times
/// never decrease with their seq (the daemon asserts it), so the count is found by a binary
/// search over them, with about log2(size) GETs.
public enum KnownAt {
    /// Asia/Shanghai: UTC+8 all year (no daylight saving since 1991), the zone of business dates.
    public static let shanghaiOffsetSeconds = 8 * 3600

    /// The moment `text` names, in milliseconds since the Unix epoch; nil if it names none.
    /// - `2024-01-05T10:00:00Z`, `2024-01-05T10:00:00.250+08:00`: RFC 3339 (seconds and their
    ///   fraction may be left out; a fraction finer than milliseconds is cut to them);
    /// - without a zone (`2024-01-05T10:00`, or a space for the `T`): Asia/Shanghai;
    /// - a date alone (`2024-01-05`): the end of that day in Asia/Shanghai, its last millisecond.
    public static func moment(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += count
            return value
        }
        func take(_ ascii: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: ascii) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), take("-"), let month = digits(2), take("-"), let day = digits(2) else { return nil }
        guard index < bytes.count else {
            // A date alone: through its last millisecond in Shanghai.
            return civilMillis(year: year, month: month, day: day, hour: 23, minute: 59, second: 59,
                               offsetSeconds: shanghaiOffsetSeconds).map { $0 + 999 }
        }
        guard take("T") || take("t") || take(" "), let hour = digits(2), take(":"), let minute = digits(2) else { return nil }
        var second = 0, millis = 0
        if take(":") {
            guard let seconds = digits(2) else { return nil }
            second = seconds
            if take(".") {
                var fractionDigits = 0
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    if fractionDigits < 3 { millis = millis * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                    fractionDigits += 1
                    index += 1
                }
                guard (1...9).contains(fractionDigits) else { return nil }
                for _ in min(fractionDigits, 3)..<3 { millis *= 10 }
            }
        }
        var offset = shanghaiOffsetSeconds
        if take("Z") || take("z") {
            offset = 0
        } else if index < bytes.count {
            let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard take("+") || take("-"), let offsetHours = digits(2), take(":"), let offsetMinutes = digits(2),
                  offsetHours < 24, offsetMinutes < 60 else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard index == bytes.count else { return nil }
        return civilMillis(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                           offsetSeconds: offset).map { $0 + Int64(millis) }
    }

    /// Milliseconds since the epoch of a wall-clock time at `offsetSeconds` from UTC; nil for a
    /// time that does not exist (February 30th, 24:00, a 61st second: a leap second cannot be
    /// told from the next one, which it equals in Unix time).
    private static func civilMillis(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                                    offsetSeconds: Int) -> Int64? {
        guard year >= 1970, hour < 24, minute < 60, second < 60, let utc = TimeZone(secondsFromGMT: 0) else { return nil }
        // Read as UTC, then moved by the offset: RFC 3339 allows offsets up to ±23:59, more
        // than a Foundation time zone takes.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let asked = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // The calendar rolls February 30th over to March: a date that does not read back is refused.
        guard let date = calendar.date(from: asked),
              calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date) == asked else { return nil }
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded()) - Int64(offsetSeconds) * 1000
        return millis >= 0 ? millis : nil
    }

    /// The number of the first `size` records recorded at or before `moment`: the largest N
    /// with record N's recorded time ≤ `moment` (0 if record 1 came later). `recordedMillis`
    /// gives record `seq`'s recorded time (1 ≤ seq ≤ size); it is asked about log2(size) times.
    public static func count(atOrBefore moment: Int64, size: UInt64,
                             recordedMillis: (UInt64) throws -> Int64) rethrows -> UInt64 {
        // Invariant: records 1…low were recorded by `moment`, records past high were not.
        var low: UInt64 = 0, high = size
        while low < high {
            let middle = low + (high - low + 1) / 2
            if try recordedMillis(middle) <= moment { low = middle } else { high = middle - 1 }
        }
        return low
    }
}
