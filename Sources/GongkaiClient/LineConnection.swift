import Glibc

/// A blocking connection to gongkaid's Unix stream socket that speaks its line protocol.
///
/// Requests go out as lines ending in `\n`; answers are read back one line at a time
/// through a 64 KiB read buffer. One thread may send while one other thread reads
/// (that is how `PipelinedAppender` pipelines); two concurrent senders or two
/// concurrent readers are not supported. `close()` must not race either side.
public final class LineConnection: @unchecked Sendable {
    /// Size of one `recv` into the read buffer.
    public static let readChunkBytes = 64 * 1024
    /// Default bound on one answer line, so a misbehaving peer cannot grow memory without end.
    public static let defaultMaxLineBytes = 64 * 1024 * 1024

    /// The socket path this connection was opened to.
    public let path: String
    /// Longest answer line `readLine` accepts before throwing `ClientError.lineTooLong`.
    public var maxLineBytes: Int

    private var fd: Int32
    private var readTimeout: Double = 0
    // Read buffer: bytes [start, end) are received but not yet returned.
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    // Where the newline search resumes, so a long line is not rescanned on every chunk.
    private var scanned = 0
    private var sawEOF = false

    /// Connects to the Unix stream socket at `path`.
    ///
    /// Throws `ClientError.socketNotFound`, `.connectionRefused`, `.permissionDenied`,
    /// `.pathTooLong` or `.system` with a message fit for a terminal.
    public init(path: String, maxLineBytes: Int = LineConnection.defaultMaxLineBytes) throws {
        self.path = path
        self.maxLineBytes = maxLineBytes
        self.buffer = [UInt8](repeating: 0, count: LineConnection.readChunkBytes)

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < capacity, !pathBytes.isEmpty else {
            throw ClientError.pathTooLong(path: path, limit: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }

        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_UNIX, socketType, 0)
        guard descriptor >= 0 else { throw ClientError.system(operation: "socket", errno: errno) }

        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + 1)
        var result: Int32
        repeat {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
            }
        } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            Glibc.close(descriptor)
            switch code {
            case ENOENT: throw ClientError.socketNotFound(path: path)
            case ECONNREFUSED, ENOTSOCK: throw ClientError.connectionRefused(path: path)
            case EACCES, EPERM: throw ClientError.permissionDenied(path: path)
            default: throw ClientError.system(operation: "connect to \(path)", errno: code)
            }
        }
        self.fd = descriptor
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    // MARK: Writing

    /// Sends `line` followed by `\n`.
    public func send(_ line: String) throws {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        try sendRaw(bytes)
    }

    /// Sends `bytes` exactly as given; no newline is added.
    public func sendRaw(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try sendAll($0) }
    }

    /// Sends every byte of `bytes`, retrying short writes and interrupted calls.
    func sendAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw ClientError.closed }
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a daemon that hung up must become an error, not a SIGPIPE death.
            let written = Glibc.send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw ClientError.connectionClosed(unanswered: 0) }
                throw ClientError.system(operation: "send", errno: errno)
            }
            offset += written
        }
    }

    // MARK: Reading

    /// Reads one line and returns it without its `\n` or `\r\n`; nil at end of stream.
    ///
    /// A final line without a newline (cut off) throws `ClientError.lineCut`. Invalid UTF-8
    /// is replaced by U+FFFD; use `readLineBytes()` to see the bytes exactly.
    public func readLine() throws -> String? {
        guard let range = try nextLineRange() else { return nil }
        return buffer.withUnsafeBufferPointer { String(decoding: $0[range], as: UTF8.self) }
    }

    /// Reads one line and returns its bytes exactly, without `\n` or `\r\n`; nil at end of stream.
    public func readLineBytes() throws -> [UInt8]? {
        guard let range = try nextLineRange() else { return nil }
        return Array(buffer[range])
    }

    /// Sends one request line and reads its single answer line.
    ///
    /// For streaming verbs (`READ`, `TAIL`) this returns only the first line; use
    /// `stream(_:onEvent:)` for those.
    public func request(_ line: String) throws -> Answer {
        try send(line)
        guard let answer = try readLine() else { throw ClientError.connectionClosed(unanswered: 1) }
        return Answer.parse(answer)
    }

    /// Sends a streaming request (`READ`, `TAIL`), hands each `EVENT` record's bytes to
    /// `onEvent` as they arrive, and returns the closing `END` (or an `ERR`).
    ///
    /// Throws `ClientError.connectionClosed` if the stream stops without `END`.
    public func stream(_ line: String, onEvent: ([UInt8]) throws -> Void) throws -> Answer {
        try send(line)
        let eventPrefix = Array("EVENT ".utf8)
        while let bytes = try readLineBytes() {
            if bytes.starts(with: eventPrefix) {
                try onEvent(Array(bytes[eventPrefix.count...]))
                continue
            }
            let answer = Answer.parse(String(decoding: bytes, as: UTF8.self))
            switch answer {
            case .end, .err, .ok: return answer
            case .event, .other: throw ClientError.unexpectedAnswer(answer.line)
            }
        }
        throw ClientError.connectionClosed(unanswered: 0)
    }

    /// Makes reads give up with `ClientError.timedOut` after `seconds` without data
    /// (`SO_RCVTIMEO`); 0 waits forever.
    public func setReadTimeout(seconds: Double) {
        guard fd >= 0 else { return }
        let clamped = max(0, seconds)
        var value = timeval()
        value.tv_sec = Int(clamped)
        value.tv_usec = Int((clamped - Double(Int(clamped))) * 1_000_000)
        if clamped > 0 && value.tv_sec == 0 && value.tv_usec == 0 { value.tv_usec = 1 }
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        readTimeout = clamped
    }

    /// Half-closes the connection: the daemon sees end of input, answers what it has, then closes.
    public func shutdownWrite() {
        guard fd >= 0 else { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Shuts down both directions without releasing the descriptor, waking a thread
    /// blocked in `readLine` (it sees end of stream) or in `send` (it gets an error).
    public func shutdownBoth() {
        guard fd >= 0 else { return }
        _ = Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Closes the socket. Later calls throw `ClientError.closed`; closing twice is harmless.
    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    /// Finds the next complete line in the buffer, receiving more as needed, and
    /// consumes it. Returns the range of the line's bytes (line ending excluded), which
    /// stays valid until the next read.
    private func nextLineRange() throws -> Range<Int>? {
        while true {
            let newline: Int? = buffer.withUnsafeBufferPointer { all in
                let from = max(start, scanned)
                guard from < end, let base = all.baseAddress else { return nil }
                guard let hit = memchr(base + from, Int32(UInt8(ascii: "\n")), end - from) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let newline {
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let range = start..<lineEnd
                start = newline + 1
                scanned = start
                return range
            }
            scanned = end
            if sawEOF {
                guard start < end else { return nil }
                // The daemon ends every answer with a newline: bytes without one are a line
                // cut off, never to be taken for a whole answer (an OK, an EVENT to export).
                let cut = end - start
                start = end
                scanned = end
                throw ClientError.lineCut(bytes: cut)
            }
            if end - start > maxLineBytes { throw ClientError.lineTooLong(limit: maxLineBytes) }
            try fill()
        }
    }

    /// Receives up to one chunk after compacting or growing the buffer.
    private func fill() throws {
        guard fd >= 0 else { throw ClientError.closed }
        if start == end {
            start = 0; end = 0; scanned = 0
            // Give back the memory a past long line needed.
            if buffer.count > 4 * LineConnection.readChunkBytes {
                buffer = [UInt8](repeating: 0, count: LineConnection.readChunkBytes)
            }
        }
        if buffer.count - end < LineConnection.readChunkBytes {
            if start > 0 {
                // Slide the partial line to the front before growing.
                let pending = end - start
                buffer.withUnsafeMutableBytes { raw in
                    let base = raw.baseAddress!
                    memmove(base, base + start, pending)
                }
                scanned -= start
                end = pending
                start = 0
            }
            if buffer.count - end < LineConnection.readChunkBytes {
                buffer.append(contentsOf: [UInt8](repeating: 0, count: max(buffer.count, LineConnection.readChunkBytes)))
            }
        }
        while true {
            let received = buffer.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress! + end, raw.count - end, 0)
            }
            if received > 0 {
                end += received
                return
            }
            if received == 0 {
                sawEOF = true
                return
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw ClientError.timedOut(seconds: readTimeout)
            case ECONNRESET: sawEOF = true; return
            default: throw ClientError.system(operation: "recv", errno: errno)
            }
        }
    }
}
