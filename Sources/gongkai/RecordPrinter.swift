import ArgumentParser
import GongkaiClient

/// Prints records from `GET`/`READ`/`TAIL`: the exact record bytes one per line for
/// scripts, or a table with one header for a terminal.
final class RecordPrinter {
    let output: Output
    /// Flush after every record, for streams that may run for hours.
    let follow: Bool
    private(set) var count = 0

    init(output: Output, follow: Bool) {
        self.output = output
        self.follow = follow
    }

    func record(_ bytes: [UInt8]) {
        if output.readable {
            if count == 0 { output.line(ReadableFormat.recordHeader()) }
            output.line(ReadableFormat.recordRow(String(decoding: bytes, as: UTF8.self)))
        } else {
            output.line(bytes: bytes)
        }
        count += 1
        if follow { output.flush() }
    }

    /// Handles the line that closed a stream: `END` is fine, anything else is a failure.
    func finish(_ answer: Answer) throws {
        switch answer {
        case .end(let json):
            if output.readable {
                if count == 0 { output.line("(no records)") }
                if follow, let reason = ReadableFormat.parseObject(json)?["reason"] as? String {
                    Output.note("stream ended: \(reason)")
                }
            } else if follow {
                // The raw output holds only records; say why a follow stopped on stderr.
                if let reason = ReadableFormat.parseObject(json)?["reason"] as? String {
                    Output.note("stream ended: \(reason)")
                }
            }
        default:
            output.flush()
            throw DaemonSession.daemonError(answer)
        }
    }
}
