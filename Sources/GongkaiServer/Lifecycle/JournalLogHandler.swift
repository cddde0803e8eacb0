import Glibc
import Logging

/// Log lines on standard error, each with the syslog priority journald reads from a `<N>`
/// prefix when standard error is the journal (`JOURNAL_STREAM`, sd-daemon(3)). Without the
/// prefix every line was filed at "info", so `journalctl -p err` never showed an error.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let prefixed: Bool

    /// `prefixed`: write the `<N>` priorities (see `stderrIsJournal`).
    public init(label: String, level: Logger.Level, prefixed: Bool) {
        self.label = label
        self.logLevel = level
        self.prefixed = prefixed
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        let text = Self.line(level: event.level, label: label, message: "\(event.message)", metadata: merged, prefixed: prefixed)
        // One write per line, so that lines of two threads never interleave.
        _ = text.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }

    /// The syslog priority of a level: 7 debug … 2 critical.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// One line: `<N>` when prefixed (journald adds its own time), else a UTC timestamp.
    public static func line(level: Logger.Level, label: String, message: String, metadata: Logger.Metadata,
                            prefixed: Bool, now: time_t = time(nil)) -> String {
        let fields = metadata.isEmpty ? "" : " " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let body = "\(level) \(label):\(fields) \(message)"
        // A message with a line break would start an unprefixed journal entry: keep one line.
        let flat = body.contains("\n") ? body.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ") : body
        return prefixed ? "<\(priority(level))>\(flat)\n" : "\(timestamp(now)) \(flat)\n"
    }

    /// Whether standard error is the journal stream systemd named in `JOURNAL_STREAM`
    /// ("device:inode"); a child that inherited the variable but not the stream is not.
    public static func stderrIsJournal(_ environment: [String: String]) -> Bool {
        guard let stream = environment["JOURNAL_STREAM"] else { return false }
        var info = stat()
        guard fstat(STDERR_FILENO, &info) == 0 else { return false }
        return stream == "\(info.st_dev):\(info.st_ino)"
    }

    private static func timestamp(_ now: time_t) -> String {
        var seconds = now
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
