import Foundation
import XCTest
@testable import GongkaiStorage

final class AppendLogTests: LedgerTestCase {
    private func frame(firstSeq: UInt64, count: Int, millis: Int64 = 1_700_000_000_000) -> AppendLogFrame {
        AppendLogFrame(firstSeq: firstSeq, commitMillis: millis, entries: (0..<count).map { index in
            let item = TestRecord(seq: firstSeq + UInt64(index), millis: millis, padding: index * 7)
            return .init(idKey: IdEntry.key(forId: item.id), eventDigest: item.digest, record: item.record)
        })
    }

    private func writeFrames(_ sizes: [Int]) throws -> [AppendLogFrame] {
        let log = try AppendLog(directory: directory.path)
        var frames: [AppendLogFrame] = []
        var next: UInt64 = 1
        for size in sizes {
            let made = frame(firstSeq: next, count: size, millis: 1_700_000_000_000 + Int64(next))
            try log.append(made.bytes, lastSeq: made.lastSeq)
            frames.append(made)
            next += UInt64(size)
        }
        return frames
    }

    private func readAll(_ log: AppendLog) throws -> [AppendLogFrame] {
        var frames: [AppendLogFrame] = []
        try log.forEachFrame { frame, _ in frames.append(frame) }
        return frames
    }

    private var logPath: String { directory.path + "/" + AppendLog.fileName }

    /// The daemon's writer writes a frame before its fdatasync (another thread's), but only
    /// once the frame before is durable: at most one frame is ever not, which is all that
    /// start-up's torn-tail check allows after a power cut.
    func testAFrameAwaitingSyncWaitsForTheOneBeforeItToBeDurable() throws {
        let log = try AppendLog(directory: directory.path)
        let first = frame(firstSeq: 1, count: 2), second = frame(firstSeq: 3, count: 1)
        try log.appendAwaitingSync(first.bytes, lastSeq: first.lastSeq)
        XCTAssertEqual(log.lastSeq, 2)
        XCTAssertEqual(log.durableSeq, 0)
        let written = DispatchSemaphore(value: 0)
        Thread {
            do { try log.appendAwaitingSync(second.bytes, lastSeq: second.lastSeq) } catch { XCTFail("\(error)") }
            written.signal()
        }.start()
        // Until the thread is seen waiting, nothing is proved either way.
        let deadline = Date().addingTimeInterval(10)
        while log.framesWaitingForSync == 0 && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(log.framesWaitingForSync, 1, "the second frame waits for the first one's fdatasync")
        XCTAssertEqual(log.lastSeq, 2)
        try log.syncWritten(through: 2)
        XCTAssertEqual(log.durableSeq, 2)
        XCTAssertEqual(written.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(log.lastSeq, 3)
        try log.syncWritten(through: 3)
        try log.syncWritten(through: 2)  // covered already: nothing to do
        XCTAssertEqual(log.durableSeq, 3)
        XCTAssertEqual(try readAll(AppendLog(directory: directory.path)), [first, second])
    }

    /// A failed fdatasync of frames written to await it cuts them off again (durably, once
    /// the store says its index is marked for a rebuild), marks the log broken, and says
    /// so; nothing is appended after it.
    func testAFailedSyncOfWrittenFramesCutsThemOffAndBreaksTheLog() throws {
        let log = try AppendLog(directory: directory.path)
        var told = 0
        log.onBroken = { told += 1; return true }
        let first = frame(firstSeq: 1, count: 2), second = frame(firstSeq: 3, count: 1)
        try log.appendAwaitingSync(first.bytes, lastSeq: first.lastSeq)
        try log.syncWritten(through: 2)
        try log.appendAwaitingSync(second.bytes, lastSeq: second.lastSeq)
        log.injectedSyncError = EIO
        XCTAssertThrowsError(try log.syncWritten(through: 3)) { error in
            guard case AppendLogError.syncFailed(let why, cutBack: true) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("Input/output error") && why.contains("cut off"), why)
        }
        XCTAssertEqual(told, 1)
        XCTAssertEqual(log.lastSeq, 2)
        XCTAssertEqual(log.durableSeq, 2)
        XCTAssertNotNil(log.brokenReason)
        XCTAssertNoThrow(try log.syncWritten(through: 2), "records durable before the failure stay durable")
        XCTAssertThrowsError(try log.syncWritten(through: 3), "a later sync proves nothing")
        let third = frame(firstSeq: 3, count: 1)
        XCTAssertThrowsError(try log.appendAwaitingSync(third.bytes, lastSeq: third.lastSeq))
        XCTAssertEqual(told, 1, "told once")
        let reopened = try AppendLog(directory: directory.path)
        XCTAssertEqual(reopened.discardedTailBytes, 0)
        XCTAssertEqual(try readAll(reopened), [first])
    }

