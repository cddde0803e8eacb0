import XCTest
import GongkaiJSON
@testable import GongkaiProtocol

/// Every answer is exactly one line: `OK`, `ERR`, `EVENT` or `END`, then `\n`.
final class AnswerEncoderTests: XCTestCase {
    private func text(_ build: (inout [UInt8]) -> Void) -> String {
        var output: [UInt8] = []
        build(&output)
        return String(decoding: output, as: UTF8.self)
    }

    func testOkWithBytesCopiesThemVerbatim() {
        XCTAssertEqual(text { AnswerEncoder.ok(Array(#"{"pong":true}"#.utf8), into: &$0) }, "OK {\"pong\":true}\n")
        XCTAssertEqual(text { AnswerEncoder.ok(Array("{ \"b\":1 , \"a\":2 }".utf8), into: &$0) }, "OK { \"b\":1 , \"a\":2 }\n")
    }

    func testOkWithValueEncodesCanonically() {
        XCTAssertEqual(text { AnswerEncoder.ok(["size": 3, "root": "ab", "recorded": nil], into: &$0) },
                       "OK {\"recorded\":null,\"root\":\"ab\",\"size\":3}\n")
        XCTAssertEqual(text { AnswerEncoder.ok(["verbs": ["GET", "PING"]], into: &$0) }, "OK {\"verbs\":[\"GET\",\"PING\"]}\n")
    }

    func testErrorLine() {
        XCTAssertEqual(text { AnswerEncoder.error(ProtocolError(.notFound, "seq 5 is past the end (size 4)"), into: &$0) },
                       "ERR not-found seq 5 is past the end (size 4)\n")
        XCTAssertEqual(text { AnswerEncoder.error(ProtocolError(.badRequest, "two\nlines"), into: &$0) },
                       "ERR bad-request two lines\n")
    }

    func testEventLineCarriesTheRecordBytes() {
        let record = Array(#"{"by":"uid:1","event":{},"recorded":"2024-01-01T00:00:00.000Z","seq":1}"#.utf8)
        let line = text { output in record.withUnsafeBytes { AnswerEncoder.event($0, into: &output) } }
        XCTAssertEqual(line, "EVENT " + String(decoding: record, as: UTF8.self) + "\n")
    }

    func testEndLine() {
        XCTAssertEqual(text { AnswerEncoder.end(["next": 11], into: &$0) }, "END {\"next\":11}\n")
        XCTAssertEqual(text { AnswerEncoder.end(["reason": "shutdown"], into: &$0) }, "END {\"reason\":\"shutdown\"}\n")
    }

    func testAnswersAppendToWhatIsAlreadyThere() {
        var output: [UInt8] = []
        AnswerEncoder.ok(["pong": true], into: &output)
        AnswerEncoder.error(ProtocolError(.unknownVerb, "unknown verb X; HELP lists the verbs"), into: &output)
        AnswerEncoder.end(["next": 1], into: &output)
        XCTAssertEqual(String(decoding: output, as: UTF8.self),
                       "OK {\"pong\":true}\nERR unknown-verb unknown verb X; HELP lists the verbs\nEND {\"next\":1}\n")
    }
}

/// Error codes are pinned, and an error message can never break the one-line framing.
final class ProtocolErrorTests: XCTestCase {
    func testErrorCodesArePinned() {
        XCTAssertEqual(ErrorCode.allCases.map(\.rawValue), [
            "bad-request", "unknown-verb", "invalid-json", "invalid-event", "conflict", "not-found",
            "too-large", "denied", "unavailable", "storage", "internal",
        ])
    }

    func testNewlinesInMessagesBecomeSpaces() {
        XCTAssertEqual(ProtocolError(.internal, "a\nb").message, "a b")
        XCTAssertEqual(ProtocolError(.internal, "a\rb").message, "a b")
        // CR LF is one Character, so it becomes one space.
        XCTAssertEqual(ProtocolError(.internal, "a\r\nb").message, "a b")
        XCTAssertEqual(ProtocolError(.internal, "a\n\nb").message, "a  b")
        XCTAssertEqual(ProtocolError(.internal, "\u{0B}\u{0C}\u{85}\u{2028}\u{2029}").message, "     ")
        XCTAssertEqual(ProtocolError(.internal, "tab\tstays").message, "tab\tstays")
        XCTAssertEqual(ProtocolError(.internal, "no change 中文").message, "no change 中文")
    }

    func testDescriptionIsCodeThenMessage() {
        XCTAssertEqual(ProtocolError(.conflict, "id \"a\" already names a different event (seq 2)").description,
                       "conflict id \"a\" already names a different event (seq 2)")
        XCTAssertEqual(ProtocolError(.tooLarge, "x\ny").description, "too-large x y")
    }
}
