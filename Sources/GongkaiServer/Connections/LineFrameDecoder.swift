#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import NIOCore

/// One frame of the line protocol: a request line without its ending, the news that a line
/// went past the limit (after which the connection is closed), or, once the client has
/// finished sending, the raw bytes the connection could not take yet (`rest`).
enum LineFrame {
    case line(ByteBuffer)
    case tooLong(bytesSeen: Int)
    case rest(ByteBuffer)
}

/// Whether the connection takes another request line now. The connection handler shuts it at
/// the in-flight limit and opens it as answers drain; the decoder holds lines back, as raw
/// bytes, while it is shut. Without it one read (up to a few hundred KB, all of a socket's
/// bytes when the client hangs up) became that many requests at once, each with an answer
/// kept in memory: tiny requests made that fifty times their size. Both sides run on the
/// channel's event loop.
final class InputGate {
    var isOpen = true
    /// The decoder holds lines back: the handler must hand it an (empty) read to go on.
    var holding = false
}

/// Splits a byte stream at `\n` (dropping a `\r` before it) and enforces the line limit on
/// every frame, including one that arrived whole in a single read. Pure.
struct LineFramer {
    let maxLineBytes: Int
    private var searchedBytes = 0
    private(set) var failed = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// The next frame at the front of `buffer`, consumed; nil while no whole line is there.
    mutating func next(_ buffer: inout ByteBuffer) -> LineFrame? {
        if failed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
        }
        let readable = buffer.readableBytes
        // Resume the search where the last one stopped so a slowly arriving line costs O(n);
        // memchr, because the collection search cost a few per cent of the event loop.
        let found: Int? = buffer.withUnsafeReadableBytes { bytes in
            guard readable > searchedBytes, let start = bytes.baseAddress,
                  let hit = memchr(start + searchedBytes, 0x0A, readable - searchedBytes) else { return nil }
            return start.distance(to: UnsafeRawPointer(hit))
        }
        guard let newline = found else {
            searchedBytes = readable
            if readable > maxLineBytes + 1 { return fail(&buffer, seen: readable) }
            return nil
        }
        var length = newline
        let frameLength = length + 1
        if length > 0, buffer.getInteger(at: buffer.readerIndex + length - 1, as: UInt8.self) == 0x0D { length -= 1 }
        searchedBytes = 0
        if length > maxLineBytes { return fail(&buffer, seen: length) }
        let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: frameLength)
        return .line(line)
    }

    private mutating func fail(_ buffer: inout ByteBuffer, seen: Int) -> LineFrame {
        failed = true
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .tooLong(bytesSeen: seen)
    }
}

/// The line protocol's framing in the pipeline, holding lines back while `gate` is shut.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineFrame

    private var framer: LineFramer
    private let gate: InputGate

    init(maxLineBytes: Int, gate: InputGate) {
        framer = LineFramer(maxLineBytes: maxLineBytes)
        self.gate = gate
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard gate.isOpen else {
            gate.holding = true
            return .needMoreData
        }
        guard let frame = framer.next(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // The client has finished sending but the connection is at its in-flight limit: the
        // handler takes the rest, raw, and frames it as answers drain (this decoder is done).
        if !gate.isOpen, !framer.failed, buffer.readableBytes > 0 {
            gate.holding = false
            context.fireChannelRead(wrapInboundOut(.rest(buffer.readSlice(length: buffer.readableBytes)!)))
        }
        // A client that disconnects mid-line sent no request: the partial line is dropped.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
