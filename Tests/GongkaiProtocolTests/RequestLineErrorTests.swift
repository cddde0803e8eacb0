import XCTest
@testable import GongkaiProtocol

/// Lines refused before any verb is looked at, and unknown verbs (PROTOCOL.md "Which error for which input").
final class RequestLineErrorTests: XCTestCase {
    func testEmptyAndSpaceOnlyLines() {
        assertRefused([], .badRequest, "empty line")
        assertRefused(" ", .badRequest, "empty line")
        assertRefused("        ", .badRequest, "empty line")
    }

    func testControlBytesOtherThanTab() {
        for byte in UInt8(0)..<0x20 where byte != 0x09 {
            assertRefused(Array("PING".utf8) + [byte], .badRequest, "line contains a control character")
            assertRefused([byte] + Array("PING".utf8), .badRequest, "line contains a control character")
        }
        assertRefused("GET 1\0", .badRequest, "line contains a control character")
        assertRefused(Array("APPEND {\"a\":\"".utf8) + [0x00] + Array("\"}".utf8), .badRequest, "line contains a control character")
        assertRefused("PING\r", .badRequest, "line contains a control character")
        assertRefused("PING\n", .badRequest, "line contains a control character")
    }

    func testDelIsAControlByte() {
        assertRefused([0x50, 0x49, 0x4E, 0x47, 0x7F], .badRequest, "line contains a control character")
        assertRefused(Array("APPEND {\"a\":\"".utf8) + [0x7F] + Array("\"}".utf8), .badRequest, "line contains a control character")
    }

    func testInvalidUTF8() {
        let cases: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE4, 0xB8], [0x80], [0xF4, 0x90, 0x80, 0x80]]
        for bad in cases {
            assertRefused(Array("PING ".utf8) + bad, .badRequest, "line is not valid UTF-8")
            assertRefused(Array("APPEND {\"a\":\"".utf8) + bad + Array("\"}".utf8), .badRequest, "line is not valid UTF-8")
        }
    }

    func testControlByteIsReportedBeforeInvalidUTF8() {
        assertRefused([0xFF, 0x00], .badRequest, "line contains a control character")
    }

    func testUnknownVerbs() {
        assertRefused("FROB", .unknownVerb, "unknown verb FROB; HELP lists the verbs")
        assertRefused("frob 1 2", .unknownVerb, "unknown verb FROB; HELP lists the verbs")
        assertRefused("PINGPING", .unknownVerb, "unknown verb PINGPING; HELP lists the verbs")
        assertRefused("P ING", .unknownVerb, "unknown verb P; HELP lists the verbs")
        assertRefused("{\"id\":1}", .unknownVerb)
        assertRefused("中文", .unknownVerb, "unknown verb 中文; HELP lists the verbs")
        // A leading space leaves no verb.
        assertRefused(" PING", .badRequest, "line starts with a space; expected a verb")
        // Case folding is ASCII only: a dotless ı or a long ſ does not make a known verb.
        assertRefused("pıng", .unknownVerb)
        assertRefused("ſtats", .unknownVerb)
    }

    func testLongUnknownVerbIsShortened() {
        let verb = String(repeating: "X", count: 50)
        assertRefused(verb, .unknownVerb, "unknown verb \(String(repeating: "X", count: 32))…; HELP lists the verbs")
        assertRefused(String(repeating: "Y", count: 32), .unknownVerb, "unknown verb \(String(repeating: "Y", count: 32)); HELP lists the verbs")
    }
}
