import Foundation
import Glibc

/// The ledger's source of truth: an append-only file of `AppendLogFrame`s, one per group
/// commit, each written before its transaction commits in LMDB and made durable by an
/// `fdatasync` before any of its appends is acknowledged (the daemon's writer syncs on a
/// thread of its own while it commits the next batch; see `LedgerStore.appendBatch`).
/// LMDB (committed without its own fsyncs) is then an index of this file that can always be
/// rebuilt from it. Only the writer thread appends; reads open their own descriptor.
public final class AppendLog {
    public static let fileName = "append.log"
    public static let fileMagic: [UInt8] = Array("gongkai-append-log/1\n\0\0\0".utf8)
    /// Bytes before the first frame.
    public static var startOffset: UInt64 { UInt64(fileMagic.count) }

    public let path: String
    private let descriptor: Int32
    /// Where the next frame goes: the end of the last whole frame.
    public var endOffset: UInt64 { state.withLock { writtenEnd } }
    /// The seq of the last record in the log, 0 when it holds none.
    public var lastSeq: UInt64 { state.withLock { writtenSeq } }
    /// Bytes of a torn last frame found at open (a write that never finished its fsync);
    /// they stay until `cutTornTail()`, which the ledger calls once the index agrees.
    public let discardedTailBytes: UInt64
    /// Whether those bytes look like a write a crash cut off: shorter than the frame their
    /// header begins, or holding a run of zero bytes (blocks a power cut left unwritten). A
    /// whole frame's length of bytes that only fails its SHA-256 looks like damage instead:
    /// a write cut off in the page cache is short, never wrong. A ledger whose index cannot
    /// vouch for the tail (a rebuild) does not cut such a tail off (`LedgerStore.init`).
    public private(set) var tailLooksCutOff = true
    private var tornTailPending = false
    /// Set when a failed append could not be taken back (the file may end in a frame LMDB
    /// does not hold), or when an fdatasync failed (frames the index holds may not last): no
    /// further frame may follow until a restart reconciles the two.
    var brokenReason: String? { state.withLock { broken } }

    // Guarded by `state`, which is never held across a write or an fdatasync, except to cut
    // the log back on a failure.
    private let state = NSCondition()
    private var writtenEnd: UInt64 = 0, writtenSeq: UInt64 = 0
    /// What the last successful fdatasync covered.
    private var syncedEnd: UInt64 = 0, syncedSeq: UInt64 = 0
    private var broken: String?
    /// Whether the store has marked its index for a rebuild (`onBroken` said so).
    private var indexMarked = false
    /// Frames up to this seq may still be in the file (and so in the ledger after a restart)
    /// (frames not made durable that were not cut off, or cut by an ftruncate whose fdatasync
    /// failed).
    private var mayRemainSeq: UInt64 = 0
    /// A frame is being written (`appendAwaitingSync`).
    private var writing = false
    /// Frames waiting in `appendAwaitingSync` for the one before to be durable (for tests).
    private var framesWaiting = 0
    var framesWaitingForSync: Int { state.withLock { framesWaiting } }
    /// An fdatasync of the file is running: one at a time. Linux reports a failed write-back
    /// to one fsync of an open file only; were two to run at once, one could see the error
    /// and the other succeed over the lost pages. Whoever holds this marks the log broken
    /// on an error before it lets go, so no later fsync is taken for proof of anything.
    private var syncing = false
    /// Tests only: the next `syncWritten` fails as if fdatasync had failed with this errno.
    var injectedSyncError: Int32?
    /// Tests only: called by `syncWritten` before its fdatasync, holding the right to fsync.
    var beforeSync: (() -> Void)? {
        get { state.withLock { syncHook } }
        set { state.withLock { syncHook = newValue } }
    }
    private var syncHook: (() -> Void)?