    /// When the store cannot mark its index for a rebuild, the frames not made durable stay:
    /// cut, a restart in this boot would trust an index holding records the log had lost.
    func testAFailedSyncLeavesTheFramesWhenTheIndexCannotBeMarked() throws {
        let log = try AppendLog(directory: directory.path)
        log.onBroken = { false }
        let first = frame(firstSeq: 1, count: 2)
        try log.appendAwaitingSync(first.bytes, lastSeq: first.lastSeq)
        log.injectedSyncError = EIO
        XCTAssertThrowsError(try log.syncWritten(through: 2)) { error in
            guard case AppendLogError.syncFailed(_, cutBack: false) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(log.lastSeq, 2)
        XCTAssertEqual(log.durableSeq, 0)
    }

    func testFramesRoundTripThroughTheirBytes() throws {
        for count in [1, 2, 17] {
            let made = frame(firstSeq: 40, count: count, millis: 5)
            let decoded = try made.bytes.withUnsafeBytes { try AppendLogFrame.decode($0) }
            XCTAssertEqual(decoded, made)
            XCTAssertEqual(decoded.lastSeq, 40 + UInt64(count) - 1)
        }
    }

    func testEveryChangedByteOfAFrameIsCaught() throws {
        let bytes = frame(firstSeq: 3, count: 2).bytes
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x20
            XCTAssertThrowsError(try damaged.withUnsafeBytes { try AppendLogFrame.decode($0) }, "byte \(index) changed") { error in
                guard case AppendLogError.damaged = error else { return XCTFail("byte \(index): \(error)") }
            }
        }
        XCTAssertThrowsError(try Array(bytes.dropLast()).withUnsafeBytes { try AppendLogFrame.decode($0) })
    }

    func testFramesAreReadBackInOrderAfterReopening() throws {
        let frames = try writeFrames([1, 3, 1, 8])
        let log = try AppendLog(directory: directory.path)
        XCTAssertEqual(log.lastSeq, 13)
        XCTAssertEqual(log.discardedTailBytes, 0)
        XCTAssertEqual(try readAll(log), frames)
        XCTAssertEqual(try framesOf(log, after: 4), Array(frames[2...]))
        XCTAssertEqual(try framesOf(log, after: 0), frames)
        XCTAssertEqual(try framesOf(log, after: 13), [])
        XCTAssertEqual(try log.frame(holding: 3), frames[1])
        XCTAssertEqual(try log.frame(holding: 13), frames[3])
        XCTAssertNil(try log.frame(holding: 14))
        XCTAssertThrowsError(try framesOf(log, after: 3), "seq 3 is inside a frame")
    }

    private func framesOf(_ log: AppendLog, after seq: UInt64) throws -> [AppendLogFrame] {
        var frames: [AppendLogFrame] = []
        try log.forEachFrame(after: seq) { frame, _ in frames.append(frame) }
        return frames
    }

