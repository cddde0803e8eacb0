import Dispatch
import Foundation

/// Sends many `APPEND` requests on one connection with at most `window` unanswered,
/// and reports every answer, in request order, to the calling thread.
///
/// A writer thread pulls requests from the source, batches them into large writes and
/// blocks when the window is full; the calling thread reads answers, so each answer
/// frees a slot and the two sides can never wait on each other in a cycle. The window
/// keeps memory bounded and stays below the daemon's own in-flight limit (1,024 per
/// connection), so neither side stalls with full socket buffers.
///
/// After `run` throws, the connection is unusable and should be closed.
public final class PipelinedAppender {
    /// Default number of unanswered requests.
    public static let defaultWindow = 256
    /// Writes are flushed once this many bytes are buffered.
    public static let flushBytes = 64 * 1024

    /// The connection the appends go over; owned by the appender while `run` is active.
    public let connection: LineConnection
    /// Largest number of requests sent but not yet answered.
    public let window: Int
    /// When true every request is written as soon as it is taken from the source.
    /// Use it when the source may block (a pipe or terminal): otherwise requests already
    /// taken could sit in the write buffer while the source waits for more input.
    public let flushEachRequest: Bool

    public init(connection: LineConnection, window: Int = PipelinedAppender.defaultWindow, flushEachRequest: Bool = false) {
        self.connection = connection
        self.window = max(1, window)
        self.flushEachRequest = flushEachRequest
    }

    /// Appends every event of `events` in order; see `run(next:onAnswer:)`.
    @discardableResult
    public func run<S: Sequence>(_ events: S, onAnswer: (AppendOutcome) throws -> Void) throws -> Int where S.Element == String {
        var iterator = events.makeIterator()
        var index = 0
        return try run(next: {
            guard let event = iterator.next() else { return nil }
            defer { index += 1 }
            return AppendRequest(event: event, tag: index)
        }, onAnswer: onAnswer)
    }

    /// Takes requests from `next` (called on the writer thread, until it returns nil or
    /// throws), sends them pipelined, and calls `onAnswer` on the calling thread for each
    /// answer in order. Returns the number of answers.
    ///
    /// Throws the first failure: a lost connection, an error thrown by `next`
    /// (after the answers to what was already sent), or one thrown by `onAnswer`.
    @discardableResult
    public func run(next: @escaping () throws -> AppendRequest?, onAnswer: (AppendOutcome) throws -> Void) throws -> Int {
        let run = PipelineRun(connection: connection, window: window, flushEachRequest: flushEachRequest, next: next)
        let writer = Thread { run.write() }
        writer.name = "gongkai-append-writer"
        writer.start()
        do {
            let answered = try run.read(onAnswer: onAnswer)
            run.waitForWriter()
            if let error = run.writerError { throw error }
            return answered
        } catch {
            run.abort()
            throw error
        }
    }
}

/// The state one `PipelinedAppender.run` shares between its writer thread and reader.
private final class PipelineRun: @unchecked Sendable {
    private let connection: LineConnection
    private let window: Int
    private let flushEachRequest: Bool
    private let next: () throws -> AppendRequest?

    // Free window slots. Starts at 0 and is raised by signals, because libdispatch
    // traps when a semaphore is freed below its initial value (as after an abort).
    private let slots = DispatchSemaphore(value: 0)
    // Ring of in-flight requests; slot i % window belongs to request i. The writer
    // fills a slot only after the reader freed it (semaphore), and the reader reads it
    // only after the writer published `flushed` past it (lock): no slot is shared.
    private let ring: UnsafeMutablePointer<Slot>

    private struct Slot {
        var request: AppendRequest
        var sentAt: UInt64
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var flushed = 0
    private var writerFinished = false
    private var writerInSource = false
    private var stopped = false
    private(set) var writerError: Error?

    init(connection: LineConnection, window: Int, flushEachRequest: Bool, next: @escaping () throws -> AppendRequest?) {
        self.connection = connection
        self.window = window
        self.flushEachRequest = flushEachRequest
        self.next = next
        ring = .allocate(capacity: window)
        ring.initialize(repeating: Slot(request: AppendRequest(event: ""), sentAt: 0), count: window)
        for _ in 0..<window { slots.signal() }
    }

