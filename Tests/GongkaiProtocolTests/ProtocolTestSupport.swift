import XCTest
@testable import GongkaiProtocol

func assertRequest(_ line: [UInt8], _ expected: Request, file: StaticString = #filePath, line sourceLine: UInt = #line) {
    XCTAssertEqual(Result { try Request.parse(line) }.mapError { $0 as! ProtocolError }, .success(expected),
                   "line \(String(decoding: line, as: UTF8.self).debugDescription)", file: file, line: sourceLine)
}

func assertRequest(_ line: String, _ expected: Request, file: StaticString = #filePath, line sourceLine: UInt = #line) {
    assertRequest(Array(line.utf8), expected, file: file, line: sourceLine)
}

/// Asserts the line is refused with `code`, and with exactly `message` when one is given.
func assertRefused(_ line: [UInt8], _ code: ErrorCode, _ message: String? = nil,
                   file: StaticString = #filePath, line sourceLine: UInt = #line) {
    do {
        let request = try Request.parse(line)
        XCTFail("\(line) parsed as \(request)", file: file, line: sourceLine)
    } catch let error as ProtocolError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: sourceLine)
        if let message { XCTAssertEqual(error.message, message, file: file, line: sourceLine) }
    } catch {
        XCTFail("not a ProtocolError: \(error)", file: file, line: sourceLine)
    }
}

func assertRefused(_ line: String, _ code: ErrorCode, _ message: String? = nil,
                   file: StaticString = #filePath, line sourceLine: UInt = #line) {
    assertRefused(Array(line.utf8), code, message, file: file, line: sourceLine)
}

/// Parses an event, expecting success.
func envelope(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> EventEnvelope {
    try EventEnvelope.parse(Array(json.utf8))
}

/// Asserts an event is refused with `code`, and with exactly `message` when one is given.
func assertEventRefused(_ json: [UInt8], _ code: ErrorCode, _ message: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
    do {
        let event = try EventEnvelope.parse(json)
        XCTFail("accepted event with id \(event.id.debugDescription)", file: file, line: line)
    } catch let error as ProtocolError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
    } catch {
        XCTFail("not a ProtocolError: \(error)", file: file, line: line)
    }
}

func assertEventRefused(_ json: String, _ code: ErrorCode, _ message: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
    assertEventRefused(Array(json.utf8), code, message, file: file, line: line)
}
