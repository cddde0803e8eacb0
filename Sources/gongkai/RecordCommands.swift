import ArgumentParser
import GongkaiClient

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the record with sequence number SEQ, or (--id) the one whose event has that id.",
        discussion: "A clerk knows an event's id, not its seq: `gongkai get --id czj-2023-05-001` finds it (to void it, say).")
    @OptionGroup var options: GlobalOptions

    @Argument(help: "Sequence number (from 1).")
    var seq: Int?

    @Option(name: .long, help: ArgumentHelp("The event's id instead of a sequence number.", valueName: "id"))
    var id: String?

    func validate() throws {
        switch (seq, id) {
        case (nil, nil), (.some, .some): throw ValidationError("give a SEQ or --id, one of them")
        case (let seq?, nil): guard seq >= 1 else { throw ValidationError("SEQ must be 1 or more") }
        case (nil, let id?):
            guard !id.isEmpty, !id.unicodeScalars.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" }) else {
                throw ValidationError("--id must be an event id (it holds no spaces)")
            }
        }
    }

    func run() throws {
        try DaemonSession.run {
            let connection = try DaemonSession.connect(options)
            defer { connection.close() }
            let record = try DaemonSession.expectOK(connection.request(id.map { "FIND \($0)" } ?? "GET \(seq!)"))
            let output = options.output
            if output.readable {
                ReadableFormat.keyValues(json: record, leading: ReadableFormat.recordKeyOrder).forEach(output.line)
            } else {
                output.line(record)
            }
        }
    }
}

struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print records from sequence number FROM on.",
        discussion: "Raw output is the records only, byte for byte, one per line (NDJSON).")
    @OptionGroup var options: GlobalOptions

    @Argument(help: "First sequence number to read (from 1).")
    var from: Int

    @Option(name: .long, help: "Records per request (the daemon's default is 1,000, at most 10,000; an answer also ends after the record that takes it past 256 KiB, and --all goes on from there).")
    var limit: Int?

    @Flag(name: .long, help: "Keep reading, following END {\"next\":N}, until no records are left.")
    var all = false

    func validate() throws {
        guard from >= 1 else { throw ValidationError("FROM must be 1 or more") }
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() throws {
        try DaemonSession.run {
            let connection = try DaemonSession.connect(options)
            defer { connection.close() }
            let printer = RecordPrinter(output: options.output, follow: false)
            let next = try readPages(connection, from: from, limit: limit, all: all, printer: printer)
            if options.output.readable { options.output.line("\(printer.count) records; next: \(next)") }
        }
    }
}

/// Reads with `READ` from `from`, one page or (with `all`) until a page comes back
/// empty, printing every record. Returns the next sequence number to read.
func readPages(_ connection: LineConnection, from: Int, limit: Int?, all: Bool, printer: RecordPrinter) throws -> Int {
    var from = from
    while true {
        let request = limit.map { "READ \(from) \($0)" } ?? "READ \(from)"
        var inPage = 0
        let end = try connection.stream(request) { record in
            printer.record(record)
            inPage += 1
        }
        guard case .end(let json) = end else { throw DaemonSession.daemonError(end) }
        let next = ReadableFormat.parseObject(json)?["next"] as? Int ?? from + inPage
        // Stop when asked for one page, or when the log has nothing past `next`.
        if !all || inPage == 0 || next <= from { return next }
        from = next
    }
}

struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the newest records; with -f keep printing new ones as they are committed.",
        discussion: """
            Without FROM, starts LINES records before the end (default 10, or 0 with -f: \
            only records committed from now on). Without -f it reads what exists and stops.
            """)
    @OptionGroup var options: GlobalOptions

    @Argument(help: "First sequence number to print.")
    var from: Int?

    @Flag(name: [.short, .long], help: "Keep the stream open and print records as they come, until the daemon stops or Ctrl-C.")
    var follow = false

    @Option(name: [.customShort("n"), .customLong("lines")], help: "Without FROM: how many existing records to show first.")
    var lines: Int?

    func validate() throws {
        if let from, from < 1 { throw ValidationError("FROM must be 1 or more") }
        if let lines, lines < 0 { throw ValidationError("--lines must be 0 or more") }
        if from != nil && lines != nil { throw ValidationError("give FROM or --lines, not both") }
    }

    func run() throws {
        try DaemonSession.run {
            // A follow may wait for hours between records: no read timeout there.
            let connection = try DaemonSession.connect(options, timeout: follow ? 0 : nil)
            defer { connection.close() }
            let start: Int
            if let from {
                start = from
            } else {
                let head = try DaemonSession.expectOK(connection.request("HEAD"))
                guard let size = ReadableFormat.parseObject(head)?["size"] as? Int else {
                    throw ClientError.unexpectedAnswer("OK " + head)
                }
                start = max(1, size + 1 - (lines ?? (follow ? 0 : 10)))
            }
            let printer = RecordPrinter(output: options.output, follow: follow)
            if follow {
                try printer.finish(connection.stream("TAIL \(start)") { printer.record($0) })
            } else {
                _ = try readPages(connection, from: start, limit: nil, all: true, printer: printer)
                if options.output.readable && printer.count == 0 { options.output.line("(no records)") }
            }
        }
    }
}
