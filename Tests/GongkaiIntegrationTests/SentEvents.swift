import Foundation

/// Every event the integration tests got accepted, appended as NDJSON to the file named by
/// `GONGKAI_SENT_EVENTS` (scripts/test sets it), so `Tests/schemas/test_sent_events.py` can
/// check them all against the JSON Schemas after the run.
enum SentEvents {
    private static let lock = NSLock()
    private static let handle: FileHandle? = {
        guard let path = ProcessInfo.processInfo.environment["GONGKAI_SENT_EVENTS"], !path.isEmpty else { return nil }
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = FileHandle(forWritingAtPath: path)
        handle?.seekToEndOfFile()
        return handle
    }()

    /// Records the event of an `APPEND` request whose answer was `OK`.
    static func record(request: String, answer: String) {
        guard let handle, request.hasPrefix("APPEND "), answer.hasPrefix("OK ") else { return }
        let line = Data((request.dropFirst("APPEND ".count) + "\n").utf8)
        lock.lock()
        handle.write(line)
        lock.unlock()
    }
}
