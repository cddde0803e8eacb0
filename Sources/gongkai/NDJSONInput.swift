import Glibc
import GongkaiJSON

/// Reads NDJSON events from a file descriptor, one line at a time, skipping blank
/// lines and `#` comments. Memory stays bounded: a line over `maxLineBytes` is
/// skipped through to its newline and reported as too long instead of being kept.
final class NDJSONInput {
    enum Item {
        /// An event line (line ending removed), valid UTF-8.
        case event(String, line: Int)
        /// A line that cannot be sent; `reason` says why.
        case rejected(reason: Rejection, line: Int)
    }

    enum Rejection {
        case tooLong(bytes: Int)
        case notUTF8
    }

    /// UTF-8's byte-order mark, U+FEFF.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    let fd: Int32
    let maxLineBytes: Int
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0
    private var lineNumber = 0
    private var atEOF = false
    private let ownsDescriptor: Bool

    /// Opens `path`, or standard input for `-`.
    init(path: String, maxLineBytes: Int) throws {
        self.maxLineBytes = maxLineBytes
        if path == "-" {
            fd = STDIN_FILENO
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { throw InputError(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
            fd = opened
            ownsDescriptor = true
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// True when the input is a regular file, so reading it never blocks for long.
    var isRegularFile: Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The next event or rejected line; nil at end of input.
    func next() throws -> Item? {
        while true {
            guard let (raw, length) = try nextRawLine() else { return nil }
            guard var bytes = raw else { return .rejected(reason: .tooLong(bytes: length), line: lineNumber) }
            // A file saved by Windows Notepad (or exported as "UTF-8 with BOM") starts with a
            // byte-order mark, which is not JSON: it marks the encoding, and the encoding is UTF-8.
            if lineNumber == 1, bytes.starts(with: Self.byteOrderMark) { bytes = bytes.dropFirst(Self.byteOrderMark.count) }
            if isSkippable(bytes) { continue }
            guard let text = bytes.withUnsafeBufferPointer({ UTF8Text.string(validating: $0) }) else {
                return .rejected(reason: .notUTF8, line: lineNumber)
            }
            return .event(text, line: lineNumber)
        }
    }

    /// Blank (only spaces/tabs) or a comment whose first visible byte is `#`.
    private func isSkippable(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { return true }
        return first == UInt8(ascii: "#")
    }

    /// Index of the first newline in `buffer[from..<end]`.
    private func findNewline(from: Int) -> Int? {
        guard from < end else { return nil }
        return buffer.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress,
                  let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), end - from) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The next line's bytes (nil bytes when it was too long) and its length.
    private func nextRawLine() throws -> (ArraySlice<UInt8>?, Int)? {
        var skipped = 0       // bytes of an over-long line already thrown away
        var scanFrom = start
        while true {
            if let newline = findNewline(from: scanFrom) {
                lineNumber += 1
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let length = skipped + (lineEnd - start)
                defer { start = newline + 1 }
                if skipped > 0 || length > maxLineBytes { return (nil, length) }
                return (buffer[start..<lineEnd], length)
            }
            if atEOF {
                guard start < end || skipped > 0 else { return nil }
                lineNumber += 1
                let length = skipped + (end - start)
                defer { start = end }
                if skipped > 0 || length > maxLineBytes { return (nil, length) }
                return (buffer[start..<end], length)
            }
            if end - start > maxLineBytes {
                // Too long to send anyway: drop what we have and keep counting to the newline.
                skipped += end - start
                start = end
            }
            // Make room: slide the partial line to the front, grow only up to the line limit.
            if start > 0 {
                let pending = end - start
                buffer.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + start, pending) }
                start = 0
                end = pending
            }
            if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
            scanFrom = end
            let count = buffer.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + end, raw.count - end) }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(message: "reading input: \(String(cString: strerror(errno)))")
            }
            if count == 0 { atEOF = true } else { end += count }
        }
    }
}

/// A failure reading the events to append.
struct InputError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
