import XCTest
@testable import GongkaiJSON

/// The scanner must agree with JSONParser on every member it reads exactly, call everything
/// else `.other`, and never trap, whatever the bytes.
final class CanonicalObjectScannerTests: XCTestCase {
    private typealias Value = CanonicalObjectScanner.Value

    private func scan(_ bytes: [UInt8]) -> (ok: Bool, members: [(key: String, value: Value)]) {
        bytes.withUnsafeBufferPointer { buffer in
            var members: [(String, Value)] = []
            let ok = CanonicalObjectScanner.members(of: buffer, in: 0..<buffer.count) { key, value in
                members.append((String(decoding: UnsafeBufferPointer(rebasing: buffer[key]), as: UTF8.self), value))
                return true
            }
            return (ok, members)
        }
    }

    private func needsEscape(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    func testMembersAgreeWithTheParserOnRandomObjects() throws {
        var generator = CanonicalJSONPropertyTests.Generator(random: SplitMix64(seed: 0x5CA7))
        var kinds: Set<String> = []
        for _ in 0..<4_000 {
            var members: [String: JSONValue] = [:]
            for _ in 0..<generator.pick(7) {
                let key = generator.pick(3) == 0 ? "k\(generator.pick(100))" : generator.string()
                switch generator.pick(6) {
                case 0: members[key] = .number(Double(generator.pick(1 << 40)))
                case 1: members[key] = .number(Double(UInt64.max) * Double(1 + generator.pick(50)))  // digits past UInt64, below 1e21
                default: members[key] = generator.value(depth: 1)
                }
            }
            let bytes = CanonicalJSON.encode(.object(members))
            let (ok, scanned) = scan(bytes)
            let keysPlain = !members.keys.contains(where: needsEscape)
            XCTAssertEqual(ok, keysPlain, String(decoding: bytes, as: UTF8.self))
            guard ok else { continue }
            XCTAssertEqual(scanned.map(\.key), CanonicalJSON.sortedKeys(members))
            for (key, value) in scanned {
                let member = try XCTUnwrap(members[key])
                switch value {
                case .string(let range):
                    kinds.insert("string")
                    XCTAssertEqual(.string(String(decoding: bytes[range], as: UTF8.self)), member)
                    XCTAssertFalse(needsEscape(member.stringValue ?? ""))
                case .integer(let number):
                    kinds.insert("integer")
                    XCTAssertEqual(member, .number(Double(number)))
                case .bool(let flag):
                    kinds.insert("bool")
                    XCTAssertEqual(member, .bool(flag))
                case .object(let range):
                    kinds.insert("object")
                    XCTAssertEqual(try JSONParser.parse(Array(bytes[range])), member)
                case .other:
                    kinds.insert("other")
                    switch member {
                    case .null, .array: break
                    case .string(let text): XCTAssertTrue(needsEscape(text), "a plain string is read: \(text)")
                    case .number(let number): XCTAssertFalse(number >= 0 && number == number.rounded() && number < 1e15 && !(number == 0 && number.sign == .minus),
                                                             "a plain whole number is read: \(number)")
                    default: XCTFail("\(member) should have been read")
                    }
                }
            }
        }
        XCTAssertEqual(kinds, ["string", "integer", "bool", "object", "other"], "every kind of value was met")
    }

    func testNumbersThatAreNotPlainWholeNumbersAreOther() {
        let (ok, members) = scan(Array(#"{"a":-1,"b":1.5,"c":1e+21,"d":0,"e":18446744073709551615}"#.utf8))
        XCTAssertTrue(ok)
        XCTAssertEqual(members.map(\.value), [.other, .other, .other, .integer(0), .integer(UInt64.max)])
        XCTAssertEqual(scan(Array(#"{"a":18446744073709551616,"b":1}"#.utf8)).members.map(\.value), [.other, .integer(1)],
                       "past UInt64: not read, and not wrapped")
        XCTAssertEqual(scan(Array(#"{"a":100000000000000000000}"#.utf8)).members.first?.value, .other, "1e20 in canonical form")
        XCTAssertEqual(scan(Array(#"{"a":012}"#.utf8)).members.first?.value, .other, "a leading zero is not canonical")
    }

    func testWhitespaceEscapedKeysAndDeepNestingAreRefused() {
        XCTAssertFalse(scan(Array(#"{ "a":1}"#.utf8)).ok)
        XCTAssertFalse(scan(Array(#"{"a" :1}"#.utf8)).ok)
        XCTAssertFalse(scan(Array(#"{"a\"b":1}"#.utf8)).ok)
        let deep = #"{"a":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        XCTAssertFalse(scan(Array(deep.utf8)).ok)
        let fine = #"{"a":"# + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "}"
        XCTAssertEqual(scan(Array(fine.utf8)).members.first?.value, .other)
        XCTAssertTrue(scan(Array("{}".utf8)).ok)
        XCTAssertFalse(scan(Array("[]".utf8)).ok)
    }

    func testEveryTruncationAndEveryDamagedByteIsSafe() {
        let record = Array(#"{"by":"uid:0","event":{"at":"2023-05-06","days":3,"id":"e\"1","list":[1,{"x":null}],"simple":true},"seq":12}"#.utf8)
        XCTAssertTrue(scan(record).ok)
        for length in 0..<record.count {
            XCTAssertFalse(scan(Array(record[..<length])).ok, "prefix of \(length) bytes")
        }
        for index in record.indices {
            for byte: UInt8 in [0x00, 0x22, 0x2C, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x31, 0x74] {
                var damaged = record
                damaged[index] = byte
                _ = scan(damaged)  // must return, whatever it says
            }
        }
    }
}
