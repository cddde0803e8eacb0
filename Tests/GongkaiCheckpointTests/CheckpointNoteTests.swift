import Foundation
import GongkaiCheckpoint
import GongkaiMerkle
import XCTest

/// Signed checkpoints: round trips, rejection of other keys and of every altered byte,
/// strict parsing, and a fixed vector computed outside this code.
final class CheckpointNoteTests: XCTestCase {
    /// The vector was computed once with Python's `cryptography` package (OpenSSL's Ed25519),
    /// independently of swift-crypto, by this script:
    ///
    ///     seed = bytes(range(32)); name = "gongkai.example/vector"
    ///     sk = Ed25519PrivateKey.from_private_bytes(seed)
    ///     pub = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ///     h = sha256(name.encode() + b"\n" + b"\x01" + pub).digest()[:4]
    ///     verifier = f"{name}+{h.hex()}+" + b64encode(b"\x01" + pub).decode()
    ///     signer = f"PRIVATE+KEY+{name}+{h.hex()}+" + b64encode(b"\x01" + seed).decode()
    ///     root = sha256(b"gongkai checkpoint vector").digest()
    ///     body = f"{name}\n12345\n" + b64encode(root).decode() + "\n"
    ///     note = body + "\n" + "\u2014 " + name + " " + b64encode(h + sk.sign(body.encode())).decode() + "\n"
    enum Vector {
        static let seed = [UInt8](0..<32)
        static let name = "gongkai.example/vector"
        static let publicKeyHex = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
        static let keyHash = "7af65c8f"
        static let verifier = "gongkai.example/vector+7af65c8f+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
        static let signer = "PRIVATE+KEY+gongkai.example/vector+7af65c8f+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
        static let rootBase64 = "cYsG0MrtxCnXJ6yCRfIn+QoD0CvS6WoYoUSx9qV1WSA="
        static let note = "gongkai.example/vector\n12345\ncYsG0MrtxCnXJ6yCRfIn+QoD0CvS6WoYoUSx9qV1WSA=\n\n"
            + "\u{2014} gongkai.example/vector evZcj2GYr9AiOagAeI4h1ZeZFg9jS8BiK5DjN7LiLap55aFeKaL1vVs0lKJK/LLg0oTgSssKn7hR+yEMGRZ4Vw3NrQo=\n"
    }

    func checkpoint(size: UInt64 = 42, origin: String = "gongkai.example/log") throws -> Checkpoint {
        try Checkpoint(origin: origin, size: size, root: RFC6962.leafHash(Array("record \(size)".utf8)))
    }

    func testKeyHashAndEncodingsMatchTheFixedVector() throws {
        let keys = try CheckpointKeys.make(name: Vector.name, seed: Vector.seed)
        XCTAssertEqual(keys.signer, Vector.signer)
        XCTAssertEqual(keys.verifier, Vector.verifier)
        let publicKey = stride(from: 0, to: 64, by: 2).map { offset -> UInt8 in
            let start = Vector.publicKeyHex.index(Vector.publicKeyHex.startIndex, offsetBy: offset)
            return UInt8(Vector.publicKeyHex[start..<Vector.publicKeyHex.index(start, offsetBy: 2)], radix: 16)!
        }
        XCTAssertEqual(CheckpointKeys.keyHash(name: Vector.name, publicKey: publicKey), 0x7af6_5c8f)

        let signer = try CheckpointSigner(key: Vector.signer)
        XCTAssertEqual(signer.keyName, Vector.name)
        XCTAssertEqual(signer.keyHash, Vector.keyHash)
        XCTAssertEqual(signer.verifierKey, Vector.verifier)
        let verifier = try CheckpointVerifier(key: Vector.verifier)
        XCTAssertEqual(verifier.keyHash, Vector.keyHash)

        // The note signed by the independent implementation verifies here.
        let checkpoint = try verifier.verify(note: Vector.note)
        XCTAssertEqual(checkpoint.origin, Vector.name)
        XCTAssertEqual(checkpoint.size, 12345)
        XCTAssertEqual(checkpoint.root.base64, Vector.rootBase64)
        // RFC 8032 signatures are deterministic; BoringSSL (Linux) follows it, CryptoKit adds randomness.
        #if os(Linux)
        XCTAssertEqual(signer.sign(checkpoint), Vector.note)
        #endif
        XCTAssertEqual(try verifier.verify(note: signer.sign(checkpoint)), checkpoint)
    }

