import XCTest
@testable import GongkaiJSON

/// UTF-8 checked by decoding and comparing: every ill-formed sequence the standard library's
/// validating initializer refuses is refused, and well-formed text comes back unchanged.
final class UTF8TextTests: XCTestCase {
    private func check(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let expected = String(validating: bytes, as: UTF8.self)
        let got = bytes.withUnsafeBufferPointer { UTF8Text.string(validating: $0) }
        XCTAssertEqual(got, expected, "\(bytes)", file: file, line: line)
        XCTAssertEqual(bytes.withUnsafeBufferPointer { UTF8Text.isValid($0) }, expected != nil, "\(bytes)", file: file, line: line)
    }

    func testWellFormedTextComesBackUnchanged() {
        for text in ["", "abc", "县行政审批局", "é", "😀 ok", "\u{FFFD}", "\u{10FFFF}", "a\u{0}b"] {
            check(Array(text.utf8))
        }
    }

    func testIllFormedSequencesAreRefused() {
        let cases: [[UInt8]] = [
            [0xFF], [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],  // overlong, surrogate
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],  // past U+10FFFF
            [0xE4, 0xB8], [0xF0, 0x9F, 0x98], [0x61, 0xF0, 0x9F, 0x98, 0x61],  // cut short, also mid-text
            [0xEF, 0xBF, 0xBD, 0xFF], [0xE4, 0xB8, 0xAD, 0xE4],
        ]
        for bytes in cases { check(bytes) }
    }

    /// Every 1- and 2-byte sequence, and a sample of 3- and 4-byte ones, agree with the
    /// standard library.
    func testAgreesWithTheStandardLibraryOnShortSequences() {
        for first in 0...255 {
            check([UInt8(first)])
            for second in 0...255 { check([UInt8(first), UInt8(second)]) }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<100_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let count = 3 + Int(state >> 63)
            check((0..<count).map { UInt8(truncatingIfNeeded: state >> (8 * UInt64($0) + 8)) | ($0 == 0 ? 0xC0 : 0x80) })
        }
    }

    /// `isValid` reads ASCII eight bytes at a time: a sequence at every offset around those
    /// words, after and before ASCII, and every lead byte with boundary continuation bytes.
    func testSequencesAtEveryOffsetAndBoundaryBytes() {
        let sequences: [[UInt8]] = [
            Array("中".utf8), Array("😀".utf8), Array("é".utf8), [0xFF], [0x80], [0xE4, 0xB8], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
        ]
        for sequence in sequences {
            for before in 0..<20 {
                for after in [0, 1, 7, 8, 9] {
                    check(Array(repeating: 0x61, count: before) + sequence + Array(repeating: 0x62, count: after))
                }
            }
        }
        let boundaries: [UInt8] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
        for lead in 0xC0...0xFF {
            for second in boundaries {
                for third in boundaries {
                    check([UInt8(lead), second, third])
                    for fourth in boundaries { check([UInt8(lead), second, third, fourth]) }
                }
            }
        }
    }

    /// Same bytes, not the same text: a precomposed letter and its decomposed spelling are
    /// equal Strings but not the same principal.
    func testSameBytesComparesBytesNotCanonicalText() {
        XCTAssertTrue(UTF8Text.sameBytes("office:czj/uid:1000", "office:" + "czj/uid:1000"))
        XCTAssertTrue(UTF8Text.sameBytes("", ""))
        XCTAssertFalse(UTF8Text.sameBytes("office:czj/uid:1000", "office:czj/uid:1001"))
        XCTAssertFalse(UTF8Text.sameBytes("office:czj", "office:czj/uid:1"))
        XCTAssertFalse(UTF8Text.sameBytes("", "a"))
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        XCTAssertEqual(composed, decomposed)
        XCTAssertFalse(UTF8Text.sameBytes(composed, decomposed))
        XCTAssertTrue(UTF8Text.sameBytes("单位", "单位"))
    }
}
