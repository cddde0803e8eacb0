import Foundation
import GongkaiClient
import Glibc
import XCTest

/// The client library against a peer that reads and writes exact bytes: a line cut off by
/// the end of the stream is an error, never an answer; an appender whose send fails still
/// takes every answer the peer gave.
final class LineConnectionTests: XCTestCase {
    /// Listens on a fresh Unix socket, accepts one client, writes `bytes`, and closes.
    private func peer(writing bytes: [UInt8]) throws -> (path: String, done: DispatchSemaphore) {
        try peer { client in
            _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    /// Listens on a fresh Unix socket, accepts one client, runs `script` on it, and closes.
    private func peer(_ script: @escaping @Sendable (Int32) -> Void) throws -> (path: String, done: DispatchSemaphore) {
        let path = DaemonProcess.temporaryDirectory("gongkai-line") + "/peer.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        XCTAssertEqual(listen(listener, 1), 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let client = accept(listener, nil, nil)
            script(client)
            close(client)
            close(listener)
            done.signal()
        }.start()
        return (path, done)
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
        let (path, done) = try peer { client in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            var read = 0
            while read < smallBytes + 1_000 {
                let got = recv(client, &buffer, min(buffer.count, smallBytes + 1_000 - read), 0)
                if got <= 0 { break }
                read += got
            }
            let answers = (0..<2_000).map { #"OK {"id":"p-\#($0)"}"# + "\n" }.joined()
            _ = Array(answers.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
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