    deinit {
        ring.deinitialize(count: window)
        ring.deallocate()
    }

    // MARK: Writer thread

    func write() {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(PipelinedAppender.flushBytes + 4096)
        var queued = 0
        var sent = 0
        let prefix = Array("APPEND ".utf8)

        func flush() throws {
            guard queued > sent else { return }
            let now = monotonicNanoseconds()
            for index in sent..<queued { ring[index % window].sentAt = now }
            do {
                try buffer.withUnsafeBytes { try connection.sendAll($0) }
            } catch ClientError.connectionClosed {
                // The daemon hung up (it is stopping) with part of the buffer sent: what it read
                // it answers before it closes, and those may be committed OKs. The reader takes
                // every answer there is and counts the rest as unanswered, not as never sent.
                condition.lock()
                flushed = queued
                condition.signal()
                condition.unlock()
                throw ClientError.connectionClosed(unanswered: 0)
            }
            buffer.removeAll(keepingCapacity: true)
            sent = queued
            condition.lock()
            flushed = sent
            condition.signal()
            condition.unlock()
        }

        var sourceError: Error?
        do {
            while true {
                condition.lock()
                writerInSource = true
                condition.broadcast()  // an abort waiting for us may return now
                condition.unlock()
                var request: AppendRequest?
                do {
                    request = try next()
                } catch {
                    // Still send what was taken before the source failed.
                    sourceError = error
                    request = nil
                }
                condition.lock()
                writerInSource = false
                let stop = stopped
                condition.unlock()
                // After an abort the caller may already have closed the socket: touch nothing.
                if stop { break }
                guard let request else { break }

                // Flush before blocking on a full window so the daemon has everything it
                // must answer to free a slot.
                if slots.wait(timeout: .now()) == .timedOut {
                    try flush()
                    slots.wait()
                }
                if isStopped() { break }

                ring[queued % window] = Slot(request: request, sentAt: 0)
                buffer.append(contentsOf: prefix)
                appendLine(request.event, to: &buffer)
                queued += 1
                if flushEachRequest || buffer.count >= PipelinedAppender.flushBytes {
                    try flush()
                }
            }
            if !isStopped() { try flush() }
        } catch {
            condition.lock()
            writerError = error
            condition.unlock()
        }
        condition.lock()
        if writerError == nil { writerError = sourceError }
        writerInSource = false
        writerFinished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Appends `event` and a newline, turning any CR/LF inside it into spaces: raw line
    /// breaks cannot occur inside JSON strings, so outside them they are only whitespace,
    /// and one would otherwise split the request in two.
    private func appendLine(_ event: String, to buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: event.utf8)
        for index in start..<buffer.count where buffer[index] == 10 || buffer[index] == 13 {
            buffer[index] = UInt8(ascii: " ")
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    private func isStopped() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    // MARK: Reader (calling thread)

    func read(onAnswer: (AppendOutcome) throws -> Void) throws -> Int {
        var answered = 0
        while true {
            condition.lock()
            while flushed == answered && !writerFinished { condition.wait() }
            let available = flushed
            condition.unlock()
            if available == answered { return answered }  // writer finished, all answered

            while answered < available {
                guard let line = try connection.readLine() else {
                    throw ClientError.connectionClosed(unanswered: available - answered)
                }
                let slot = ring[answered % window]
                let now = monotonicNanoseconds()
                let outcome = AppendOutcome(
                    index: answered, request: slot.request, answer: Answer.parse(line),
                    latencyNanoseconds: now >= slot.sentAt ? now - slot.sentAt : 0)
                answered += 1
                slots.signal()
                try onAnswer(outcome)
            }
        }
    }

    func waitForWriter() {
        condition.lock()
        while !writerFinished { condition.wait() }
        condition.unlock()
    }

    /// Stops the writer after a failure and waits until it can no longer touch the
    /// connection: finished, or blocked in the source (it checks `stopped` on return).
    func abort() {
        condition.lock()
        stopped = true
        condition.unlock()
        connection.shutdownBoth()            // fails a send in progress
        for _ in 0..<window { slots.signal() }  // wakes a writer waiting for a slot
        condition.lock()
        while !writerFinished && !writerInSource { condition.wait() }
        condition.unlock()
    }
}
