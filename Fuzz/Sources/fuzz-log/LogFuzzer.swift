import FuzzLedger
import Glibc
import GongkaiStorage

/// libFuzzer entry for the append log's open path (`AppendLog.init`: finding the end, torn
/// tails, damage) and its frame reader. The first byte chooses how the rest becomes a file:
/// taken as it is, or as a well-formed log built from it and then cut or changed at a place
/// the input names, so the fuzzer reaches whole frames whose SHA-256 trailers hold.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAppendLog(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    guard let mode = input.first else { return 0 }
    var bytes = ByteSource(Array(input.dropFirst()))
    switch mode % 3 {
    case 0: LogChecks.checkRaw(bytes.rest())
    case 1: LogChecks.checkRaw(AppendLog.fileMagic + bytes.rest())
    default: LogChecks.checkBuilt(&bytes)
    }
    return 0
}

/// The fuzz input read as numbers and lengths; zeros once it runs out.
struct ByteSource {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> Int { Int(byte()) << 8 | Int(byte()) }

    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + count)
        defer { position = end }
        return Array(bytes[position..<end]) + [UInt8](repeating: 0, count: count - (end - position))
    }

    mutating func rest() -> [UInt8] {
        defer { position = bytes.count }
        return Array(bytes[min(position, bytes.count)...])
    }
}

/// One scratch directory per fuzzing process, in $GONGKAI_FUZZ_SCRATCH (scripts/fuzz makes it
/// on tmpfs, since each open syncs, and removes it), else in $TMPDIR or /tmp.
enum LogFile {
    static let directory: String = {
        let base = ["GONGKAI_FUZZ_SCRATCH", "TMPDIR"].lazy.compactMap { (name: String) in getenv(name).map { String(cString: $0) } }.first ?? "/tmp"
        var template = Array("\(base)/gongkai-fuzz-log.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { broken("mkdtemp in \(base) failed") }
        return String(cString: made)
    }()

    static var path: String { directory + "/" + AppendLog.fileName }

    static func write(_ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        require(fd >= 0, "open \(path) for writing failed")
        defer { close(fd) }
        let wrote = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        require(wrote == bytes.count, "short write of \(path)")
    }

    static var size: UInt64 {
        var info = stat()
        require(stat(path, &info) == 0, "stat \(path) failed")
        return UInt64(info.st_size)
    }
}

enum LogChecks {
    /// Any file: the open either refuses it as damaged or finds whole frames, in seq order
    /// from 1, ending where it says, with only the rest set aside as a torn tail.
    static func checkRaw(_ file: [UInt8]) {
        LogFile.write(file)
        _ = openAndRead()
    }

    /// What opening a log and reading it back gave.
    enum Outcome: Equatable {
        /// The open refused the file as damaged.
        case refusedAtOpen
        /// The open took the file, but reading its frames found damage. The open trusts the
        /// frames before a whole last frame, so this is right only for damage before it.
        case refusedWhileReading
        case frames([AppendLogFrame])

        var frames: [AppendLogFrame]? {
            if case .frames(let frames) = self { return frames }
            return nil
        }
    }

