import ArgumentParser
import Foundation
import GongkaiClient
import NIOCore
import NIOPosix

extension BenchPayload: ExpressibleByArgument {}

/// `gongkai-bench append`: a load generator that measures durable append throughput and latency.
struct AppendBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append events to gongkaid from many pipelining connections and measure throughput and latency.",
        discussion: "Exit 0 when every append was answered OK, 1 if any failed, 2 if the daemon could not be reached.")

    @OptionGroup var socket: SocketOption

    @Option(name: .long, help: "Concurrent connections, all driven by one thread.")
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

    @Option(name: .long, help: ArgumentHelp("Seconds without an answer before a connection gives up; 0 waits for ever.", valueName: "seconds"))
    var timeout: Double = 60

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be between 1 and 10000") }
        guard (1...65_536).contains(depth) else { throw ValidationError("--depth must be between 1 and 65536") }
        guard events >= 1 else { throw ValidationError("--events must be 1 or more") }
        guard (0...86_400).contains(timeout) else { throw ValidationError("--timeout must be between 0 and 86400 seconds") }
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
        let perConnection: [[String]] = (0..<connections).map { index in
            if let mix { return mix.perConnection[index] }
            let share = self.events / connections + (index < self.events % connections ? 1 : 0)
            return (0..<share).map { payload.event(run: run, connection: index, index: $0) }
        }

        // One thread drives every connection: the generator shares the machine with the daemon.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let loop = group.next()
        let allocator = ByteBufferAllocator()
        let timeout = self.timeout

        // Connect everything before the clock starts: only appends are timed.
        var handlers: [LoadConnectionHandler] = []
        for index in 0..<connections {
            let handler = LoadConnectionHandler(
                index: index, requests: RequestLines(events: perConnection[index], allocator: allocator), depth: depth,
                done: loop.makePromise())
            let bootstrap = ClientBootstrap(group: loop).channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if timeout > 0 {
                        try channel.pipeline.syncOperations.addHandler(
                            IdleStateHandler(readTimeout: .nanoseconds(Int64(timeout * 1e9))))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            do {
                _ = try bootstrap.connect(unixDomainSocketPath: path).wait()
            } catch {
                fputs("error: cannot connect to \(path): \(error)\n", stderr)
                throw ExitCode(2)
            }
            handlers.append(handler)
        }

        let started = monotonicNanoseconds()
        let cpuBefore = Self.processCPUNanoseconds()
        loop.execute { handlers.forEach { $0.start() } }
        try EventLoopFuture.andAllComplete(handlers.map { $0.done.futureResult }, on: loop).wait()
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        let clientCPU = Self.processCPUNanoseconds() - cpuBefore

        var samples: [UInt64] = []
        samples.reserveCapacity(events)
        var errors = 0
        var codes: [String: Int] = [:]
        for handler in handlers {
            samples.append(contentsOf: handler.latencies)
            errors += handler.errors
            codes.merge(handler.errorCodes, uniquingKeysWith: +)
            if let failure = handler.failure { fputs("error: connection \(handler.index): \(failure)\n", stderr) }
        }
        let latency = LatencySummary(samples: samples)
        // Every answered request counts; a run with errors exits non-zero anyway.
        let rate = seconds > 0 ? Double(samples.count) / seconds : 0
        // The generator's own CPU while timed: it shares the machine with the daemon.
        let clientMicros = samples.isEmpty ? 0 : Double(clientCPU) / 1e3 / Double(samples.count)

        if json {
            let result: [String: Any] = [
                "payload": eventsFile.map { "file:" + $0 } ?? payload.rawValue, "connections": connections, "depth": depth, "events": events,
                "seconds": rounded(seconds, 4), "appendsPerSecond": rounded(rate, 0),
                "p50Ms": rounded(latency.p50, 4), "p99Ms": rounded(latency.p99, 4), "maxMs": rounded(latency.max, 4),
                "errors": errors, "run": run, "clientCpuMicrosPerAppend": rounded(clientMicros, 2),
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "connections=%d depth=%d events=%d seconds=%.3f appends/s=%.0f p50=%.3fms p99=%.3fms max=%.3fms errors=%d client_cpu=%.2fµs",
                         connections, depth, events, seconds, rate, latency.p50, latency.p99, latency.max, errors, clientMicros))
        }
        if errors > 0 {
            let summary = codes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            fputs("errors by code: \(summary)\n", stderr)
            throw ExitCode(1)
        }
    }

    /// User and system CPU time of this process so far.
    private static func processCPUNanoseconds() -> UInt64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func nanos(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_usec) * 1_000 }
        return nanos(usage.ru_utime) + nanos(usage.ru_stime)
    }

    private func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
