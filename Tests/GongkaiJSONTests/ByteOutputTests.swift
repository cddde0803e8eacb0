import GongkaiJSON
import XCTest

/// The byte writers of the hot paths spell text exactly as the String APIs they replace.
final class ByteOutputTests: XCTestCase {
    func testDecimalIsStringsSpelling() {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1_000, 65_535, 9_007_199_254_740_992,
                                UInt64(Int64.max), UInt64.max - 1, UInt64.max]
        var random = SplitMix64(seed: 10)
        values += (0..<1_000).map { _ in random.next() >> (random.next() % 64) }
        for value in values {
            var output: [UInt8] = [0x41]
            output.append(decimal: value)
            XCTAssertEqual(output, [0x41] + Array(String(value).utf8), "\(value)")
        }
    }

    func testHexLiteralAndUTF8() {
        let bytes: [UInt8] = [0x00, 0x0F, 0x10, 0x7F, 0x80, 0xAB, 0xFF]
        var output: [UInt8] = []
        bytes.withUnsafeBytes { output.append(lowercaseHexOf: $0) }
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "000f107f80abff")
        output.removeAll()
        output.append(literal: #"{"by":"#)
        output.append(utf8: "公开 ok")
        XCTAssertEqual(output, Array(#"{"by":公开 ok"#.utf8))
    }
}
