import NIOCore

/// One frame of the line protocol: a request line without its ending, or the news that a
/// line went past the limit (after which the connection is closed).
enum LineFrame {
    case line(ByteBuffer)
    case tooLong(bytesSeen: Int)
}

/// Splits the byte stream at `\n` (dropping a `\r` before it) and enforces the line limit on
/// every frame, including one that arrived whole in a single read.
struct LineFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineFrame

    let maxLineBytes: Int
    private var searchedBytes = 0
    private var failed = false

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if failed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        // Resume the search where the last one stopped so a slowly arriving line costs O(n).
        let searchStart = view.index(view.startIndex, offsetBy: searchedBytes)
        guard let newline = view[searchStart...].firstIndex(of: 0x0A) else {
            searchedBytes = view.count
            if view.count > maxLineBytes + 1 { return fail(context: context, buffer: &buffer, seen: view.count) }
            return .needMoreData
        }
        var length = newline - view.startIndex
        let frameLength = length + 1
        if length > 0, view[newline - 1] == 0x0D { length -= 1 }
        searchedBytes = 0
        if length > maxLineBytes { return fail(context: context, buffer: &buffer, seen: length) }
        let line = buffer.getSlice(at: buffer.readerIndex, length: length)!
        buffer.moveReaderIndex(forwardBy: frameLength)
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A client that disconnects mid-line sent no request: the partial line is dropped.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }

    private mutating func fail(context: ChannelHandlerContext, buffer: inout ByteBuffer, seen: Int) -> DecodingState {
        failed = true
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        context.fireChannelRead(wrapInboundOut(.tooLong(bytesSeen: seen)))
        return .needMoreData
    }
}
