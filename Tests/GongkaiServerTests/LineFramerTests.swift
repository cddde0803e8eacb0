@testable import GongkaiServer
import NIOCore
import XCTest

/// The line protocol's framing, fed the way a socket hands bytes over: whole lines, lines cut
/// anywhere, several in one read, CRLF endings, and lines past the limit.
final class LineFramerTests: XCTestCase {
    /// Feeds `reads` one after another into one buffer and collects every frame.
    private func frames(_ reads: [String], maxLineBytes: Int = 16) -> [String] {
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        var buffer = ByteBuffer()
        var out: [String] = []
        for read in reads {
            buffer.writeString(read)
            while let frame = framer.next(&buffer) {
                switch frame {
                case .line(let line): out.append("line:" + String(buffer: line))
                case .tooLong(let seen): out.append("tooLong:\(seen)")
                case .rest: XCTFail("the framer never hands over a rest")
                }
            }
            buffer.discardReadBytes()
        }
        return out
    }

    func testLinesAreSplitAtNewlinesWithACarriageReturnDropped() {
        XCTAssertEqual(frames(["PING\nHEAD\r\n\nx\r\r\n"]), ["line:PING", "line:HEAD", "line:", "line:x\r"])
    }

    func testALineCutAnywhereIsFramedOnceWhole() {
        let text = "APPEND {}\r\nPING\n"
        for cut in 0...text.utf8.count {
            let bytes = Array(text.utf8)
            let reads = [String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self)]
            XCTAssertEqual(frames(reads), ["line:APPEND {}", "line:PING"], "cut at \(cut)")
        }
        // Byte by byte: the search resumes where it stopped and still finds each end.
        XCTAssertEqual(frames("ab\ncd\r\n".map { String($0) }), ["line:ab", "line:cd"])
        // A carriage return that arrived in an earlier read than its newline is still dropped.
        XCTAssertEqual(frames(["abc\r", "\n"]), ["line:abc"])
    }

    func testTheLimitHoldsForWholeLinesAndForLinesStillComing() {
        XCTAssertEqual(frames([String(repeating: "a", count: 16) + "\n"]), ["line:" + String(repeating: "a", count: 16)])
        // The limit counts the line without its CRLF.
        XCTAssertEqual(frames([String(repeating: "a", count: 16) + "\r\n"]), ["line:" + String(repeating: "a", count: 16)])
        XCTAssertEqual(frames([String(repeating: "a", count: 17) + "\nPING\n"]), ["tooLong:17"])
        // Without a newline yet: refused once more than the limit and a CR are held.
        XCTAssertEqual(frames([String(repeating: "a", count: 17)]), [])
        XCTAssertEqual(frames([String(repeating: "a", count: 17), "a"]), ["tooLong:18"])
        // After a refusal nothing more is framed.
        XCTAssertEqual(frames([String(repeating: "a", count: 20), "\nPING\n"]), ["tooLong:20"])
    }
}
