import Glibc

/// The ledger's source of truth: an append-only file of `AppendLogFrame`s, one per group
/// commit, each made durable by one `fdatasync` before its transaction commits in LMDB.
/// LMDB (committed without its own fsyncs) is then an index of this file that can always be
/// rebuilt from it. Only the writer thread appends; reads open their own descriptor.
public final class AppendLog {
    public static let fileName = "append.log"
    static let fileMagic: [UInt8] = Array("gongkai-append-log/1\n\0\0\0".utf8)
    /// Bytes before the first frame.
    public static var startOffset: UInt64 { UInt64(fileMagic.count) }

    public let path: String
    private let descriptor: Int32
    /// Where the next frame goes: the end of the last whole frame.
    public private(set) var endOffset: UInt64
    /// The seq of the last record in the log, 0 when it holds none.
    public private(set) var lastSeq: UInt64
    /// Bytes of a torn last frame cut off at open (a write that never finished its fsync).
    public let discardedTailBytes: UInt64
    /// Set when a failed append could not be taken back: the file may end in a frame LMDB
    /// does not hold, so no further frame may follow it until a restart reconciles the two.
    private var brokenReason: String?

    /// Opens the log in `directory`, creating it (durably) when absent.
    public init(directory: String, fileName: String = AppendLog.fileName) throws {
        path = directory + "/" + fileName
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AppendLogError.io("open \(path): \(Self.lastError())") }
        descriptor = fd
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw AppendLogError.io("stat \(path): \(Self.lastError())")
        }
        do {
            if info.st_size == 0 {
                try Self.writeAll(fd, Self.fileMagic, at: 0, path: path)
                try Self.sync(fd, path: path)
                try Self.syncDirectory(directory)
                (endOffset, lastSeq, discardedTailBytes) = (Self.startOffset, 0, 0)
            } else {
                let found = try Self.findEnd(fd, fileBytes: UInt64(info.st_size), path: path)
                (endOffset, lastSeq) = (found.end, found.lastSeq)
                discardedTailBytes = UInt64(info.st_size) - found.end
                if discardedTailBytes > 0 {
                    guard ftruncate(fd, off_t(found.end)) == 0 else { throw AppendLogError.io("truncate the torn tail of \(path): \(Self.lastError())") }
                    try Self.sync(fd, path: path)
                }
            }
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Whether the log holds no frame yet.
    public var isEmpty: Bool { endOffset == Self.startOffset }

    // MARK: Appending (the writer thread)

    /// Writes one frame after the last and makes it durable with one `fdatasync`. On any
    /// failure the file is cut back to where it was, so nothing of the frame remains.
    /// `sync: false` leaves the fsync to a later `sync()` (writing a whole log at once).
    public func append(_ frame: [UInt8], lastSeq frameLastSeq: UInt64, sync: Bool = true) throws {
        if let brokenReason { throw AppendLogError.io("no appends until a restart: \(brokenReason)") }
        precondition(frameLastSeq > lastSeq, "the log only grows")
        let start = endOffset
        do {
            try Self.writeAll(descriptor, frame, at: start, path: path)
            if sync { try Self.sync(descriptor, path: path) }
        } catch {
            try truncate(to: start, lastSeq: lastSeq)
            throw error
        }
        endOffset = start + UInt64(frame.count)
        lastSeq = frameLastSeq
    }

    /// Makes every frame written so far durable.
    public func sync() throws { try Self.sync(descriptor, path: path) }

    /// Takes back the frames after `offset` (whose last record is `seq`): the writer's undo
    /// when LMDB refused a transaction whose frame was already written.
    public func truncate(to offset: UInt64, lastSeq seq: UInt64) throws {
        precondition(offset >= Self.startOffset, "the file's header stays")
        guard ftruncate(descriptor, off_t(offset)) == 0, fdatasync(descriptor) == 0 else {
            let reason = "cutting \(path) back to \(offset) bytes failed: \(Self.lastError())"
            brokenReason = reason
            throw AppendLogError.io(reason)
        }
        endOffset = offset
        lastSeq = seq
    }

    // MARK: Reading

    /// Calls `body` with every whole frame, in order, with the offset after it.
    public func forEachFrame(_ body: (AppendLogFrame, UInt64) throws -> Void) throws {
        let reader = try FrameReader(path: path)
        let end = endOffset
        while reader.offset < end, let frame = try reader.next() { try body(frame, reader.offset) }
    }

    /// Reads frames from the start through its own descriptor, so it may run on any thread
    /// beside appends as long as it reads only frames that were already committed.
    public func reader() throws -> FrameReader { try FrameReader(path: path) }

    public final class FrameReader {
        private let descriptor: Int32
        private let path: String
        /// Where the next frame starts.
        public private(set) var offset = AppendLog.startOffset

        init(path: String) throws {
            self.path = path
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw AppendLogError.io("open \(path): \(AppendLog.lastError())") }
        }

        deinit { close(descriptor) }

        /// The next frame; nil at the end of the file. A frame cut off or damaged throws.
        public func next() throws -> AppendLogFrame? {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw AppendLogError.io("stat \(path): \(AppendLog.lastError())") }
            guard offset < UInt64(info.st_size) else { return nil }
            let (frame, bytes) = try AppendLog.readFrame(descriptor, at: offset, limit: UInt64(info.st_size), path: path)
            offset += UInt64(bytes)
            return frame
        }
    }

    /// The frames holding the records after `seq`, which must end a frame: the tail that
    /// LMDB lacks after a crash between the log's fsync and LMDB's commit. Found from the
    /// end backwards, so a long log costs only the frames returned.
    public func frames(after seq: UInt64) throws -> [AppendLogFrame] {
        guard seq < lastSeq else { return [] }
        var frames: [AppendLogFrame] = []
        try walkBack { frame in
            frames.append(frame)
            guard frame.firstSeq <= seq + 1 else { return true }
            guard frame.firstSeq == seq + 1 else { throw AppendLogError.damaged("seq \(seq) does not end a frame") }
            return false
        }
        return frames.reversed()
    }

    /// The frame holding record `seq`, found from the end backwards; nil past the end.
    public func frame(holding seq: UInt64) throws -> AppendLogFrame? {
        guard seq >= 1, seq <= lastSeq else { return nil }
        var found: AppendLogFrame?
        try walkBack { frame in
            guard frame.firstSeq <= seq else { return true }
            found = frame
            return false
        }
        return found
    }

    /// Calls `body` with each frame from the last backwards while it returns true.
    private func walkBack(_ body: (AppendLogFrame) throws -> Bool) throws {
        var end = endOffset
        while end > Self.startOffset {
            let start = end - (try Self.frameLength(descriptor, endingAt: end, path: path))
            guard try body(try Self.readFrame(descriptor, at: start, limit: end, path: path).frame) else { return }
            end = start
        }
        throw AppendLogError.damaged("the log's first frame was reached without finding the frame sought")
    }

    // MARK: File plumbing

    private static func findEnd(_ fd: Int32, fileBytes: UInt64, path: String) throws -> (end: UInt64, lastSeq: UInt64) {
        guard fileBytes >= startOffset else { throw AppendLogError.damaged("\(path) is shorter than its header") }
        let magic = try readBytes(fd, at: 0, count: fileMagic.count, path: path)
        guard magic == fileMagic else { throw AppendLogError.damaged("\(path) is not a gongkai append log") }
        if fileBytes == startOffset { return (startOffset, 0) }
        // The common case: the last frame is whole, and its trailer says where it starts.
        if let length = try? frameLength(fd, endingAt: fileBytes, path: path), fileBytes - length >= startOffset,
           let last = try? readFrame(fd, at: fileBytes - length, limit: fileBytes, path: path) {
            return (fileBytes, last.frame.lastSeq)
        }
        // After a crash in a write: read forward and keep every whole frame before the tear.
        var position = startOffset, lastSeq: UInt64 = 0
        while position < fileBytes, let next = try? readFrame(fd, at: position, limit: fileBytes, path: path) {
            guard lastSeq == 0 || next.frame.firstSeq == lastSeq + 1 else { break }
            position += UInt64(next.bytes)
            lastSeq = next.frame.lastSeq
        }
        return (position, lastSeq)
    }

    private static func frameLength(_ fd: Int32, endingAt end: UInt64, path: String) throws -> UInt64 {
        guard end >= startOffset + UInt64(AppendLogFrame.trailerBytes) else { throw AppendLogError.damaged("no frame ends at \(end)") }
        let trailer = try readBytes(fd, at: end - UInt64(AppendLogFrame.trailerBytes), count: AppendLogFrame.trailerBytes, path: path)
        guard let length = trailer.withUnsafeBytes({ AppendLogFrame.frameBytes(endingWith: $0) }), length <= end - startOffset else {
            throw AppendLogError.damaged("no frame trailer ends at byte \(end) of \(path)")
        }
        return length
    }

    static func readFrame(_ fd: Int32, at offset: UInt64, limit: UInt64, path: String) throws -> (frame: AppendLogFrame, bytes: Int) {
        guard limit - offset >= UInt64(AppendLogFrame.headerBytes) else { throw AppendLogError.damaged("a frame header at \(offset) is cut off") }
        let headerBytes = try readBytes(fd, at: offset, count: AppendLogFrame.headerBytes, path: path)
        guard let header = headerBytes.withUnsafeBytes({ AppendLogFrame.Header($0) }) else {
            throw AppendLogError.damaged("no frame header at byte \(offset) of \(path)")
        }
        guard header.frameBytes <= limit - offset else { throw AppendLogError.damaged("the frame at byte \(offset) is cut off") }
        let bytes = try readBytes(fd, at: offset, count: Int(header.frameBytes), path: path)
        return (try bytes.withUnsafeBytes { try AppendLogFrame.decode($0) }, bytes.count)
    }

    private static func readBytes(_ fd: Int32, at offset: UInt64, count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let got = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw AppendLogError.io("read \(path) at \(offset): \(got == 0 ? "unexpected end" : lastError())") }
                done += got
            }
        }
        return bytes
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, path: String) throws {
        var done = 0
        try bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let wrote = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { throw AppendLogError.io("write \(path): \(lastError())") }
                done += wrote
            }
        }
    }

    private static func sync(_ fd: Int32, path: String) throws {
        guard fdatasync(fd) == 0 else { throw AppendLogError.io("fdatasync \(path): \(lastError())") }
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AppendLogError.io("open \(directory): \(lastError())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw AppendLogError.io("fsync \(directory): \(lastError())") }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
