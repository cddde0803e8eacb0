import Foundation
import GongkaiClient

/// One benchmark connection: appends its share of events with a `PipelinedAppender`
/// on its own thread and keeps every latency for the percentiles.
final class LoadWorker: @unchecked Sendable {
    let index: Int
    let count: Int
    let connection: LineConnection
    let depth: Int
    /// The event of request `index` (0..<count) of this connection.
    let event: (Int) -> String

    // Written by the worker thread only; read after `DispatchGroup.wait()`.
    private(set) var latencies: [UInt64] = []
    private(set) var errors = 0
    private(set) var errorCodes: [String: Int] = [:]
    private(set) var failure: Error?

    init(index: Int, count: Int, connection: LineConnection, depth: Int, event: @escaping (Int) -> String) {
        self.index = index
        self.count = count
        self.connection = connection
        self.depth = depth
        self.event = event
        latencies.reserveCapacity(count)
    }

    /// Starts the thread; it waits for `gate` before sending and leaves `group` when done.
    func start(gate: DispatchSemaphore, group: DispatchGroup) {
        group.enter()
        let thread = Thread { [self] in
            gate.wait()
            work()
            group.leave()
        }
        thread.name = "bench-\(index)"
        thread.start()
    }

    private func work() {
        let appender = PipelinedAppender(connection: connection, window: depth)
        var next = 0
        let (count, event) = (self.count, self.event)
        do {
            try appender.run(next: {
                guard next < count else { return nil }
                defer { next += 1 }
                return AppendRequest(event: event(next), tag: next)
            }, onAnswer: { outcome in
                latencies.append(outcome.latencyNanoseconds)
                switch outcome.answer {
                case .ok: break
                case .err(let code, _): countError(code)
                default: countError("unexpected-answer")
                }
            })
        } catch {
            failure = error
            // Everything never answered counts as failed.
            let missing = count - latencies.count
            errors += missing
            errorCodes["connection", default: 0] += missing
        }
        connection.close()
    }

    private func countError(_ code: String) {
        errors += 1
        errorCodes[code, default: 0] += 1
    }
}
