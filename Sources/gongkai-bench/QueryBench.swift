import ArgumentParser
import Foundation
import GongkaiClient

/// `gongkai-bench query`: one request sent again and again over one connection, one at a
/// time, timing each answer — COMPLIANCE p50/p99, an as-of answer, VERIFY.
struct QueryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Send one request many times over one connection, without pipelining, and report answer latency.",
        discussion: "Example: gongkai-bench query --count 2000 'COMPLIANCE czj asof=2023-12-31'. Exit 0 when every answer was OK.")

    @OptionGroup var socket: SocketOption

    @Option(name: .long, help: "Timed requests.")
    var count = 1_000

    @Option(name: .long, help: "Untimed requests sent first.")
    var warmup = 10

    @Option(name: .long, help: ArgumentHelp("Seconds without an answer before giving up.", valueName: "seconds"))
    var timeout: Double = 600

    @Argument(help: "The request line, e.g. 'COMPLIANCE czj asof=2023-12-31 known=500000'.")
    var request: String

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be 1 or more") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more") }
        guard !request.contains("\n") else { throw ValidationError("the request is one line") }
    }

    func run() throws {
        let connection: LineConnection
        do {
            connection = try LineConnection(path: socket.path)
        } catch {
            fputs("error: \(error)\n", stderr)
            throw ExitCode(2)
        }
        defer { connection.close() }
        connection.setReadTimeout(seconds: timeout)

        let okPrefix = Array("OK ".utf8)
        var samples: [UInt64] = []
        samples.reserveCapacity(count)
        var errors = 0
        var answerBytes = 0
        var firstError: String?
        for index in 0..<(warmup + count) {
            let started = monotonicNanoseconds()
            try connection.send(request)
            guard let answer = try connection.readLineBytes() else { throw ClientError.connectionClosed(unanswered: 1) }
            let elapsed = monotonicNanoseconds() - started
            guard index >= warmup else { continue }
            samples.append(elapsed)
            answerBytes = answer.count
            if !answer.starts(with: okPrefix) {
                errors += 1
                if firstError == nil { firstError = String(decoding: answer.prefix(300), as: UTF8.self) }
            }
        }
        let latency = LatencySummary(samples: samples)
        print(String(format: "request=\"%@\" count=%d p50=%.3fms p99=%.3fms max=%.3fms answer_bytes=%d errors=%d",
                     request, count, latency.p50, latency.p99, latency.max, answerBytes, errors))
        if let firstError {
            fputs("first error: \(firstError)\n", stderr)
            throw ExitCode(1)
        }
    }
}