    /// A log of whole frames built from the input, then left alone, cut short, changed in one
    /// byte or followed by stray bytes.
    static func checkBuilt(_ input: inout ByteSource) {
        var frames: [AppendLogFrame] = []
        var nextSeq: UInt64 = 1
        for _ in 0..<(1 + Int(input.byte() % 4)) {
            var entries: [AppendLogFrame.Entry] = []
            for _ in 0..<(1 + Int(input.byte() % 3)) {
                entries.append(AppendLogFrame.Entry(idKey: input.take(32), eventDigest: input.take(32),
                                                    record: input.take(Int(input.byte() % 48))))
            }
            let frame = AppendLogFrame(firstSeq: nextSeq, commitMillis: Int64(input.u16()), entries: entries)
            frames.append(frame)
            nextSeq = frame.lastSeq + 1
        }
        var file = AppendLog.fileMagic
        var ends: [Int] = []
        for frame in frames {
            file += frame.bytes
            ends.append(file.count)
        }
        let damage = input.byte() % 5
        let place = input.u16() % (file.count + 1)
        switch damage {
        case 0:
            LogFile.write(file)
            let read = openAndRead()
            require(read == .frames(frames), "a well-formed log read back as \(read), not its \(frames.count) frames")
        case 1:
            // Cut short anywhere: a crash in the write of a last frame, or of the file's header.
            LogFile.write(Array(file.prefix(place)))
            guard place >= AppendLog.fileMagic.count else {
                // A header cut short is a log whose creation did not finish: it opens empty.
                require(openAndRead() == .frames([]), "a log cut inside its header did not open empty")
                return
            }
            // Every frame wholly before the cut is kept; a cut inside an earlier frame with
            // whole frames after it cannot happen here, as the cut removes them.
            let whole = ends.filter { $0 <= place }.count
            let read = openAndRead()
            require(read == .frames(Array(frames.prefix(whole))), "a log cut at \(place) gave \(read), not its first \(whole) frames")
        case 2:
            // One byte changed: never a changed frame read back. (The open trusts the frames
            // before a whole last one; reading them finds the change.)
            let index = min(place, file.count - 1)
            file[index] ^= 0x01 | input.byte()
            LogFile.write(file)
            let outcome = openAndRead()
            guard index >= AppendLog.fileMagic.count else {
                require(outcome == .refusedAtOpen, "a log with a changed file header gave \(outcome)")
                return
            }
            let damagedFrame = ends.firstIndex { index < $0 } ?? ends.count
            guard damagedFrame == frames.count - 1 else {
                // An earlier frame: refused, at open or while reading.
                require(outcome.frames == nil, "a log changed at byte \(index) (frame \(damagedFrame) of \(frames.count)) read back whole")
                return
            }
            // The last frame: a torn write as far as anyone can tell, or refused at open; the
            // open never takes the changed frame as the log's end.
            require(outcome != .refusedWhileReading, "a log changed in its last frame opened, then failed to read")
            if let read = outcome.frames {
                require(read == Array(frames.prefix(damagedFrame)), "a log changed in its last frame read back as \(read.count) frames")
            }
        case 3:
            // A torn write whose last bytes look like a trailer pointing back at the start of a
            // whole frame: still a torn tail (or refused), never the end of a frame.
            let target = Int(input.byte()) % frames.count
            let start = target == 0 ? AppendLog.fileMagic.count : ends[target - 1]
            let cut = max(place, ends[target])
            let claimed = UInt64(cut + AppendLogFrame.trailerBytes - start)
            let fake = input.take(32) + withUnsafeBytes(of: claimed.littleEndian) { Array($0) } + Array("GKT1".utf8) + [0, 0, 0, 0]
            LogFile.write(Array(file.prefix(cut)) + fake)
            // Frames wholly before the cut are kept. The fake's first bytes may complete the
            // frame the cut fell in (its digest kept, the rest spelled by the input), which is
            // then whole as well; nothing after it can be.
            let whole = ends.filter { $0 <= cut }.count
            let outcome = openAndRead()
            guard let read = outcome.frames else {
                require(outcome == .refusedAtOpen, "a torn tail ending in a trailer back to byte \(start) gave \(outcome)")
                return
            }
            require((whole...min(whole + 1, frames.count)).contains(read.count) && read == Array(frames.prefix(read.count)),
                    "a torn tail ending in a trailer back to byte \(start) gave \(read.count) frames, the first \(whole) are whole")
        default:
            // Stray bytes after the last frame: at most the set-aside tail, never a frame.
            let stray = input.take(Int(input.byte()))
            LogFile.write(file + stray)
            // Refused at open (stray bytes that cannot be a torn write), or every frame read back.
            let outcome = openAndRead()
            require(outcome != .refusedWhileReading, "stray bytes after a log made it open, then fail to read")
            if let read = outcome.frames {
                // (Stray bytes that are themselves a whole next frame would be taken in.)
                require(Array(read.prefix(frames.count)) == frames, "stray bytes after a log changed its frames: \(read.count) of \(frames.count)")
            }
        }
    }