    func testRoundTrip() throws {
        let keys = try CheckpointKeys.generate(name: "gongkai.example/log")
        let signer = try CheckpointSigner(key: keys.signer)
        XCTAssertEqual(signer.verifierKey, keys.verifier)
        let verifier = try CheckpointVerifier(key: keys.verifier)
        for size: UInt64 in [0, 1, 42, 1 << 40, .max] {
            let checkpoint = try checkpoint(size: size)
            let note = signer.sign(checkpoint)
            XCTAssertTrue(note.hasPrefix(checkpoint.body + "\n\u{2014} gongkai.example/log "))
            XCTAssertTrue(note.hasSuffix("\n"))
            XCTAssertEqual(note.split(separator: "\n", omittingEmptySubsequences: false).count, 6)
            XCTAssertEqual(try verifier.verify(note: note), checkpoint)
            XCTAssertEqual(try Checkpoint(body: checkpoint.body), checkpoint)
        }
        XCTAssertEqual(try checkpoint(size: 7).body,
                       "gongkai.example/log\n7\n\(RFC6962.leafHash(Array("record 7".utf8)).base64)\n")
    }

    func testANoteSignedByAnotherKeyIsRejected() throws {
        let mine = try CheckpointKeys.generate(name: "gongkai.example/log")
        let other = try CheckpointKeys.generate(name: "someone.else/log")
        let sameName = try CheckpointKeys.generate(name: "gongkai.example/log")
        let verifier = try CheckpointVerifier(key: mine.verifier)
        let checkpoint = try checkpoint()
        for key in [other.signer, sameName.signer] {
            let note = try CheckpointSigner(key: key).sign(checkpoint)
            XCTAssertThrowsError(try verifier.verify(note: note)) { error in
                XCTAssertEqual(error as? CheckpointError, .missingSignature(keyName: verifier.keyName, keyHash: verifier.keyHash))
            }
        }
        // Another key's signature under my name and key hash: the signature itself fails.
        let mineSigned = try CheckpointSigner(key: mine.signer).sign(checkpoint)
        let forgedLine = try signatureLine(of: try CheckpointSigner(key: sameName.signer).sign(checkpoint), keyHash: verifier.keyHash)
        XCTAssertThrowsError(try verifier.verify(note: checkpoint.body + "\n" + forgedLine)) { error in
            XCTAssertEqual(error as? CheckpointError, .badSignature(keyName: verifier.keyName, keyHash: verifier.keyHash))
            XCTAssertTrue("\(error)".contains("does not verify"), "\(error)")
        }
        // Cosigned: another key's line beside mine is ignored.
        let cosigned = mineSigned + (try signatureLine(of: try CheckpointSigner(key: other.signer).sign(checkpoint), keyHash: nil))
        XCTAssertEqual(try verifier.verify(note: cosigned), checkpoint)
        XCTAssertEqual(try CheckpointVerifier(key: other.verifier).verify(note: cosigned), checkpoint)
    }

    /// The note's signature line, with its 4-byte key hash replaced when `keyHash` is given.
    func signatureLine(of note: String, keyHash: String?) throws -> String {
        let line = String(note.split(separator: "\n").last!) + "\n"
        guard let keyHash else { return line }
        let fields = line.dropLast().split(separator: " ")
        var bytes = [UInt8](Data(base64Encoded: String(fields[2]))!)
        for i in 0..<4 { bytes[i] = UInt8(keyHash.dropFirst(2 * i).prefix(2), radix: 16)! }
        return "\(fields[0]) \(fields[1]) \(Data(bytes).base64EncodedString())\n"
    }

