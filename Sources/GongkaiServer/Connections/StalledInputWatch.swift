import Glibc
import NIOCore

/// Told to the connection handler when a connection has sat too long: in the middle of a
/// line (`partialLine`, a client that sends half a request and stalls) or with nothing sent.
struct InputStalled {
    let partialLine: Bool
    let seconds: Int64
}

/// Watches the raw bytes of one connection, before they are split into lines, so that a
/// client cannot hold a connection (a descriptor, buffers, a slot under `--max-connections`)
/// forever by sending nothing, or by sending half a line a byte at a time. A line must be
/// finished within `lineTimeout` of its first byte — trickling more bytes does not extend
/// it — and a connection with no partial line is idle after `idleTimeout`. Whether a stalled
/// connection is closed is the connection handler's call: one with answers still owed or a
/// TAIL running is not idle.
final class StalledInputWatch: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// nil: that kind of stall is never reported; with no line timeout a half line is
    /// watched by the idle timeout, as silence (one byte must not hold a connection forever).
    private let lineTimeout: TimeAmount?
    private let idleTimeout: TimeAmount?
    private var partialLine = false
    private var deadline: NIODeadline?
    /// At most one timer per connection; a read only moves `deadline`, and an early timer
    /// re-arms itself for the rest, so a busy connection costs no timer churn.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(lineTimeout: TimeAmount?, idleTimeout: TimeAmount?) {
        self.lineTimeout = lineTimeout
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        restart(after: idleTimeout, context: context)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { restart(after: idleTimeout, context: context) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        if bytes.readableBytes > 0 {
            let view = bytes.readableBytesView
            if view.last == UInt8(ascii: "\n") {
                partialLine = false
                restart(after: idleTimeout, context: context)
            } else if !partialLine || Self.containsNewline(bytes) {
                // A new line started in this read: its clock starts now.
                partialLine = true
                restart(after: lineTimeout ?? idleTimeout, context: context)
            }
            // Otherwise the same unfinished line goes on, and its deadline stands.
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    private func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }

    private func restart(after timeout: TimeAmount?, context: ChannelHandlerContext) {
        guard let timeout else {
            deadline = nil
            return
        }
        let due = NIODeadline.now() + timeout
        deadline = due
        // A timer set for later than the new deadline (an idle one when a line starts) is too late.
        if let timer, let timerDeadline, timerDeadline > due {
            timer.cancel()
            self.timer = nil
        }
        if timer == nil { schedule(context: context) }
    }

    private func schedule(context: ChannelHandlerContext) {
        guard let deadline else { return }
        timerDeadline = deadline
        timer = context.eventLoop.scheduleTask(deadline: deadline) { [self] in
            timer = nil
            fire(context: context)
        }
    }

    private func fire(context: ChannelHandlerContext) {
        guard let due = deadline, context.channel.isActive else { return }
        if due > .now() {
            schedule(context: context)  // the deadline moved while this timer waited
            return
        }
        let timeout = partialLine ? lineTimeout ?? idleTimeout : idleTimeout
        context.fireUserInboundEventTriggered(InputStalled(partialLine: partialLine,
                                                           seconds: (timeout?.nanoseconds ?? 0) / 1_000_000_000))
        // Still open (the handler had answers to give, or a TAIL runs): ask again later.
        restart(after: timeout, context: context)
    }

    private static func containsNewline(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return false }
            return memchr(base, Int32(UInt8(ascii: "\n")), raw.count) != nil
        }
    }
}
