import NIOCore

/// One connection's requests, `APPEND <event>\n` back to back in one buffer, made before the
/// clock starts: sending the next requests is then a slice of it, without copying or encoding.
struct RequestLines {
    /// Every line, in the order sent.
    let bytes: ByteBuffer
    /// Where line `i` ends (just past its newline) in `bytes`.
    let ends: [Int]

    var count: Int { ends.count }

    init(events: [String], allocator: ByteBufferAllocator) {
        let prefix = "APPEND "
        var buffer = allocator.buffer(capacity: events.reduce(0) { $0 + prefix.utf8.count + $1.utf8.count + 1 })
        var ends: [Int] = []
        ends.reserveCapacity(events.count)
        for event in events {
            buffer.writeString(prefix)
            // A raw line break can only be whitespace outside a JSON string (it cannot occur
            // inside one), and sent as is it would split the request in two.
            buffer.writeBytes(event.utf8.map { $0 == 10 || $0 == 13 ? UInt8(ascii: " ") : $0 })
            buffer.writeInteger(UInt8(ascii: "\n"))
            ends.append(buffer.writerIndex)
        }
        self.bytes = buffer
        self.ends = ends
    }

    /// The bytes of lines `range` (a slice sharing the buffer's storage).
    func slice(_ range: Range<Int>) -> ByteBuffer {
        let start = range.lowerBound == 0 ? 0 : ends[range.lowerBound - 1]
        return bytes.getSlice(at: start, length: ends[range.upperBound - 1] - start)!
    }
}
