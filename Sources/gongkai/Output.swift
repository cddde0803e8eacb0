import Glibc
import GongkaiClient

/// Where and how results are printed: raw daemon JSON for scripts, or readable text.
///
/// Writes go through C stdio so raw records reach stdout byte for byte.
struct Output {
    /// True for text meant for a person; false for the daemon's JSON as it came.
    let readable: Bool

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    func line(_ text: String) {
        // Readable text reaches a terminal: what the ledger's events hold must not act on it.
        var text = readable ? VisibleText.of(text) : text
        text.append("\n")
        text.withUTF8 { _ = fwrite($0.baseAddress, 1, $0.count, stdout) }
    }

    func line(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, stdout) }
        fputc(0x0A, stdout)
    }

    /// Writes bytes exactly as given, with no newline added (CSV, Markdown documents).
    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, stdout) }
    }

    /// Pushes buffered output out now; used while following a stream that may go on for hours.
    func flush() {
        fflush(stdout)
    }

    /// Prints one line on stderr, unbuffered, whatever the output mode.
    static func note(_ text: String) {
        fputs(VisibleText.of(text) + "\n", stderr)
    }
}
