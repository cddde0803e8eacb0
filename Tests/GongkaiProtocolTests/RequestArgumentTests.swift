import XCTest
@testable import GongkaiProtocol

/// Numbers in requests are positive decimal integers; READ's limit has a default and a maximum.
final class RequestArgumentTests: XCTestCase {
    func testReadLimitDefaultsTo1000AndAllowsUpTo10000() {
        XCTAssertEqual(ProtocolLimits.defaultReadLimit, 1000)
        XCTAssertEqual(ProtocolLimits.maxReadLimit, 10000)
        assertRequest("READ 1", .read(from: 1, limit: 1000))
        assertRequest("READ 1 1", .read(from: 1, limit: 1))
        assertRequest("READ 1 10000", .read(from: 1, limit: 10000))
        assertRefused("READ 1 10001", .badRequest, "limit 10001 is over the maximum 10000")
        assertRefused("READ 1 9007199254740991", .badRequest, "limit 9007199254740991 is over the maximum 10000")
        assertRefused("READ 1 0", .badRequest, "limit must be at least 1")
    }

    func testZeroIsRefusedBecauseSeqStartsAtOne() {
        assertRefused("GET 0", .badRequest, "seq must be at least 1 (seq starts at 1)")
        assertRefused("READ 0", .badRequest, "from must be at least 1 (seq starts at 1)")
        assertRefused("TAIL 0", .badRequest, "from must be at least 1 (seq starts at 1)")
        assertRefused("GET 00000", .badRequest, "seq must be at least 1 (seq starts at 1)")
    }

    func testSignsAndNonDigitsAreRefused() {
        assertRefused("GET -1", .badRequest, "seq must be a positive integer up to 9007199254740991, got \"-1\"")
        assertRefused("GET +1", .badRequest, "seq must be a positive integer up to 9007199254740991, got \"+1\"")
        assertRefused("GET 1.0", .badRequest, "seq must be a positive integer up to 9007199254740991, got \"1.0\"")
        assertRefused("GET 1e3", .badRequest)
        assertRefused("GET 0x10", .badRequest)
        assertRefused("GET abc", .badRequest, "seq must be a positive integer up to 9007199254740991, got \"abc\"")
        assertRefused("GET 1_000", .badRequest)
        assertRefused("READ x", .badRequest, "from must be a positive integer up to 9007199254740991, got \"x\"")
        assertRefused("READ 1 -5", .badRequest, "limit must be a positive integer up to 9007199254740991, got \"-5\"")
        assertRefused("TAIL one", .badRequest, "from must be a positive integer up to 9007199254740991, got \"one\"")
        // Answers are JSON: a seq past 2^53 − 1 would come back rounded (READ's `next` fell
        // below its `from`).
        assertRefused("READ 9007199254740992 1", .badRequest, "from must be a positive integer up to 9007199254740991, got \"9007199254740992\"")
        assertRefused("GET 18446744073709551615", .badRequest)
        XCTAssertNoThrow(try Request.parse(Array("GET 9007199254740991".utf8)))
        // Digits outside ASCII (fullwidth, Arabic-Indic) and a digit with a combining mark.
        assertRefused("GET ５", .badRequest)
        assertRefused("GET ٣", .badRequest)
        assertRefused("GET 5\u{301}", .badRequest)
    }

    func testTheLargestExactJSONIntegerIsTheLimit() {
        assertRequest("GET 9007199254740991", .get(seq: ProtocolLimits.maxSeq))
        assertRefused("GET 18446744073709551616", .badRequest, "seq must be a positive integer up to 9007199254740991, got \"18446744073709551616\"")
        assertRefused("TAIL 99999999999999999999", .badRequest)
        assertRefused("GET 1000000000000000000000000000000", .badRequest)
    }

    func testLongArgumentIsQuotedOnlyInPart() {
        let long = String(repeating: "9", count: 100)
        assertRefused("GET " + long, .badRequest, "seq must be a positive integer up to 9007199254740991, got \"\(String(repeating: "9", count: 40))\"")
    }

    func testLeadingZerosAreReadAsDecimal() {
        // The daemon's current choice: "007" is the decimal integer 7 (no octal).
        assertRequest("GET 007", .get(seq: 7))
        assertRequest("READ 010 0100", .read(from: 10, limit: 100))
    }

    /// FIND takes one event id, as an event's `id` may be (1–128 visible characters).
    func testFindTakesOneEventId() {
        assertRequest("FIND czj-2023-05-001", .find(id: "czj-2023-05-001"))
        assertRequest("find 东山-问询-7", .find(id: "东山-问询-7"))
        assertRefused("FIND", .badRequest, "usage: FIND <id>")
        assertRefused("FIND a b", .badRequest, "usage: FIND <id>")
        assertRefused("FIND " + String(repeating: "x", count: 129), .badRequest, "id: 129 characters; at most 128")
        assertRefused("FIND a\u{200B}b", .badRequest, "id: character U+200B is not visible")
    }

    func testMissingAndExtraArguments() {
        assertRefused("GET", .badRequest, "usage: GET <seq>")
        assertRefused("GET 1 2", .badRequest, "usage: GET <seq>")
        assertRefused("READ", .badRequest, "usage: READ <from> [<limit>]")
        assertRefused("READ 1 2 3", .badRequest, "usage: READ <from> [<limit>]")
        assertRefused("TAIL", .badRequest, "usage: TAIL <from>")
        assertRefused("TAIL 1 2", .badRequest, "usage: TAIL <from>")
        assertRefused("PING now", .badRequest, "usage: PING")
        assertRefused("HELP me", .badRequest, "usage: HELP")
        assertRefused("HEAD 1", .badRequest, "usage: HEAD")
        assertRefused("STATS x", .badRequest, "usage: STATS")
        assertRefused("WHOAMI ?", .badRequest, "usage: WHOAMI")
        assertRefused("APPEND", .badRequest, "APPEND needs an event: APPEND {\"id\":...}")
        assertRefused("APPEND    ", .badRequest, "APPEND needs an event: APPEND {\"id\":...}")
    }
}

/// Found by fuzz-request: Unicode that makes one Character of a mark and a space, and case
/// mappings outside ASCII, must not change how a line splits or which option or verb it names.
final class RequestUnicodeArgumentTests: XCTestCase {
    func testASpaceNextToAMarkStillSeparatesArguments() {
        // U+0600 (a prepended mark) and the space after it form one Character.
        assertRefused("COMPLIANCE x\u{600} y", .badRequest)
        assertRequest("COMPLIANCE czj\u{301}", .compliance(unit: "czj\u{301}", options: QueryOptions()))
        assertRefused("GET 5\u{600} 6", .badRequest)
    }

    func testOptionKeysAndProofKindsFoldOnlyASCII() {
        assertRequest("COMPLIANCE czj KNOWN=5", .compliance(unit: "czj", options: QueryOptions(known: 5)))
        // The Kelvin sign K (U+212A) lowercases to "k" under Unicode rules.
        assertRefused("COMPLIANCE czj \u{212A}nown=5", .badRequest)
        assertRequest("PROOF inclusion 1 2", .proofInclusion(seq: 1, size: 2))
        // A dotless ı uppercases to I under Unicode rules.
        assertRefused("PROOF \u{131}nclus\u{131}on 1 2", .badRequest)
    }
}