    /// Opens the log in `directory`, creating it (durably) when absent.
    public init(directory: String, fileName: String = AppendLog.fileName) throws {
        path = directory + "/" + fileName
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AppendLogError.io("open \(path): \(FileSync.lastError())") }
        descriptor = fd
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw AppendLogError.io("stat \(path): \(FileSync.lastError())")
        }
        do {
            if info.st_size == 0 {
                try Self.writeAll(fd, Self.fileMagic, at: 0, path: path)
                try Self.sync(fd, path: path)
                try FileSync.fsync(path: directory, directory: true)
                // The directory may be new as well: its own entry must last too.
                try FileSync.fsync(path: directory + "/..", directory: true)
                (writtenEnd, writtenSeq, discardedTailBytes) = (Self.startOffset, 0, 0)
            } else if try Self.creationCutShort(fd, fileBytes: UInt64(info.st_size), path: path) {
                // A crash while the log was created: it holds nothing; write its header again.
                guard ftruncate(fd, 0) == 0 else { throw AppendLogError.io("truncate \(path): \(FileSync.lastError())") }
                try Self.writeAll(fd, Self.fileMagic, at: 0, path: path)
                try Self.sync(fd, path: path)
                (writtenEnd, writtenSeq, discardedTailBytes) = (Self.startOffset, 0, 0)
            } else {
                // A frame written by a process killed before its fdatasync is whole in the page
                // cache; make it durable before anything trusts it or takes it in.
                try Self.sync(fd, path: path)
                let found = try Self.findEnd(fd, fileBytes: UInt64(info.st_size), path: path)
                (writtenEnd, writtenSeq) = (found.end, found.lastSeq)
                discardedTailBytes = UInt64(info.st_size) - found.end
                tornTailPending = discardedTailBytes > 0
                if tornTailPending {
                    let tail = try Self.readBytes(fd, at: found.end, count: Int(discardedTailBytes), path: path)
                    tailLooksCutOff = Self.looksCutOff(tail)
                }
            }
            // Every branch above ends with the file durable up to its last whole frame.
            (syncedEnd, syncedSeq) = (writtenEnd, writtenSeq)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(descriptor) }

    /// Cuts the torn last frame off the file (durably); nothing may be appended before.
    public func cutTornTail() throws {
        guard tornTailPending else { return }
        guard ftruncate(descriptor, off_t(endOffset)) == 0 else { throw AppendLogError.io("truncate the torn tail of \(path): \(FileSync.lastError())") }
        try Self.sync(descriptor, path: path)
        tornTailPending = false
    }

    /// Whether the log holds no frame yet.
    public var isEmpty: Bool { endOffset == Self.startOffset }

    // MARK: Appending (the writer thread)

    /// Writes one frame after the last and makes it durable with one `fdatasync`. On any
    /// failure the file is cut back to where it was, so nothing of the frame remains.
    /// `sync: false` leaves the fsync to a later `sync()` (writing a whole log at once, by
    /// one thread that reads and syncs nothing else meanwhile).
    public func append(_ frame: [UInt8], lastSeq frameLastSeq: UInt64, sync: Bool = true) throws {
        precondition(!tornTailPending, "a torn tail is cut before the next frame")
        let (start, seq) = try state.withLock {
            if let broken { throw AppendLogError.io("no appends until a restart: \(broken)") }
            precondition(frameLastSeq > writtenSeq, "the log only grows")
            return (writtenEnd, writtenSeq)
        }
        do {
            try Self.writeAll(descriptor, frame, at: start, path: path)
            state.withLock { (writtenEnd, writtenSeq) = (start + UInt64(frame.count), frameLastSeq) }
            if sync { try self.sync() }
        } catch {
            try truncate(to: start, lastSeq: seq)
            throw error
        }
    }

    /// Writes one frame after the last, to be made durable by `syncWritten()` on another
    /// thread (the daemon commits it in LMDB meanwhile). It first waits until every frame
    /// before it is durable: at most one frame of the log is ever written and not yet
    /// durable, which is what start-up's torn-tail check allows after a power cut. On a
    /// failed write the file is cut back to where it was.
    public func appendAwaitingSync(_ frame: [UInt8], lastSeq frameLastSeq: UInt64) throws {
        precondition(!tornTailPending, "a torn tail is cut before the next frame")
        let (start, seq): (UInt64, UInt64) = try state.withLock {
            var waited = false
            while broken == nil && (syncing || syncedEnd < writtenEnd) {
                if !waited { framesWaiting += 1 }
                waited = true
                state.wait()
            }
            if waited { framesWaiting -= 1 }
            if let broken { throw AppendLogError.io("no appends until a restart: \(broken)") }
            precondition(frameLastSeq > writtenSeq, "the log only grows")
            writing = true
            return (writtenEnd, writtenSeq)
        }
        do {
            try Self.writeAll(descriptor, frame, at: start, path: path)
        } catch {
            state.withLock { writing = false; state.broadcast() }
            try truncate(to: start, lastSeq: seq)
            throw error
        }
        state.withLock {
            (writtenEnd, writtenSeq) = (start + UInt64(frame.count), frameLastSeq)
            writing = false
            state.broadcast()
        }
    }

    /// Makes every frame written so far durable. A failure marks the log broken before any
    /// other fsync may run.
    public func sync() throws {
        let target = takeTheSync()
        let synced = fdatasync(descriptor) == 0
        let reason = synced ? "" : "fdatasync \(path) failed: \(FileSync.lastError())"
        let newlyBroken: Bool = state.withLock {
            defer { releaseTheSync() }
            if synced {
                (syncedEnd, syncedSeq) = target
                return false
            }
            return breakLocked(reason)
        }
        if synced { return }
        if newlyBroken { _ = tellBroken() }
        throw AppendLogError.io(reason)
    }

    /// Waits for the one right to fsync the file, takes it, and says what the fsync will
    /// cover: what is written by then.
    private func takeTheSync() -> (end: UInt64, seq: UInt64) {
        state.withLock {
            while syncing { state.wait() }
            syncing = true
            return (writtenEnd, writtenSeq)
        }
    }

    /// Gives the right to fsync back (with `state` held) and wakes whoever waits for it.
    private func releaseTheSync() {
        syncing = false
        state.broadcast()
    }

    /// Marks the log broken (with `state` held) unless it is already; true if this did.
    /// Whoever holds the right to fsync marks it before giving the right back.
    private func breakLocked(_ reason: String) -> Bool {
        guard broken == nil else { return false }
        broken = reason
        state.broadcast()
        return true
    }

    /// The seq of the last record made durable by an fdatasync (or found at open).
    public var durableSeq: UInt64 { state.withLock { syncedSeq } }

    /// Makes the frames written by `appendAwaitingSync` up to record `seq` durable (with
    /// whatever else is written by then); nothing to do when they are already. Their
    /// transactions are committed in LMDB, so they cannot be taken back into the batch. On
    /// a failure the log is marked broken, and once the store has marked its index
    /// for a rebuild so that a start in this boot sees it (`onBroken`), the frames after
    /// the last durable one are cut off the
    /// file (durably): no restart in this boot reads them back from the page cache as if
    /// they were on disk, and the index is rebuilt without them. Safe to call from another
    /// thread than the writer's.
    public func syncWritten(through seq: UInt64) throws {
        let target: (end: UInt64, seq: UInt64)? = try state.withLock {
            while syncing || writing { state.wait() }
            // A batch with no frame, or one an earlier fdatasync covered.
            if syncedSeq >= seq { return nil }
            if let broken { throw AppendLogError.io("no appends until a restart: \(broken)") }
            precondition(writtenSeq >= seq, "a frame is written before it is synced")
            syncing = true
            return (writtenEnd, writtenSeq)
        }
        guard let target else { return }
        beforeSync?()
        let injected: Int32? = state.withLock { defer { injectedSyncError = nil }; return injectedSyncError }
        let synced = injected.map { errno = $0; return false } ?? (fdatasync(descriptor) == 0)
        let reason = synced ? "" : "fdatasync \(path) failed: \(FileSync.lastError())"
        let newlyBroken: Bool = state.withLock {
            if synced {
                (syncedEnd, syncedSeq) = target
                releaseTheSync()
                return false
            }
            // Still holding the right to fsync (given back after the cut below).
            return breakLocked(reason)
        }
        if synced { return }
        // The cut waits for the index's mark: killed between the two, a restart in this boot
        // would trust an index holding records the log had lost. (A mark made by whoever
        // broke the log first serves as well.)
        let indexMarked = newlyBroken ? tellBroken() : state.withLock { self.indexMarked }
        var truncated = false, cutBack = false
        var outcome = reason
        let (end, lastDurable) = state.withLock { (syncedEnd, syncedSeq) }
        if indexMarked {
            truncated = ftruncate(descriptor, off_t(end)) == 0
            cutBack = truncated && fdatasync(descriptor) == 0
            outcome += cutBack ? "; the frames after seq \(lastDurable) were cut off the log"
                : "; cutting the frames after seq \(lastDurable) off the log failed too: \(FileSync.lastError())"
        } else {
            outcome += "; the frames after seq \(lastDurable) stay in the log (the index could not be marked for a rebuild first)"
        }
        state.withLock {
            if !cutBack { mayRemainSeq = max(mayRemainSeq, writtenSeq) }
            if truncated { (writtenEnd, writtenSeq) = (end, lastDurable) }
            releaseTheSync()
        }
        throw AppendLogError.syncFailed(outcome, cutBack: cutBack)
    }

    /// Whether a frame written before is still being made durable: the next frame would wait
    /// for it (`appendAwaitingSync`).
    public var syncPending: Bool {
        state.withLock { broken == nil && (syncing || syncedEnd < writtenEnd) }
    }

    /// Records up to `durable` are in the log durably; records past `mayRemain` are not in
    /// it; those between may be in the ledger after a restart (a failed sync whose cut back
    /// did not happen or did not last).
    public var seqs: (durable: UInt64, mayRemain: UInt64) {
        state.withLock { (syncedSeq, max(writtenSeq, mayRemainSeq)) }
    }

    /// Tells the store the log is broken, and keeps whether its index is marked for a rebuild.
    private func tellBroken() -> Bool {
        let marked = onBroken?() ?? false
        state.withLock { indexMarked = indexMarked || marked }
        return marked
    }

    /// Takes back the frames after `offset` (whose last record is `seq`): the writer's undo
    /// when LMDB refused a transaction whose frame was already written.
    public func truncate(to offset: UInt64, lastSeq seq: UInt64) throws {
        precondition(offset >= Self.startOffset, "the file's header stays")
        _ = takeTheSync()
        let truncated = ftruncate(descriptor, off_t(offset)) == 0
        let cut = truncated && fdatasync(descriptor) == 0
        let reason = cut ? "" : "cutting \(path) back to \(offset) bytes failed: \(FileSync.lastError())"
        let newlyBroken: Bool = state.withLock {
            defer { releaseTheSync() }
            if cut {
                (writtenEnd, writtenSeq) = (offset, seq)
                // The fdatasync covered everything up to the cut.
                (syncedEnd, syncedSeq) = (offset, seq)
                return false
            }
            mayRemainSeq = max(mayRemainSeq, writtenSeq)
            if truncated { (writtenEnd, writtenSeq) = (offset, seq) }
            return breakLocked(reason)
        }
        if !cut {
            if newlyBroken { _ = tellBroken() }
            throw AppendLogError.io(reason)
        }
    }

    /// Told once, when the log is first marked broken: the store marks its index for a
    /// rebuild on disk, and says whether a start in this boot will see the mark.
    var onBroken: (() -> Bool)?

    /// No frame may follow until a restart has reconciled the log and the index.
    func markBroken(_ reason: String) {
        if state.withLock({ breakLocked(reason) }) { _ = tellBroken() }
    }

    // MARK: Reading

    /// Calls `body` with every whole frame, in order, with the offset after it.
    public func forEachFrame(_ body: (AppendLogFrame, UInt64) throws -> Void) throws {
        try forEachFrame(from: Self.startOffset, body)
    }

    private func forEachFrame(from offset: UInt64, _ body: (AppendLogFrame, UInt64) throws -> Void) throws {
        let reader = try FrameReader(path: path, offset: offset)
        let end = endOffset
        while reader.offset < end, let frame = try reader.next() { try body(frame, reader.offset) }
    }

    /// Reads every frame (each one's SHA-256 included) and checks that their seqs follow on
    /// from 1 to `lastSeq`; throws `damaged` otherwise. Costs a read of the whole log.
    public func checkEveryFrame() throws {
        var seq: UInt64 = 0
        try forEachFrame { frame, _ in
            guard frame.firstSeq == seq + 1 else {
                throw AppendLogError.damaged("\(path) skips from seq \(seq) to \(frame.firstSeq)")
            }
            seq = frame.lastSeq
        }
        guard seq == lastSeq else { throw AppendLogError.damaged("\(path) ends at seq \(seq), not \(lastSeq)") }
    }

    /// Reads frames from the start through its own descriptor, so it may run on any thread
    /// beside appends as long as it reads only frames that were already committed.
    public func reader() throws -> FrameReader { try FrameReader(path: path) }

    public final class FrameReader {
        private let descriptor: Int32
        private let path: String
        /// Where the next frame starts.
        public private(set) var offset: UInt64

        init(path: String, offset: UInt64 = AppendLog.startOffset) throws {
            self.path = path
            self.offset = offset
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw AppendLogError.io("open \(path): \(FileSync.lastError())") }
        }

        deinit { close(descriptor) }

        /// The next frame; nil at the end of the file. A frame cut off or damaged throws.
        public func next() throws -> AppendLogFrame? {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw AppendLogError.io("stat \(path): \(FileSync.lastError())") }
            guard offset < UInt64(info.st_size) else { return nil }
            let (frame, bytes) = try AppendLog.readFrame(descriptor, at: offset, limit: UInt64(info.st_size), path: path)
            offset += UInt64(bytes)
            return frame
        }
    }

    /// A reader of the log's records in seq order from seq 1, up to the end of the log as it
    /// is now: start-up folds from it instead of from LMDB. For the opening thread, before
    /// the writer appends (it reads the end and last seq without a lock).
    public func recordCursor() throws -> RecordCursor { try RecordCursor(path: path, end: endOffset, lastSeq: lastSeq) }

    /// Reads records in seq order through one buffer it reuses, a few MiB of the file per
    /// `pread` (a log of one-record frames costs no syscall per frame), so no page of the file
    /// is mapped and nothing has to be let go of afterwards. Each frame's header, trailer,
    /// lengths, seq and SHA-256 are checked: the projections are folded from these bytes, so a
    /// byte changed on disk (by the disk or by a person) must stop the start, not make the
    /// answers and the validation of new appends differ from the records LMDB serves and the
    /// Merkle tree signs (SHA-256 of a million records' frames: about 0.2 s). After any
    /// error every later read throws it again. One thread at a time.
    public final class RecordCursor {
        /// Bytes read per `pread`; a frame longer than this gets a buffer of its own length,
        /// once its trailer has been found where its header says.
        static let blockBytes = 4 << 20

        private let descriptor: Int32
        private let path: String
        private let end: UInt64
        public let lastSeq: UInt64
        /// The bytes of the file from `blockStart` on, `blockCount` of them valid.
        private var block: UnsafeMutableRawBufferPointer
        private var blockStart = AppendLog.startOffset
        private var blockCount = 0
        /// Where the next frame starts.
        private var offset = AppendLog.startOffset
        /// The current frame's records, as byte ranges of `block`, and how many were read.
        private var records: [Range<Int>] = []
        private var taken = 0
        private var failure: Error?
        /// The seq of the next record `read` gives.
        public private(set) var nextSeq: UInt64 = 1

        init(path: String, end: UInt64, lastSeq: UInt64) throws {
            self.path = path
            self.end = end
            self.lastSeq = lastSeq
            descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw AppendLogError.io("open \(path): \(FileSync.lastError())") }
            // No more than the log holds: a small log gets a small buffer.
            let logBytes = end > AppendLog.startOffset ? end - AppendLog.startOffset : 0
            block = .allocate(byteCount: Int(max(UInt64(AppendLogFrame.headerBytes), min(UInt64(Self.blockBytes), logBytes))), alignment: 16)
        }

        deinit {
            close(descriptor)
            block.deallocate()
        }

        /// Calls `body` with the next `count` records and their seqs; throws if the log holds
        /// fewer or a frame is damaged. A record handed to `body` counts as read even if
        /// `body` throws.
        public func read(count: Int, _ body: (UInt64, UnsafeRawBufferPointer) throws -> Void) throws {
            precondition(count >= 0)
            if let failure { throw failure }
            for _ in 0..<count {
                if taken == records.count {
                    do {
                        try nextFrame()
                    } catch {
                        failure = error
                        throw error
                    }
                }
                let range = records[taken]
                let seq = nextSeq
                taken += 1
                nextSeq += 1
                try body(seq, blockBytes(range))
            }
        }

        private func nextFrame() throws {
            records.removeAll(keepingCapacity: true)
            taken = 0
            guard offset < end else {
                throw AppendLogError.damaged("\(path) ends at seq \(nextSeq - 1); more records were asked for")
            }
            guard end - offset >= UInt64(AppendLogFrame.headerBytes) else {
                throw AppendLogError.damaged("no whole frame at byte \(offset) of \(path)")
            }
            try have(AppendLogFrame.headerBytes)
            let start = Int(offset - blockStart)
            guard let header = AppendLogFrame.Header(blockBytes(start..<(start + AppendLogFrame.headerBytes))),
                  header.frameBytes <= end - offset else {
                throw AppendLogError.damaged("no whole frame at byte \(offset) of \(path)")
            }
            guard header.firstSeq == nextSeq else {
                throw AppendLogError.damaged("the frame at byte \(offset) of \(path) starts at seq \(header.firstSeq), not \(nextSeq)")
            }
            let length = Int(header.frameBytes)
            if length > block.count {
                // A damaged header must not make start-up allocate gigabytes: the frame's
                // trailer must be where the header says before the buffer grows to hold it.
                guard try AppendLog.frameLength(descriptor, endingAt: offset + header.frameBytes, path: path) == header.frameBytes else {
                    throw AppendLogError.damaged("the frame at byte \(offset) of \(path) has no trailer where its header says it ends")
                }
            }
            try have(length)
            let frameStart = Int(offset - blockStart)
            _ = try AppendLogFrame.walk(blockBytes(frameStart..<(frameStart + length)), checkDigest: true) { _, record in
                records.append((frameStart + record.lowerBound)..<(frameStart + record.upperBound))
            }
            offset += header.frameBytes
        }

        private func blockBytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(block)[range])
        }

        /// Makes the block hold at least `count` bytes from `offset` on (all within `end`).
        private func have(_ count: Int) throws {
            if offset >= blockStart, offset + UInt64(count) <= blockStart + UInt64(blockCount) { return }
            if count > block.count {
                block.deallocate()
                block = .allocate(byteCount: count, alignment: 16)
            }
            let wanted = Int(min(UInt64(block.count), end - offset))
            try AppendLog.readInto(descriptor, UnsafeMutableRawBufferPointer(rebasing: block[0..<wanted]), at: offset, path: path)
            blockStart = offset
            blockCount = wanted
        }
    }

    /// Calls `body` with the frames holding the records after `seq`, which must end a frame,
    /// in order: the tail that LMDB lacks after a crash between the log's write and LMDB's
    /// commit. The first of them is found from the end backwards by trailers and headers
    /// alone, then the frames are read forwards one at a time, so a long tail costs no memory.
    public func forEachFrame(after seq: UInt64, _ body: (AppendLogFrame, UInt64) throws -> Void) throws {
        guard seq < lastSeq else { return }
        let (start, header) = try lastFrameStart { $0.firstSeq <= seq + 1 }
        guard header.firstSeq == seq + 1 else { throw AppendLogError.damaged("seq \(seq) does not end a frame") }
        try forEachFrame(from: start, body)
    }

    /// The frame holding record `seq`, found from the end backwards; nil past the end.
    public func frame(holding seq: UInt64) throws -> AppendLogFrame? {
        guard seq >= 1, seq <= lastSeq else { return nil }
        let (start, header) = try lastFrameStart { $0.firstSeq <= seq }
        return try Self.readFrame(descriptor, at: start, limit: start + header.frameBytes, path: path).frame
    }

    /// The offset and header of the last frame whose header satisfies `wanted`, walking back
    /// from the end through each frame's trailer and header (neither payload nor digest read).
    private func lastFrameStart(where wanted: (AppendLogFrame.Header) -> Bool) throws -> (UInt64, AppendLogFrame.Header) {
        var end = endOffset
        while end > Self.startOffset {
            let length = try Self.frameLength(descriptor, endingAt: end, path: path)
            let start = end - length
            let bytes = try Self.readBytes(descriptor, at: start, count: AppendLogFrame.headerBytes, path: path)
            guard let header = bytes.withUnsafeBytes({ AppendLogFrame.Header($0) }), header.frameBytes == length else {
                throw AppendLogError.damaged("the frame ending at byte \(end) of \(path) has no matching header")
            }
            if wanted(header) { return (start, header) }
            end = start
        }
        throw AppendLogError.damaged("the log's first frame was reached without finding the frame sought")
    }

    // MARK: File plumbing

    /// Whether a file no longer than its header is a log whose creation a crash cut short
    /// (a prefix of the header, or zeros); anything else there is not a log of ours.
    private static func creationCutShort(_ fd: Int32, fileBytes: UInt64, path: String) throws -> Bool {
        guard fileBytes <= startOffset else { return false }
        let bytes = try readBytes(fd, at: 0, count: Int(fileBytes), path: path)
        guard bytes.elementsEqual(fileMagic.prefix(bytes.count)) || bytes.allSatisfy({ $0 == 0 }) else {
            throw AppendLogError.damaged("\(path) is not a gongkai append log")
        }
        return fileBytes < startOffset || bytes.allSatisfy { $0 == 0 }
    }

    /// The end of the last whole frame and its last seq. Only a torn last frame, a write that
    /// never finished its fsync, may be left out: a damaged frame with a whole frame anywhere
    /// after it is acknowledged data gone bad, and stops the open rather than being cut off.
    private static func findEnd(_ fd: Int32, fileBytes: UInt64, path: String) throws -> (end: UInt64, lastSeq: UInt64) {
        let magic = try readBytes(fd, at: 0, count: fileMagic.count, path: path)
        guard magic == fileMagic else { throw AppendLogError.damaged("\(path) is not a gongkai append log") }
        if fileBytes == startOffset { return (startOffset, 0) }
        // The common case: the last frame is whole, and its trailer says where it starts. The
        // frame found there must end exactly at the end of the file: a torn tail can hold bytes
        // that look like a trailer pointing back at an earlier whole frame.
        if let length = try damagedAsNil({ try frameLength(fd, endingAt: fileBytes, path: path) }), fileBytes - length >= startOffset,
           let last = try damagedAsNil({ try readFrame(fd, at: fileBytes - length, limit: fileBytes, path: path) }),
           UInt64(last.bytes) == length {
            return (fileBytes, last.frame.lastSeq)
        }
        // After a crash in a write: read forward and keep every whole frame before the tear.
        var position = startOffset, lastSeq: UInt64 = 0
        while position < fileBytes, let next = try damagedAsNil({ try readFrame(fd, at: position, limit: fileBytes, path: path) }) {
            guard next.frame.firstSeq == lastSeq + 1 else {
                throw AppendLogError.damaged("the frame at byte \(position) of \(path) starts at seq \(next.frame.firstSeq), after seq \(lastSeq)")
            }
            position += UInt64(next.bytes)
            lastSeq = next.frame.lastSeq
        }
        try checkTornTail(fd, from: position, fileBytes: fileBytes, path: path)
        return (position, lastSeq)
    }

    /// Throws unless the bytes from `start` to the end can be one unfinished write: at most
    /// one frame long, not longer than their own header says, and with no whole frame inside.
    private static func checkTornTail(_ fd: Int32, from start: UInt64, fileBytes: UInt64, path: String) throws {
        let tailBytes = fileBytes - start
        guard tailBytes > 0 else { return }
        let refusal = AppendLogError.damaged(
            "the frame at byte \(start) of \(path) is damaged but is not a torn last write (\(tailBytes) bytes follow it); " +
            "it may hold acknowledged records, so it is not cut off")
        guard tailBytes <= AppendLogFrame.maxFrameBytes else { throw refusal }
        let tail = try readBytes(fd, at: start, count: Int(tailBytes), path: path)
        if let header = tail.withUnsafeBytes({ AppendLogFrame.Header($0) }), header.frameBytes < tailBytes { throw refusal }
        let magic = AppendLogFrame.headerMagic
        var index = 1
        while index + AppendLogFrame.headerBytes <= tail.count {
            if tail[index] == magic[0], tail[index..<(index + magic.count)].elementsEqual(magic),
               (try damagedAsNil({ try readFrame(fd, at: start + UInt64(index), limit: fileBytes, path: path) })) != nil {
                throw refusal
            }
            index += 1
        }
    }

    /// Whether a tail that is not a whole frame (`checkTornTail` passed it) looks like a write
    /// cut off by a crash: see `tailLooksCutOff`.
    static func looksCutOff(_ tail: [UInt8]) -> Bool {
        if tail.count < AppendLogFrame.headerBytes { return true }
        // A trailer that gives its own distance from the tail's start ends a whole frame there,
        // whatever its header says or what follows it (zeros of a later write never finished).
        let claimsWholeFrame = tail.withUnsafeBytes { bytes in
            stride(from: AppendLogFrame.trailerBytes, through: bytes.count, by: 1).contains { end in
                AppendLogFrame.frameBytes(endingWith: UnsafeRawBufferPointer(rebasing: bytes[(end - AppendLogFrame.trailerBytes)..<end]))
                    == UInt64(end)
            }
        }
        if claimsWholeFrame { return false }
        // Blocks left unwritten read as zeros: at the start they blank the header's magic, at
        // the end the trailer's length (never zero in a frame), in between they are a run no
        // frame holds (its records are JSON text without NULs, its keys hashes).
        if tail.prefix(8).allSatisfy({ $0 == 0 }) || tail.suffix(8).allSatisfy({ $0 == 0 }) { return true }
        var run = 0
        for byte in tail {
            run = byte == 0 ? run + 1 : 0
            if run >= Self.unwrittenRunBytes { return true }
        }
        if let header = tail.withUnsafeBytes({ AppendLogFrame.Header($0) }), header.frameBytes > UInt64(tail.count) { return true }
        return false
    }

    /// A sector: the least a power cut leaves unwritten.
    static let unwrittenRunBytes = 512

    /// Runs `body`, turning "damaged" into nil; read errors of the disk itself are thrown.
    private static func damagedAsNil<T>(_ body: () throws -> T) throws -> T? {
        do {
            return try body()
        } catch AppendLogError.damaged {
            return nil
        }
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
        try bytes.withUnsafeMutableBytes { try readInto(fd, $0, at: offset, path: path) }
        return bytes
    }

    /// Fills `buffer` from `offset` on.
    private static func readInto(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let got = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw AppendLogError.io("read \(path) at \(offset): \(got == 0 ? "unexpected end" : FileSync.lastError())") }
            done += got
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64, path: String) throws {
        var done = 0
        try bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let wrote = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { throw AppendLogError.io("write \(path): \(FileSync.lastError())") }
                done += wrote
            }
        }
    }

    private static func sync(_ fd: Int32, path: String) throws {
        guard fdatasync(fd) == 0 else { throw AppendLogError.io("fdatasync \(path): \(FileSync.lastError())") }
    }
}
