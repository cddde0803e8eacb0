import Foundation

/// Event shapes the benchmark can send.
enum BenchPayload: String, CaseIterable {
    /// One realistic `publication.recorded` event with a Chinese title.
    case simple

    /// The event JSON for request `index` of connection `connection`. `run` makes ids
    /// unique per run, so reruns against the same log never hit duplicates.
    func event(run: String, connection: Int, index: Int) -> String {
        switch self {
        case .simple:
            return #"{"id":"bench-\#(run)-\#(connection)-\#(index)","type":"publication.recorded","unit":"czj","at":"2023-05-06","obligation":"T01","title":"上犹县财政局关于贯彻落实县委县政府重大决策部署情况的公开说明"}"#
        }
    }

    /// A prefix unique to this run: wall-clock milliseconds and the process id.
    static func runPrefix() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let milliseconds = Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
        return String(milliseconds, radix: 36) + String(Int(getpid()), radix: 36)
    }
}
