import ArgumentParser
import Foundation
import GongkaiClient

extension BenchPayload: ExpressibleByArgument {}

/// `gongkai-bench append`: a load generator that measures durable append throughput and latency.
struct AppendBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append events to gongkaid from many pipelining connections and measure throughput and latency.",
        discussion: "Exit 0 when every append was answered OK, 1 if any failed, 2 if the daemon could not be reached.")

    @OptionGroup var socket: SocketOption

    @Option(name: .long, help: "Concurrent connections, one thread each.")
    var connections = 32

    @Option(name: .long, help: "Appends in flight per connection; 1 means no pipelining.")
    var depth = 64

    @Option(name: .long, help: "Total appends across all connections.")
    var events = 200_000

    @Option(name: .long, help: "Event shape: \(BenchPayload.allCases.map(\.rawValue).joined(separator: ", ")).")
    var payload: BenchPayload = .simple

    @Option(name: .long, help: ArgumentHelp(
        "Send the first --events events of this NDJSON file (gongkai simulate [--seeds N]) instead of --payload, each once, ids prefixed per run.",
        valueName: "path"))
    var eventsFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds without an answer before a connection gives up.", valueName: "seconds"))
    var timeout: Double = 60

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be between 1 and 10000") }
        guard (1...65_536).contains(depth) else { throw ValidationError("--depth must be between 1 and 65536") }
        guard events >= 1 else { throw ValidationError("--events must be 1 or more") }
        guard timeout >= 0 else { throw ValidationError("--timeout must be 0 or more") }
    }

    func run() throws {
        let path = socket.path
        let run = BenchPayload.runPrefix()
        // Every event is made before the clock starts: only appends are timed.
        var mix: EventFileMix?
        if let eventsFile {
            do {
                mix = try EventFileMix(path: eventsFile, count: events, connections: connections, run: run)
            } catch {
                fputs("error: \(error)\n", stderr)
                throw ExitCode(2)
            }
        }
        let payload = self.payload

        // Connect everything before the clock starts: only appends are timed.
        var workers: [LoadWorker] = []
        for index in 0..<connections {
            let connection: LineConnection
            do {
                connection = try LineConnection(path: path)
            } catch {
                fputs("error: \(error)\n", stderr)
                throw ExitCode(2)
            }
            connection.setReadTimeout(seconds: timeout)
            if let mix {
                let own = mix.perConnection[index]
                workers.append(LoadWorker(index: index, count: own.count, connection: connection, depth: depth) { own[$0] })
            } else {
                let share = events / connections + (index < events % connections ? 1 : 0)
                workers.append(LoadWorker(index: index, count: share, connection: connection, depth: depth) {
                    payload.event(run: run, connection: index, index: $0)
                })
            }
        }

        let gate = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        workers.forEach { $0.start(gate: gate, group: group) }
        let started = monotonicNanoseconds()
        for _ in workers { gate.signal() }
        group.wait()
        let seconds = Double(monotonicNanoseconds() - started) / 1e9

        var samples: [UInt64] = []
        samples.reserveCapacity(events)
        var errors = 0
        var codes: [String: Int] = [:]
        for worker in workers {
            samples.append(contentsOf: worker.latencies)
            errors += worker.errors
            codes.merge(worker.errorCodes, uniquingKeysWith: +)
            if let failure = worker.failure { fputs("error: connection \(worker.index): \(failure)\n", stderr) }
        }
        let latency = LatencySummary(samples: samples)
        // Every answered request counts; a run with errors exits non-zero anyway.
        let rate = seconds > 0 ? Double(samples.count) / seconds : 0

        if json {
            let result: [String: Any] = [
                "payload": eventsFile.map { "file:" + $0 } ?? payload.rawValue, "connections": connections, "depth": depth, "events": events,
                "seconds": rounded(seconds, 4), "appendsPerSecond": rounded(rate, 0),
                "p50Ms": rounded(latency.p50, 4), "p99Ms": rounded(latency.p99, 4), "maxMs": rounded(latency.max, 4),
                "errors": errors, "run": run,
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "connections=%d depth=%d events=%d seconds=%.3f appends/s=%.0f p50=%.3fms p99=%.3fms max=%.3fms errors=%d",
                         connections, depth, events, seconds, rate, latency.p50, latency.p99, latency.max, errors))
        }
        if errors > 0 {
            let summary = codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            fputs("errors by code: \(summary)\n", stderr)
            throw ExitCode(1)
        }
    }

    private func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
