import GongkaiJSON
import GongkaiProtocol
import NIOConcurrencyHelpers
import NIOCore

/// Counters and latencies behind `STATS`. Updated under one lock: the writer touches it
/// once per batch, connections once per request error or connect.
final class ServerStats: @unchecked Sendable {
    private struct Counters {
        var appended: UInt64 = 0
        var duplicates: UInt64 = 0
        var commits: UInt64 = 0
        var failedCommits: UInt64 = 0
        var largestBatch: Int = 0
        var errors: [ErrorCode: UInt64] = [:]
        var requests: UInt64 = 0
        var connectionsOpen: Int = 0
        var connectionsTotal: UInt64 = 0
        var connectionsRefused: UInt64 = 0
        var connectionsTimedOut: UInt64 = 0
        /// Open connections of each peer uid (`--max-connections-per-uid`).
        var connectionsByUid: [UInt32: Int] = [:]
        var commitLatency = LatencyHistogram()
        var appendLatency = LatencyHistogram()
    }

    private let counters = NIOLockedValueBox(Counters())
    private let startedNanos = NIODeadline.now().uptimeNanoseconds

    func committed(appended: Int, duplicates: Int, batchSize: Int, commitNanos: UInt64) {
        counters.withLockedValue {
            $0.appended += UInt64(appended)
            $0.duplicates += UInt64(duplicates)
            $0.commits += 1
            $0.largestBatch = max($0.largestBatch, batchSize)
            $0.commitLatency.record(nanos: commitNanos)
        }
    }

    func commitFailed() { counters.withLockedValue { $0.failedCommits += 1 } }

    func answered(requests: Int, appendLatencies: [UInt64]) {
        counters.withLockedValue {
            $0.requests += UInt64(requests)
            for nanos in appendLatencies { $0.appendLatency.record(nanos: nanos) }
        }
    }

    func error(_ code: ErrorCode) { counters.withLockedValue { $0.errors[code, default: 0] += 1 } }

    /// Counts a new connection unless `limit` are open; false means refuse it.
    func connectionOpened(limit: Int) -> Bool {
        counters.withLockedValue {
            guard $0.connectionsOpen < limit else { $0.connectionsRefused += 1; return false }
            $0.connectionsOpen += 1
            $0.connectionsTotal += 1
            return true
        }
    }

    func connectionTimedOut() { counters.withLockedValue { $0.connectionsTimedOut += 1 } }

    /// Takes one of `uid`'s places for a connection counted open by `connectionOpened`; at
    /// the uid's `limit` the connection is counted refused instead (not open), and false.
    func connectionOfUid(_ uid: UInt32, limit: Int) -> Bool {
        counters.withLockedValue {
            guard $0.connectionsByUid[uid, default: 0] < limit else {
                Self.countRefusedInstead(in: &$0)
                return false
            }
            $0.connectionsByUid[uid, default: 0] += 1
            return true
        }
    }

    /// A connection counted open closed; `uid` gives back the place `connectionOfUid` took.
    /// Both in one step, so a closed connection's places are free together.
    func connectionClosed(uid: UInt32? = nil) {
        counters.withLockedValue {
            $0.connectionsOpen -= 1
            if let uid { Self.givePlaceBack(uid: uid, in: &$0) }
        }
    }

    /// A connection counted open, with a place of `uid`'s, is refused after all (its groups
    /// were not looked up in time): counted refused instead, its places given back.
    func connectionRefused(uid: UInt32) {
        counters.withLockedValue {
            Self.countRefusedInstead(in: &$0)
            Self.givePlaceBack(uid: uid, in: &$0)
        }
    }

    /// A connection counted open by `connectionOpened` is counted refused instead.
    private static func countRefusedInstead(in counters: inout Counters) {
        counters.connectionsOpen -= 1
        counters.connectionsTotal -= 1
        counters.connectionsRefused += 1
    }

    /// Gives back the place of a connection of `uid` that never became one.
    func givePlaceBack(uid: UInt32) { counters.withLockedValue { Self.givePlaceBack(uid: uid, in: &$0) } }

    private static func givePlaceBack(uid: UInt32, in counters: inout Counters) {
        let left = counters.connectionsByUid[uid, default: 0] - 1
        precondition(left >= 0, "a uid gives back only the places it took")
        counters.connectionsByUid[uid] = left == 0 ? nil : left
    }

    var openConnections: Int { counters.withLockedValue { $0.connectionsOpen } }

    func snapshot(extra: [String: JSONValue]) -> JSONValue {
        let counters = counters.withLockedValue { $0 }
        func micros(_ histogram: LatencyHistogram, _ quantile: Double) -> JSONValue {
            .number(Double(histogram.quantileNanos(quantile) / 1000))
        }
        var errors: [String: JSONValue] = [:]
        for (code, count) in counters.errors { errors[code.rawValue] = .number(Double(count)) }
        var result: [String: JSONValue] = [
            "version": .string(GongkaiVersion.current),
            "uptimeSeconds": .number(Double((NIODeadline.now().uptimeNanoseconds - startedNanos) / 1_000_000_000)),
            "requests": .number(Double(counters.requests)),
            "appended": .number(Double(counters.appended)),
            "duplicates": .number(Double(counters.duplicates)),
            "commits": .number(Double(counters.commits)),
            "failedCommits": .number(Double(counters.failedCommits)),
            "largestBatch": .number(Double(counters.largestBatch)),
            "errors": .object(errors),
            "connections": .object([
                "open": .number(Double(counters.connectionsOpen)),
                "total": .number(Double(counters.connectionsTotal)),
                "refused": .number(Double(counters.connectionsRefused)),
                "timedOut": .number(Double(counters.connectionsTimedOut)),
            ]),
            "commitMicros": .object(["p50": micros(counters.commitLatency, 0.5), "p99": micros(counters.commitLatency, 0.99),
                                     "max": .number(Double(counters.commitLatency.maxNanos / 1000))]),
            "appendMicros": .object(["p50": micros(counters.appendLatency, 0.5), "p99": micros(counters.appendLatency, 0.99),
                                     "max": .number(Double(counters.appendLatency.maxNanos / 1000))]),
        ]
        for (key, value) in extra { result[key] = value }
        return .object(result)
    }
}