    /// Opens the log, reads every frame and checks what the open promised. Refusals are
    /// damage reports; any other error is a finding.
    static func openAndRead() -> Outcome {
        let fileBytes = LogFile.size
        let log: AppendLog
        do {
            log = try AppendLog(directory: LogFile.directory)
        } catch AppendLogError.damaged {
            return .refusedAtOpen
        } catch {
            broken("opening the log threw \(error), not a damage report")
        }
        require(log.endOffset >= AppendLog.startOffset && log.endOffset <= max(fileBytes, AppendLog.startOffset),
                "end \(log.endOffset) outside the file of \(fileBytes) bytes")
        require(log.discardedTailBytes == (fileBytes > AppendLog.startOffset ? fileBytes - log.endOffset : 0),
                "torn tail of \(log.discardedTailBytes) bytes, but the end is \(log.endOffset) of \(fileBytes)")
        var frames: [AppendLogFrame] = []
        var expectedSeq: UInt64 = 1
        var lastOffset = AppendLog.startOffset
        do {
            try log.forEachFrame { frame, offset in
                require(frame.firstSeq == expectedSeq, "frame starts at seq \(frame.firstSeq), \(expectedSeq) expected")
                expectedSeq = frame.lastSeq + 1
                lastOffset = offset
                frames.append(frame)
            }
        } catch AppendLogError.damaged {
            // The cursor, which checks no SHA-256, may give the records or report damage, but
            // never traps or fails otherwise.
            _ = cursorRecords(log)
            return .refusedWhileReading
        } catch {
            broken("reading the frames of a log that opened threw \(error), not a damage report")
        }
        require(lastOffset == log.endOffset, "frames end at \(lastOffset), the log at \(log.endOffset)")
        require(expectedSeq - 1 == log.lastSeq, "frames end at seq \(expectedSeq - 1), the log at \(log.lastSeq)")
        if let last = frames.last {
            require((try? log.frame(holding: last.lastSeq)) == last, "the last frame is not found from the end")
        }
        // Start-up's record cursor gives exactly the records of the frames just read.
        require(cursorRecords(log) == frames.flatMap { $0.entries.map(\.record) }, "the cursor's records differ from the frames'")
        // Cutting the tail leaves exactly the frames found, and a clean file.
        do {
            try log.cutTornTail()
            let again = try AppendLog(directory: LogFile.directory)
            require(again.endOffset == log.endOffset && again.lastSeq == log.lastSeq && again.discardedTailBytes == 0,
                    "after cutting the torn tail the log reopened at \(again.endOffset), seq \(again.lastSeq)")
        } catch {
            broken("cutting the torn tail or reopening failed: \(error)")
        }
        return .frames(frames)
    }

    /// Every record through start-up's cursor, read in slices of 1, 2, 3, … records so that
    /// slices end inside frames and at their ends; nil when it reports damage.
    static func cursorRecords(_ log: AppendLog) -> [[UInt8]]? {
        var records: [[UInt8]] = []
        do {
            let cursor = try log.recordCursor()
            var slice = 1
            while records.count < Int(log.lastSeq) {
                try cursor.read(count: min(slice, Int(log.lastSeq) - records.count)) { seq, record in
                    require(seq == UInt64(records.count + 1), "the cursor gave seq \(seq) as record \(records.count + 1)")
                    records.append(Array(record))
                }
                slice += 1
            }
            require((try? cursor.read(count: 1) { _, _ in broken("a record past the log's end") }) == nil, "read past the end")
        } catch AppendLogError.damaged {
            return nil
        } catch {
            broken("the record cursor failed with \(error), not a damage report")
        }
        return records
    }
}