    func testEveryChangedByteOfBodyOrSignatureIsRejected() throws {
        let keys = try CheckpointKeys.generate(name: "gongkai.example/log")
        let verifier = try CheckpointVerifier(key: keys.verifier)
        let note = try CheckpointSigner(key: keys.signer).sign(try checkpoint(size: 123_456))
        let bytes = Array(note.utf8)
        XCTAssertNoThrow(try verifier.verify(note: note))
        var rejected = 0
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x02, 0x04, 0x10, 0x80] {
                var changed = bytes
                changed[index] ^= flip
                let text = String(decoding: changed, as: UTF8.self)
                XCTAssertThrowsError(try verifier.verify(note: text), "byte \(index) ^ \(flip)")
                rejected += 1
            }
            // Dropping or doubling a byte is rejected too.
            var dropped = bytes
            dropped.remove(at: index)
            XCTAssertThrowsError(try verifier.verify(note: String(decoding: dropped, as: UTF8.self)), "byte \(index) dropped")
            var doubled = bytes
            doubled.insert(bytes[index], at: index)
            XCTAssertThrowsError(try verifier.verify(note: String(decoding: doubled, as: UTF8.self)), "byte \(index) doubled")
        }
        XCTAssertEqual(rejected, 5 * bytes.count)
    }

    func testMalformedNotesAreRejectedWithClearErrors() throws {
        let keys = try CheckpointKeys.make(name: Vector.name, seed: Vector.seed)
        let verifier = try CheckpointVerifier(key: keys.verifier)
        let note = Vector.note
        let body = "gongkai.example/vector\n12345\n\(Vector.rootBase64)\n"
        let line = String(note.dropFirst(body.count + 1))
        let cases: [(String, String)] = [
            ("", "must end with a newline"),
            (body, "no empty line"),
            (String(note.dropLast()), "must end with a newline"),
            (body + "\n", "no signature lines"),
            (body + "\n" + "- " + line.dropFirst(2), "does not start with"),
            (body + "\n" + line.replacingOccurrences(of: "\u{2014} ", with: "\u{2014}"), "does not start with"),
            (body + "\n" + line.replacingOccurrences(of: " evZ", with: "  evZ"), "is not \"— <key name> <base64>\""),
            (body + "\n" + line.replacingOccurrences(of: "vector ", with: "vector"), "is not \"— <key name> <base64>\""),
            (body + "\n" + line.replacingOccurrences(of: "Qo=\n", with: "Qo=\n\n"), "no signature lines"),
            (body + "\n" + line.replacingOccurrences(of: "Qo=", with: "Qo"), "does not carry base64"),
            (body + "\n" + line.replacingOccurrences(of: "Qo=", with: "Qp="), "does not carry base64"),
            (body + "\n\u{2014} \(Vector.name) AAAA\n", "does not carry base64"),
            (body + "\n\u{2014} \(Vector.name) \n", "does not carry base64"),
            (note.replacingOccurrences(of: "\n", with: "\r\n"), "control character"),
            (note.replacingOccurrences(of: "12345", with: "12\t345"), "control character"),
            (note + String(repeating: line, count: 100), "more than 100"),
        ]
        // An extra empty line moves it into the signed text, which the signature no longer covers.
        XCTAssertThrowsError(try verifier.verify(note: body + "\n\n" + line)) { error in
            XCTAssertEqual(error as? CheckpointError, .badSignature(keyName: Vector.name, keyHash: Vector.keyHash))
        }
        for (text, expected) in cases {
            XCTAssertThrowsError(try verifier.verify(note: text), text.debugDescription) { error in
                guard case .malformedNote = error as? CheckpointError else { return XCTFail("\(error) for \(text.debugDescription)") }
                XCTAssertTrue("\(error)".contains(expected), "\(error) for \(text.debugDescription)")
            }
        }
    }

    func testParseAcceptsExactlyTheCheckpointForm() throws {
        let root = Vector.rootBase64
        XCTAssertEqual(try Checkpoint(body: "o\n0\n\(root)\n").size, 0)
        XCTAssertEqual(try Checkpoint(body: "o\n18446744073709551615\n\(root)\n").size, .max)
        XCTAssertEqual(try Checkpoint(body: "https://example.org/日志 1\n9\n\(root)\n").origin, "https://example.org/日志 1")
        let cases: [(String, String)] = [
            ("o\n5\n\(root)\nextension line\n", "expected 3 lines"),
            ("o\n5\n\(root)\n\n", "expected 3 lines"),
            ("o\n5\n", "expected 3 lines"),
            ("o\n\(root)\n", "expected 3 lines"),
            ("o\n5\n\(root)", "must end with a newline"),
            ("\n5\n\(root)\n", "origin is empty"),
            ("o\r\n5\n\(root)\n", "control character"),
            ("o\n05\n\(root)\n", "without leading zeros"),
            ("o\n00\n\(root)\n", "without leading zeros"),
            ("o\n-5\n\(root)\n", "without leading zeros"),
            ("o\n+5\n\(root)\n", "without leading zeros"),
            ("o\n 5\n\(root)\n", "without leading zeros"),
            ("o\n\n\(root)\n", "without leading zeros"),
            ("o\n18446744073709551616\n\(root)\n", "without leading zeros"),
            ("o\n5\n\(root.dropLast())\n", "not base64 of 32 bytes"),
            ("o\n5\ncYsG0MrtxCnXJ6yCRfIn+QoD0CvS6WoYoUSx9qV1WSB=\n", "not base64 of 32 bytes"),
            ("o\n5\nAAAA\n", "not base64 of 32 bytes"),
            ("o\n5\n\(RFC6962.emptyRoot.hex)\n", "not base64 of 32 bytes"),
            ("o\n5\n \(root)\n", "not base64 of 32 bytes"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try Checkpoint(body: text), text.debugDescription) { error in
                guard case .malformedCheckpoint = error as? CheckpointError else { return XCTFail("\(error) for \(text.debugDescription)") }
                XCTAssertTrue("\(error)".contains(expected), "\(error) for \(text.debugDescription)")
            }
        }
        XCTAssertThrowsError(try Checkpoint(origin: "", size: 1, root: RFC6962.emptyRoot))
        XCTAssertThrowsError(try Checkpoint(origin: "a\nb", size: 1, root: RFC6962.emptyRoot))
    }

    func testMalformedKeysAreRejectedWithClearErrors() throws {
        let publicPart = "AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
        let verifierCases: [(String, String)] = [
            ("", "is <name>+<8 hex digits>+<base64>"),
            ("+7af65c8f+\(publicPart)", "must be non-empty"),
            (Vector.name, "is <name>+<8 hex digits>+<base64>"),
            ("\(Vector.name)+7af65c8f", "is <name>+<8 hex digits>+<base64>"),
            ("\(Vector.name)+7af65c8e+\(publicPart)", "hash does not match"),
            ("other+7af65c8f+\(publicPart)", "hash does not match"),
            ("\(Vector.name)+7af65c8+\(publicPart)", "not 8 hex digits"),
            ("\(Vector.name)+7af65c8g+\(publicPart)", "not 8 hex digits"),
            ("\(Vector.name)+7af65c8f+\(publicPart.dropLast())", "not base64"),
            ("\(Vector.name)+7af65c8f+AgOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4", "not an Ed25519 key"),
            ("\(Vector.name)+7af65c8f+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVQ==", "not an Ed25519 key"),
            ("bad name+7af65c8f+\(publicPart)", "without whitespace"),
            ("a+\u{301}b+7af65c8f+\(publicPart)", "not 8 hex digits"),
            (Vector.signer, "this is a signer (private) key"),
            (Vector.verifier + "\n", "not base64"),
        ]
        for (text, expected) in verifierCases {
            XCTAssertThrowsError(try CheckpointVerifier(key: text), text) { error in
                guard case .malformedKey = error as? CheckpointError else { return XCTFail("\(error) for \(text)") }
                XCTAssertTrue("\(error)".contains(expected), "\(error) for \(text)")
            }
        }
        let signerCases: [(String, String)] = [
            (Vector.verifier, "starts with PRIVATE+KEY+"),
            ("PRIVATE+KEY+\(Vector.name)+7af65c8e+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f", "hash does not match"),
            ("PRIVATE+KEY+\(Vector.name)+7af65c8f+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4e", "hash does not match"),
            ("PRIVATE+KEY+\(Vector.name)+7af65c8f+AgABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f", "not an Ed25519 key"),
            ("PRIVATE+KEY+\(Vector.name)+7af65c8f", "is <name>+<8 hex digits>+<base64>"),
        ]
        for (text, expected) in signerCases {
            XCTAssertThrowsError(try CheckpointSigner(key: text), text) { error in
                guard case .malformedKey = error as? CheckpointError else { return XCTFail("\(error) for \(text)") }
                XCTAssertTrue("\(error)".contains(expected), "\(error) for \(text)")
            }
        }
        // "+\u{301}" is one Swift Character but holds U+002B, on which other verifiers split.
        for name in ["", "two words", "tab\tname", "plus+name", "plus+\u{301}mark", "line\nbreak", "nbsp\u{00A0}name"] {
            XCTAssertThrowsError(try CheckpointKeys.generate(name: name), name.debugDescription)
        }
        XCTAssertThrowsError(try CheckpointKeys.make(name: "ok", seed: [UInt8](repeating: 0, count: 31)))
    }
}
