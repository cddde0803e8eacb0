import ArgumentParser
import Foundation
import GongkaiClient

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append events: one given as an argument, or NDJSON from --file or standard input.",
        discussion: """
            NDJSON input: one event object per line; blank lines and lines starting with # \
            are skipped. Requests are pipelined (--window) and answered in order. Prints one \
            line per event and a summary on stderr. Exit 1 if any event failed, 2 if the \
            daemon could not be reached or the connection was lost (stderr then names the last \
            input line answered; sending the same input again is safe: events already appended \
            answer as duplicates, with their receipts).
            """)
    @OptionGroup var options: GlobalOptions

    @Argument(help: "One event as a JSON object. Without it, events are read as NDJSON.")
    var event: String?

    @Option(name: .long, help: ArgumentHelp("NDJSON file of events; - for standard input.", valueName: "path"))
    var file: String?

    @Option(name: .long, help: "Most appends sent but not yet answered.")
    var window: Int = PipelinedAppender.defaultWindow

    /// The daemon's default line limit: a longer request would make it close the
    /// connection, losing the answers still in flight, so such lines are not sent.
    static let maxRequestBytes = 1024 * 1024
    static let maxEventBytes = maxRequestBytes - "APPEND \n".utf8.count

    func validate() throws {
        if event != nil && file != nil { throw ValidationError("give an event or --file, not both") }
        guard (1...65_536).contains(window) else { throw ValidationError("--window must be between 1 and 65536") }
    }

    func run() throws {
        if let event {
            try appendOne(event)
        } else {
            try appendStream(path: file ?? "-")
        }
    }

    private func appendOne(_ event: String) throws {
        try DaemonSession.run {
            let connection = try DaemonSession.connect(options)
            defer { connection.close() }
            // Pretty-printed JSON on the command line: its line breaks are only whitespace.
            let oneLine = event.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            guard oneLine.utf8.count <= Append.maxEventBytes else {
                Output.note("error: too-large: the event is \(oneLine.utf8.count) bytes, over the 1 MiB request limit")
                throw ExitCode(1)
            }
            let answer = try connection.request("APPEND " + oneLine)
            var report = AppendReport(output: options.output, flushEachLine: false)
            report.answer(answer, event: oneLine, line: nil)
            if !answer.isOK { throw DaemonSession.daemonError(answer) }
        }
    }

    private func appendStream(path: String) throws {
        let input: NDJSONInput
        do {
            input = try NDJSONInput(path: path, maxLineBytes: Append.maxEventBytes)
        } catch {
            Output.note("error: \(error)")
            throw ExitCode(1)
        }
        let connection = try DaemonSession.connect(options)
        defer { connection.close() }

        // Input from a pipe or terminal may trickle in: pass each event and each
        // answer on at once instead of waiting for a buffer to fill.
        let streaming = !input.isRegularFile
        var report = AppendReport(output: options.output, flushEachLine: streaming)
        let rejected = RejectedLines()
        let appender = PipelinedAppender(connection: connection, window: window,
                                         flushEachRequest: streaming)
        let started = monotonicNanoseconds()
        var failure: Error?
        do {
            // Runs on the appender's writer thread; lines that cannot be sent are
            // queued so the reader reports them in input order.
            try appender.run(next: {
                while let item = try input.next() {
                    switch item {
                    case .event(let text, let line): return AppendRequest(event: text, tag: line)
                    case .rejected(let reason, let line): rejected.add(line: line, reason: reason)
                    }
                }
                return nil
            }, onAnswer: { outcome in
                for (line, reason) in rejected.take(before: outcome.request.tag) { report.rejected(reason, line: line) }
                report.answer(outcome.answer, event: outcome.request.event, line: outcome.request.tag)
            })
        } catch {
            failure = error
        }
        let answeredThrough = report.lastLine
        for (line, reason) in rejected.take(before: Int.max) { report.rejected(reason, line: line) }
        options.output.flush()

        if let failure {
            Output.note("error: \(failure)")
            // Which events are in doubt: those after the last line answered. Sending the file
            // again is safe: the ones already appended answer as duplicates, with their receipts.
            let answered = answeredThrough.map { "line \($0)" } ?? "the start"
            Output.note("no answer for the events after \(answered) of the input: send it again to append them (those already appended answer as duplicates)")
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        Output.note(report.summary(seconds: seconds))
        if let failure {
            if let client = failure as? ClientError, client.isConnectionFailure { throw ExitCode(2) }
            throw ExitCode(1)
        }
        if report.failed > 0 { throw ExitCode(1) }
    }
}