    func testATornLastFrameIsCutOffAndTheLogGoesOn() throws {
        let frames = try writeFrames([2, 3])
        let whole = try Data(contentsOf: URL(fileURLWithPath: logPath))
        let lastBytes = frames[1].bytes.count
        for kept in [1, AppendLogFrame.headerBytes, AppendLogFrame.headerBytes + 5, lastBytes / 2, lastBytes - 1] {
            try whole.prefix(whole.count - lastBytes + kept).write(to: URL(fileURLWithPath: logPath))
            let log = try AppendLog(directory: directory.path)
            XCTAssertEqual(log.lastSeq, 2, "kept \(kept) bytes of the last frame")
            XCTAssertEqual(log.discardedTailBytes, UInt64(kept))
            XCTAssertEqual(try readAll(log), [frames[0]])
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int, whole.count - lastBytes + kept,
                           "left until the ledger says to cut it")
            try log.cutTornTail()
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int, whole.count - lastBytes)
        }
        let log = try AppendLog(directory: directory.path)
        try log.cutTornTail()
        try log.append(frames[1].bytes, lastSeq: frames[1].lastSeq)
        XCTAssertEqual(try readAll(AppendLog(directory: directory.path)), frames)
    }

    /// A torn write can end in bytes that look like a trailer whose length points back at an
    /// earlier whole frame; the log's end is where whole frames end, not where that claims.
    func testATornTailEndingInWhatLooksLikeATrailerIsStillATornTail() throws {
        let frames = try writeFrames([2, 3])
        let whole = try Data(contentsOf: URL(fileURLWithPath: logPath))
        let firstEnd = AppendLog.fileMagic.count + frames[0].bytes.count
        let kept = 100
        // The first bytes of the second frame, then a trailer claiming a frame from the first
        // frame's start to the end of the file.
        var fake = [UInt8](repeating: 0x5A, count: 32)
        fake += withUnsafeBytes(of: UInt64(firstEnd + kept - AppendLog.fileMagic.count).littleEndian) { Array($0) }
        fake += Array("GKT1".utf8) + [0, 0, 0, 0]
        XCTAssertEqual(fake.count, AppendLogFrame.trailerBytes)
        let torn = Data(whole.prefix(firstEnd + kept - fake.count)) + Data(fake)
        try torn.write(to: URL(fileURLWithPath: logPath))

        let log = try AppendLog(directory: directory.path)
        XCTAssertEqual(log.endOffset, UInt64(firstEnd))
        XCTAssertEqual(log.lastSeq, 2)
        XCTAssertEqual(log.discardedTailBytes, UInt64(kept))
        XCTAssertEqual(try readAll(log), [frames[0]])
        try log.cutTornTail()
        try log.append(frames[1].bytes, lastSeq: frames[1].lastSeq)
        XCTAssertEqual(try readAll(AppendLog(directory: directory.path)), frames)
    }

    /// The record cursor gives every record of the log in seq order, in any slicing across
    /// frames, and refuses to read past the end.
    func testTheRecordCursorReadsEveryRecordInOrderAcrossFrames() throws {
        let frames = try writeFrames([1, 4, 2, 7, 3])
        let expected = frames.flatMap { $0.entries.map(\.record) }
        for slices in [[17], [1, 1, 1, 14], [5, 5, 5, 2], [3, 0, 9, 5]] {
            let cursor = try AppendLog(directory: directory.path).recordCursor()
            XCTAssertEqual(cursor.lastSeq, 17)
            var read: [[UInt8]] = []
            for count in slices {
                try cursor.read(count: count) { seq, record in
                    XCTAssertEqual(seq, UInt64(read.count + 1))
                    read.append(Array(record))
                }
            }
            XCTAssertEqual(read, expected, "slices \(slices)")
            XCTAssertEqual(cursor.nextSeq, 18)
            XCTAssertThrowsError(try cursor.read(count: 1) { _, _ in XCTFail("a record past the end") })
        }
    }

    /// The cursor checks each frame's lengths and seq (not its SHA-256, which VERIFY checks):
    /// a frame whose header names another seq stops it.
    func testTheRecordCursorRefusesAFrameOutOfSeq() throws {
        let log = try AppendLog(directory: directory.path)
        let first = frame(firstSeq: 1, count: 2), skipping = frame(firstSeq: 4, count: 1)
        try log.append(first.bytes, lastSeq: first.lastSeq)
        try log.append(skipping.bytes, lastSeq: skipping.lastSeq)
        let cursor = try log.recordCursor()
        var seqs: [UInt64] = []
        XCTAssertThrowsError(try cursor.read(count: 3) { seq, _ in seqs.append(seq) }) { error in
            XCTAssertTrue("\(error)".contains("starts at seq 4, not 3"), "\(error)")
        }
        XCTAssertEqual(seqs, [1, 2])
    }

    /// Damage in a middle frame (its structure, or one byte of a record) stops the cursor with
    /// a damage report at that frame, never a trap or a read past the frame, and every later
    /// read reports it again.
    func testTheRecordCursorStopsAtADamagedFrameAndStaysStopped() throws {
        let frames = try writeFrames([2, 3, 2])
        let secondStart = AppendLog.fileMagic.count + frames[0].bytes.count
        let whole = try Data(contentsOf: URL(fileURLWithPath: logPath))
        // Byte offsets inside the second frame: its payload length (header bytes 24...31), the
        // first record's length (the payload's first 4 bytes), the trailer's length field.
        let damages: [(at: Int, value: UInt8, reason: String)] = [
            (secondStart + 24, 0xFF, "trailer does not match"),
            (secondStart + 31, 0x7F, "no whole frame"),
            // A record's length past the frame's end: the digest, checked before the records
            // are walked, sees it first.
            (secondStart + AppendLogFrame.headerBytes + 1, 0x7F, "fails its SHA-256"),
            (secondStart + frames[1].bytes.count - 16, 0x01, "trailer"),
            // A changed byte inside a record leaves every length whole: only the digest sees it.
            (secondStart + AppendLogFrame.headerBytes + AppendLogFrame.entryOverheadBytes + 2, 0x7E, "fails its SHA-256"),
        ]
        for damage in damages {
            var bytes = whole
            bytes[damage.at] = damage.value
            try bytes.write(to: URL(fileURLWithPath: logPath))
            // An open that trusts the index reads only the last frame; the cursor reads them all.
            let cursor = try AppendLog.RecordCursor(path: logPath, end: UInt64(whole.count), lastSeq: 7)
            var seqs: [UInt64] = []
            XCTAssertThrowsError(try cursor.read(count: 7) { seq, _ in seqs.append(seq) }) { error in
                guard case AppendLogError.damaged(let why) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(why.contains(damage.reason), "byte \(damage.at) (\(damage.reason)): \(why)")
            }
            XCTAssertEqual(seqs, [1, 2], "byte \(damage.at): only the first frame's records")
            XCTAssertThrowsError(try cursor.read(count: 1) { _, _ in XCTFail("a record after the damage") }) { error in
                XCTAssertTrue("\(error)".contains(damage.reason), "the same damage again: \(error)")
            }
        }
    }

    func testADamagedLastFrameIsCutOffButADamagedEarlierOneStopsTheReader() throws {
        let frames = try writeFrames([2, 2, 2])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: logPath))
        bytes[bytes.count - frames[2].bytes.count + 60] ^= 1
        try bytes.write(to: URL(fileURLWithPath: logPath))
        let cut = try AppendLog(directory: directory.path)
        XCTAssertEqual(cut.lastSeq, 4)
        try cut.cutTornTail()

        bytes = try Data(contentsOf: URL(fileURLWithPath: logPath))
        bytes[Int(AppendLog.startOffset) + 60] ^= 1
        try bytes.write(to: URL(fileURLWithPath: logPath))
        let log = try AppendLog(directory: directory.path)
        XCTAssertThrowsError(try readAll(log)) { error in
            guard case AppendLogError.damaged = error else { return XCTFail("\(error)") }
        }
    }

    func testADamagedFrameWithWholeFramesAfterItIsNeverCutOff() throws {
        let frames = try writeFrames([2, 2, 2])
        let original = try Data(contentsOf: URL(fileURLWithPath: logPath))
        // The middle frame and the last one both damaged: the last could be a torn write,
        // but the middle one was acknowledged, and so was nothing after it cut.
        var bytes = original
        bytes[Int(AppendLog.startOffset) + frames[0].bytes.count + 60] ^= 1
        bytes[bytes.count - 10] ^= 1
        try bytes.write(to: URL(fileURLWithPath: logPath))
        XCTAssertThrowsError(try AppendLog(directory: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("not a torn last write"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: logPath)), bytes, "nothing was cut")
        // A torn write is never longer than its own header says.
        bytes = original
        bytes.append(contentsOf: frames[0].bytes)
        bytes[bytes.count - 10] ^= 1
        try bytes.write(to: URL(fileURLWithPath: logPath))
        XCTAssertEqual(try AppendLog(directory: directory.path).lastSeq, 6, "one whole bad frame at the end is a torn write")
        bytes.append(contentsOf: [1, 2, 3])
        try bytes.write(to: URL(fileURLWithPath: logPath))
        XCTAssertThrowsError(try AppendLog(directory: directory.path), "bytes after a frame's own end")
    }

    func testALogWhoseCreationWasCutShortStartsAgain() throws {
        for prefix in [Data(), Data("gongkai-app".utf8), Data(repeating: 0, count: Int(AppendLog.startOffset))] {
            try prefix.write(to: URL(fileURLWithPath: logPath))
            let log = try AppendLog(directory: directory.path)
            XCTAssertTrue(log.isEmpty)
            let made = frame(firstSeq: 1, count: 1)
            try log.append(made.bytes, lastSeq: 1)
            XCTAssertEqual(try readAll(AppendLog(directory: directory.path)), [made])
        }
    }

    func testAFileThatIsNotALogIsRefused() throws {
        try Data("not a log at all, just some bytes".utf8).write(to: URL(fileURLWithPath: logPath))
        XCTAssertThrowsError(try AppendLog(directory: directory.path))
    }

    func testTruncateTakesBackTheLastFrame() throws {
        let log = try AppendLog(directory: directory.path)
        let first = frame(firstSeq: 1, count: 2), second = frame(firstSeq: 3, count: 1)
        try log.append(first.bytes, lastSeq: 2)
        let end = log.endOffset
        try log.append(second.bytes, lastSeq: 3)
        try log.truncate(to: end, lastSeq: 2)
        XCTAssertEqual(log.lastSeq, 2)
        XCTAssertEqual(try readAll(AppendLog(directory: directory.path)), [first])
    }

    /// Bytes past the last whole frame look like a write a crash cut off when they are short
    /// of a header, or hold zeros where blocks went unwritten; a whole frame's length of other
    /// bytes looks like damage.
    func testATailLooksCutOffOnlyWhenShortOrHoldingUnwrittenBlocks() {
        let text = [UInt8](repeating: UInt8(ascii: "A"), count: 2_000)
        XCTAssertFalse(AppendLog.looksCutOff(text), "whole and wrong: damage")
        XCTAssertTrue(AppendLog.looksCutOff(Array(text.prefix(20))), "shorter than a header")
        var middle = text
        middle.replaceSubrange(700..<1_212, with: [UInt8](repeating: 0, count: 512))
        XCTAssertTrue(AppendLog.looksCutOff(middle), "an unwritten block in the middle")
        var few = text
        few.replaceSubrange(700..<1_000, with: [UInt8](repeating: 0, count: 300))
        XCTAssertFalse(AppendLog.looksCutOff(few), "fewer zeros than a sector")
        XCTAssertTrue(AppendLog.looksCutOff([UInt8](repeating: 0, count: 8) + text), "the header's start unwritten")
        XCTAssertTrue(AppendLog.looksCutOff(text + [UInt8](repeating: 0, count: 8)), "the trailer's end unwritten")
    }
}
