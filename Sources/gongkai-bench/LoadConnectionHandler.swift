import Foundation
import GongkaiClient
import NIOCore

/// One benchmark connection on the load generator's event loop: keeps `depth` appends in
/// flight, and for each answer (they come in request order) keeps its latency and whether it
/// was an OK. All connections share one thread, so the generator costs the two cores it
/// shares with the daemon little: no thread per connection to wake for every answer.
///
/// `done` is completed once the connection has closed; what was never answered by then
/// counts as failed. The results are read after `done`, off the loop.
final class LoadConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Bytes of an unfinished answer line kept across reads: enough to classify it.
    static let keptPrefixBytes = 64

    let index: Int
    let done: EventLoopPromise<Void>
    private let requests: RequestLines
    private let depth: Int

    // Touched on the event loop only; read after `done`.
    private(set) var latencies: [UInt64] = []
    private(set) var errors = 0
    private(set) var errorCodes: [String: Int] = [:]
    private(set) var failure: String?

    private var context: ChannelHandlerContext?
    private var sentAt: [UInt64]
    private var sent = 0
    /// The start of an answer line that the last read cut off (at most `keptPrefixBytes`).
    private var unfinished: [UInt8]?

    var count: Int { requests.count }
    private var answered: Int { latencies.count }

    init(index: Int, requests: RequestLines, depth: Int, done: EventLoopPromise<Void>) {
        self.index = index
        self.requests = requests
        self.depth = depth
        self.done = done
        sentAt = [UInt64](repeating: 0, count: requests.count)
        latencies.reserveCapacity(requests.count)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    /// Sends the first window; called on the loop once the clock has started.
    func start() {
        guard let context else { return }
        if count == 0 { finish(context: context); return }
        sendMore(context: context)
    }

    /// Fills the window up to `depth` unanswered requests with one write.
    private func sendMore(context: ChannelHandlerContext) {
        let upTo = min(count, answered + depth)
        guard upTo > sent else { return }
        let now = monotonicNanoseconds()
        for request in sent..<upTo { sentAt[request] = now }
        let lines = requests.slice(sent..<upTo)
        sent = upTo
        context.writeAndFlush(wrapOutboundOut(lines), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let now = monotonicNanoseconds()
        var unexpected = false
        buffer.withUnsafeReadableBytes { bytes in
            var start = 0
            while start < bytes.count {
                guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    keep(UnsafeRawBufferPointer(rebasing: bytes[start...]))
                    return
                }
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<newline])
                if let head = unfinished {
                    unfinished = nil
                    let whole = head + line.prefix(Self.keptPrefixBytes)
                    if !whole.withUnsafeBytes({ tally(answer: $0, at: now) }) { unexpected = true }
                } else if !tally(answer: line, at: now) {
                    unexpected = true
                }
                start = newline + 1
            }
        }
        if unexpected {
            fail("more answers than requests sent", code: "unexpected-answer", context: context)
        } else if answered == count {
            finish(context: context)
        } else {
            sendMore(context: context)
        }
    }

    /// Every request answered: the generator half-closes and reads on until the peer closes,
    /// so an answer nobody asked for is still seen, whichever read it comes in.
    private func finish(context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        let halfClosed = context.eventLoop.makePromise(of: Void.self)
        halfClosed.futureResult.whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: halfClosed)
    }

    /// All answered and the output half-closed (`finish`).
    private var finished = false

    /// Counts one answer line; false (and an error) if no request is waiting for it.
    private func tally(answer line: UnsafeRawBufferPointer, at now: UInt64) -> Bool {
        guard answered < sent else {
            errors += 1
            errorCodes["unexpected-answer", default: 0] += 1
            return false
        }
        let start = sentAt[answered]
        latencies.append(now >= start ? now - start : 0)
        if line.starts(with: "OK".utf8) && (line.count == 2 || line[2] == UInt8(ascii: " ")) { return true }
        errors += 1
        if line.starts(with: "ERR ".utf8) {
            let rest = line.dropFirst(4)
            let code = rest.prefix { $0 != UInt8(ascii: " ") }
            errorCodes[String(decoding: code, as: UTF8.self), default: 0] += 1
        } else {
            errorCodes["unexpected-answer", default: 0] += 1
        }
        return true
    }

    private func keep(_ partial: UnsafeRawBufferPointer) {
        var head = unfinished ?? []
        head.append(contentsOf: partial.prefix(Self.keptPrefixBytes - head.count))
        unfinished = head
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if answered < sent {
                fail("no answer for the read timeout", code: "timeout", context: context)
                return
            }
            // All answered, but the peer does not close after the half-close: stop waiting.
            if finished { context.close(promise: nil) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail("\(error)", code: "connection", context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if answered < count {
            fail("the daemon closed the connection with \(count - answered) appends unanswered", code: "connection",
                 context: context)
        }
        done.succeed(())
        context.fireChannelInactive()
    }

    /// Counts everything not yet answered as failed, under `code`, once (a failure is followed
    /// by the close, which sees the same requests unanswered), and closes the connection.
    private func fail(_ reason: String, code: String, context: ChannelHandlerContext) {
        if failure == nil {
            failure = reason
            let missing = count - answered
            errors += missing
            if missing > 0 { errorCodes[code, default: 0] += missing }
        }
        context.close(promise: nil)
    }
}
