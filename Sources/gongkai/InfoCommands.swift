import ArgumentParser
import GongkaiClient

/// Sends one request with a single `OK <json>` answer and prints it.
private func printSingleAnswer(_ line: String, options: GlobalOptions, leading: [String] = []) throws {
    try DaemonSession.run {
        let connection = try DaemonSession.connect(options)
        defer { connection.close() }
        let json = try DaemonSession.expectOK(connection.request(line))
        let output = options.output
        if output.readable {
            ReadableFormat.keyValues(json: json, leading: leading).forEach(output.line)
        } else {
            output.line(json)
        }
    }
}

struct Ping: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check that the daemon answers.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try printSingleAnswer("PING", options: options)
    }
}

struct Head: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the log's size, Merkle root and last recorded time.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try printSingleAnswer("HEAD", options: options, leading: ["size", "root", "recorded"])
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the daemon's counters and latencies.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try printSingleAnswer("STATS", options: options)
    }
}

struct Whoami: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the principal the daemon sees for this connection.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try printSingleAnswer("WHOAMI", options: options, leading: ["principal", "uid", "gid", "pid"])
    }
}

/// Escape hatch for verbs without their own subcommand (PROOF, VERIFY, COMPLIANCE, ...).
struct Request: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send one raw request line and print its answer.",
        discussion: "Example: gongkai request COMPLIANCE czj asof=2023-06-30. Streams (READ, TAIL) print their records until END.")
    @OptionGroup var options: GlobalOptions

    @Argument(help: "The request: a verb and its arguments, joined by spaces.")
    var words: [String]

    func validate() throws {
        // A line break would make the daemon read two requests, and only the first answer
        // would be printed (an APPEND after it committed unseen).
        // Only LF and CR end a line for the daemon (U+2028 and its kind are text in JSON strings).
        if words.contains(where: { $0.utf8.contains(10) || $0.utf8.contains(13) }) {
            throw ValidationError("a request is one line: remove the line break (send several requests with several commands, or events with gongkai append)")
        }
    }

    func run() throws {
        let line = words.joined(separator: " ")
        let verb = words.first?.uppercased() ?? ""
        if verb == "READ" || verb == "TAIL" {
            try DaemonSession.run {
                let connection = try DaemonSession.connect(options, timeout: verb == "TAIL" ? 0 : nil)
                defer { connection.close() }
                let printer = RecordPrinter(output: options.output, follow: verb == "TAIL")
                let end = try connection.stream(line) { printer.record($0) }
                try printer.finish(end)
            }
        } else {
            try printSingleAnswer(line, options: options)
        }
    }
}