/// Counts outcomes and prints one line per event.
struct AppendReport {
    let output: Output
    /// Flush stdout after every line, for input that arrives over time.
    let flushEachLine: Bool
    private(set) var appended = 0
    private(set) var duplicates = 0
    /// Duplicates of events voided since: they do not count.
    private(set) var voidedDuplicates = 0
    private(set) var failed = 0
    /// The last input line reported, answered or rejected (lines are reported in order).
    private(set) var lastLine: Int?

    init(output: Output, flushEachLine: Bool) {
        self.output = output
        self.flushEachLine = flushEachLine
    }

    mutating func answer(_ answer: Answer, event: String, line: Int?) {
        defer { if flushEachLine { output.flush() } }
        if let line { lastLine = line }
        switch answer {
        case .ok(let json):
            // Canonical JSON: the flag is spelled exactly like this when present.
            let duplicate = json.contains("\"duplicate\":true")
            if duplicate { duplicates += 1 } else { appended += 1 }
            if duplicate && json.contains("\"voidedBy\":") { voidedDuplicates += 1 }
            guard output.readable else { return output.line(answer.line) }
            let fields = ReadableFormat.parseObject(json) ?? [:]
            let seq = ReadableFormat.scalar(fields["seq"])
            let id = ReadableFormat.scalar(fields["id"])
            // A duplicate of an event voided since no longer counts: say so.
            let voided = fields["voidedBy"].map { "  (voided by record \(ReadableFormat.scalar($0)): it does not count)" } ?? ""
            output.line("seq \(seq)  id \(id)  \(duplicate ? "duplicate" : "ok")\(voided)")
        default:
            failed += 1
            guard output.readable else { return output.line(answer.line) }
            // A single event's error is reported by the caller as `error: code: message`.
            guard let line else { return }
            var place = "line \(line)"
            if let id = ReadableFormat.parseObject(event)?["id"] as? String { place += "  id \(id)" }
            output.line("\(place): \(answer.line)")
        }
    }

    mutating func rejected(_ reason: NDJSONInput.Rejection, line: Int) {
        failed += 1
        lastLine = line
        defer { if flushEachLine { output.flush() } }
        switch (reason, output.readable) {
        case (.tooLong(let bytes), true):
            output.line("line \(line): not sent: \(bytes) bytes, over the 1 MiB request limit")
        case (.tooLong(let bytes), false):
            output.line("ERR too-large line \(line) is \(bytes) bytes, over the 1 MiB request limit; not sent")
        case (.notUTF8, true):
            output.line("line \(line): not sent: not valid UTF-8")
        case (.notUTF8, false):
            output.line("ERR bad-request line \(line) is not valid UTF-8; not sent")
        }
    }

    func summary(seconds: Double) -> String {
        let total = appended + duplicates + failed
        let rate = seconds > 0 ? Double(total) / seconds : 0
        let voided = voidedDuplicates > 0 ? " (\(voidedDuplicates) of them voided since: they do not count)" : ""
        return "appended \(appended), duplicates \(duplicates)\(voided), failed \(failed) in "
            + String(format: "%.2f s (%.0f/s)", seconds, rate)
    }
}

/// Input lines the writer thread could not send, waiting to be reported in order.
/// Entries are a line number and a reason, so even many of them stay small.
final class RejectedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(line: Int, reason: NDJSONInput.Rejection)] = []

    func add(line: Int, reason: NDJSONInput.Rejection) {
        lock.lock()
        entries.append((line, reason))
        lock.unlock()
    }

    /// Removes and returns the entries for lines before `line`, in order.
    func take(before line: Int) -> [(line: Int, reason: NDJSONInput.Rejection)] {
        lock.lock()
        defer { lock.unlock() }
        guard let first = entries.first, first.line < line else { return [] }
        let cut = entries.firstIndex { $0.line >= line } ?? entries.count
        let taken = Array(entries[..<cut])
        entries.removeFirst(cut)
        return taken
    }
}
