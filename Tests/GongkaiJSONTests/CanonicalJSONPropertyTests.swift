import XCTest
@testable import GongkaiJSON

/// Seeded random JSON values: canonical bytes are stable under parse → encode, and any
/// equivalent spelling (whitespace, key order, escapes, number notation) canonicalises the same.
final class CanonicalJSONPropertyTests: XCTestCase {
    private static let scalarPool: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}",
        "\u{7F}", "\u{80}", "é", "\u{301}", "中", "\u{2028}", "\u{FEFF}", "\u{FB33}", "\u{FFFF}",
        "\u{1F600}", "\u{10FFFF}",
    ]

    /// Plain keys and strings, where only key order, whitespace and numbers can differ.
    private static let plainPool: [Unicode.Scalar] = ["a", "b", "Z", "0", "_"]

    struct Generator {
        var random: SplitMix64
        var pool: [Unicode.Scalar] = CanonicalJSONPropertyTests.scalarPool

        mutating func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }

        mutating func string() -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<pick(8) { scalars.append(pool[pick(pool.count)]) }
            return String(scalars)
        }

        mutating func number() -> Double {
            switch pick(4) {
            case 0: return Double(Int64(bitPattern: random.next()) >> Int64(pick(63)))
            case 1: return Double(pick(2_000_001) - 1_000_000) / Double([1, 10, 100, 1000, 1e7][pick(5)])
            default:
                while true {
                    let number = Double(bitPattern: random.next())
                    if number.isFinite { return number }
                }
            }
        }

        mutating func value(depth: Int) -> JSONValue {
            switch pick(depth >= 4 ? 4 : 6) {
            case 0: return [nil, true, false][pick(3)]
            case 1: return .number(number())
            case 2, 3: return .string(string())
            case 4: return .array((0..<pick(5)).map { _ in value(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<pick(6) { members[string()] = value(depth: depth + 1) }
                return .object(members)
            }
        }

        /// The same value written the long way round.
        mutating func noisy(_ value: JSONValue) -> String {
            let space = [" ", "", "\n", "\t", "\r\n  "][pick(5)]
            switch value {
            case .null: return space + "null"
            case .bool(let flag): return space + (flag ? "true" : "false")
            case .number(let number): return space + number.description // e.g. "1e-05", "-0.0", "1.0"
            case .string(let text): return space + noisyString(text)
            case .array(let items): return "[" + items.map { noisy($0) + space }.joined(separator: ",") + "]"
            case .object(let members):
                var keys = Array(members.keys)
                keys.shuffle(using: &random)
                return space + "{" + keys.map { noisyString($0) + space + ":" + noisy(members[$0]!) }.joined(separator: ",") + space + "}"
            }
        }

        /// Canonical text but for the order of object members, shuffled at every level.
        mutating func reordered(_ value: JSONValue) -> String {
            switch value {
            case .array(let items): return "[" + items.map { reordered($0) }.joined(separator: ",") + "]"
            case .object(let members):
                var keys = Array(members.keys)
                keys.shuffle(using: &random)
                return "{" + keys.map { CanonicalJSON.encodeString(.string($0)) + ":" + reordered(members[$0]!) }.joined(separator: ",") + "}"
            default: return CanonicalJSON.encodeString(value)
            }
        }

        mutating func noisyString(_ text: String) -> String {
            var output = "\""
            for scalar in text.unicodeScalars {
                let escape = pick(3) == 0
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "/": output += escape ? "\\/" : "/"
                case _ where scalar.value < 0x20 || escape:
                    for unit in String(scalar).utf16 { output += String(format: pick(2) == 0 ? "\\u%04x" : "\\u%04X", unit) }
                default: output.unicodeScalars.append(scalar)
                }
            }
            return output + "\""
        }
    }

    func testEncodeParseEncodeIsStable() throws {
        var generator = Generator(random: SplitMix64(seed: 0x6B6F_6E67))
        for round in 0..<2_000 {
            let value = generator.value(depth: 0)
            let bytes = CanonicalJSON.encode(value)
            let parsed = try JSONParser.parse(bytes)
            XCTAssertEqual(parsed, value, "round \(round)")
            XCTAssertEqual(CanonicalJSON.encode(parsed), bytes, "round \(round)")
        }
    }

    func testEquivalentSpellingsCanonicaliseIdentically() throws {
        var generator = Generator(random: SplitMix64(seed: 8785))
        for round in 0..<2_000 {
            let value = generator.value(depth: 0)
            let noisy = generator.noisy(value)
            let parsed: JSONValue
            do {
                parsed = try JSONParser.parse(noisy)
            } catch {
                XCTFail("round \(round): \(error) in \(noisy)")
                continue
            }
            XCTAssertEqual(CanonicalJSON.encode(parsed), CanonicalJSON.encode(value), "round \(round): \(noisy)")
        }
    }

    /// An append stores the bytes it was sent when the parser calls them canonical: that must
    /// never be said of any other spelling.
    func testOnlyTheCanonicalSpellingIsCalledCanonical() throws {
        try checkOnlyTheCanonicalSpellingIsCalledCanonical(Generator(random: SplitMix64(seed: 0x4A43_53)))
        try checkOnlyTheCanonicalSpellingIsCalledCanonical(Generator(random: SplitMix64(seed: 0x4A43_54), pool: Self.plainPool))
    }

    private func checkOnlyTheCanonicalSpellingIsCalledCanonical(_ generator: Generator) throws {
        var generator = generator
        var calledCanonical = 0
        for round in 0..<4_000 {
            let value = generator.value(depth: 0)
            let noisy = Array(generator.noisy(value).utf8)
            let parsed = try JSONParser.parseNotingCanonical(noisy)
            if parsed.isCanonical {
                calledCanonical += 1
                XCTAssertEqual(CanonicalJSON.encode(parsed.value), noisy, "round \(round): \(String(decoding: noisy, as: UTF8.self))")
            }
        }
        XCTAssertGreaterThan(calledCanonical, 100, "the noisy spellings include canonical ones, by chance")
    }

    /// Member order alone decides, when nothing else differs: the same members in another
    /// order are not canonical.
    func testMembersOutOfOrderAreNotCalledCanonical() throws {
        var generator = Generator(random: SplitMix64(seed: 0x6F72_6465), pool: Self.plainPool)
        var outOfOrder = 0
        for round in 0..<4_000 {
            let value = generator.value(depth: 0)
            let text = Array(generator.reordered(value).utf8)
            let isCanonical = CanonicalJSON.encode(value) == text
            if !isCanonical { outOfOrder += 1 }
            XCTAssertEqual(try JSONParser.parseNotingCanonical(text).isCanonical, isCanonical, "round \(round): \(String(decoding: text, as: UTF8.self))")
        }
        XCTAssertGreaterThan(outOfOrder, 200)
    }

    /// The fast path is taken for canonical text without escapes or non-ASCII keys, which is
    /// what clients send; else every append would pay for encoding again, unnoticed.
    func testPlainCanonicalTextIsCalledCanonical() throws {
        var generator = Generator(random: SplitMix64(seed: 0x6661_7374))
        var plain = 0
        for round in 0..<4_000 {
            let bytes = CanonicalJSON.encode(generator.value(depth: 0))
            guard !bytes.contains(where: { $0 == 0x5C || $0 >= 0x80 }) else { continue }
            plain += 1
            XCTAssertTrue(try JSONParser.parseNotingCanonical(bytes).isCanonical, "round \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
        XCTAssertGreaterThan(plain, 500)
    }
}
