import Foundation
import GongkaiClient
import Glibc
import XCTest

/// The client library against a peer that reads and writes exact bytes: a line cut off by
/// the end of the stream is an error, never an answer; an appender whose send fails still
/// takes every answer the peer gave.
final class LineConnectionTests: XCTestCase {
    /// A peer that writes `bytes` to the client and closes.
    private func peer(writing bytes: [UInt8]) throws -> (path: String, done: DispatchSemaphore) {
        try ScriptedPeer.start { client in ScriptedPeer.send(bytes, to: client) }
    }

    func testLineCutByTheEndOfTheStreamIsAnError() throws {
        let (path, done) = try peer(writing: Array("OK {\"a\":1}\nOK {\"b\":".utf8))
        let connection = try LineConnection(path: path)
        connection.setReadTimeout(seconds: 10)
        XCTAssertEqual(try connection.readLine(), "OK {\"a\":1}")
        XCTAssertThrowsError(try connection.readLine()) { error in
            XCTAssertEqual(error as? ClientError, .lineCut(bytes: 8))
            XCTAssertTrue((error as? ClientError)?.isConnectionFailure ?? false)
        }
        XCTAssertNil(try connection.readLine(), "then the stream has ended")
        done.wait()
    }

    func testWholeLinesThenEndOfStreamIsNil() throws {
        let (path, done) = try peer(writing: Array("OK {}\r\nEND {}\n".utf8))
        let connection = try LineConnection(path: path)
        connection.setReadTimeout(seconds: 10)
        XCTAssertEqual(try connection.readLine(), "OK {}")
        XCTAssertEqual(try connection.readLine(), "END {}")
        XCTAssertNil(try connection.readLine())
        done.wait()
    }

    /// The peer reads 2,000 small requests and the start of a 600 KB one that is sent in the
    /// same write, answers the 2,000 and hangs up: the appender's send fails part-way, and
    /// the 2,000 answers are still read and reported (they could be committed appends).
    func testAppenderReadsTheAnswersGivenBeforeASendFailed() throws {
        let small = (0..<2_000).map { #"{"id":"p-\#($0)"}"# }
        let big = #"{"id":"big","x":""# + String(repeating: "a", count: 600_000) + #""}"#
        let smallBytes = small.reduce(0) { $0 + "APPEND ".utf8.count + $1.utf8.count + 1 }
        let (path, done) = try ScriptedPeer.start { client in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var read = 0
            while read < smallBytes + 1_000 {
                let got = recv(client, &buffer, min(buffer.count, smallBytes + 1_000 - read), 0)
                if got <= 0 { break }
                read += got
            }
            let answers = (0..<2_000).map { #"OK {"id":"p-\#($0)"}"# + "\n" }.joined()
            ScriptedPeer.send(Array(answers.utf8), to: client)
        }
        let connection = try LineConnection(path: path)
        connection.setReadTimeout(seconds: 10)
        var oks = 0
        XCTAssertThrowsError(try PipelinedAppender(connection: connection, window: 8_192).run(small + [big]) { outcome in
            if case .ok = outcome.answer { oks += 1 }
        }) { error in
            XCTAssertEqual(error as? ClientError, .connectionClosed(unanswered: 1), "the big one has no answer")
        }
        XCTAssertEqual(oks, 2_000)
        done.wait()
    }
}
