import Crypto
import Foundation

/// Ed25519 key pairs in the C2SP signed-note encodings:
///
/// - verifier: `<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte public key)>`
/// - signer: `PRIVATE+KEY+<name>+<8 hex key hash>+<base64(0x01 ‖ 32-byte seed)>`
///
/// where the key hash is the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
public enum CheckpointKeys {
    /// The signature algorithm byte for Ed25519 in signed notes.
    static let ed25519: UInt8 = 0x01
    public static let signerPrefix = "PRIVATE+KEY+"

    /// A new key pair from the system's random source.
    public static func generate(name: String) throws -> (signer: String, verifier: String) {
        try make(name: name, seed: [UInt8](Curve25519.Signing.PrivateKey().rawRepresentation))
    }

    /// The key pair for a given 32-byte seed (tests use a fixed one as a vector).
    public static func make(name: String, seed: [UInt8]) throws -> (signer: String, verifier: String) {
        try checkName(name)
        guard seed.count == 32 else { throw CheckpointError.malformedKey("an Ed25519 seed is 32 bytes, got \(seed.count)") }
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let publicKey = [UInt8](key.publicKey.rawRepresentation)
        let hash = KeyHash.hex(keyHash(name: name, publicKey: publicKey))
        return (signer: signerPrefix + "\(name)+\(hash)+" + StrictBase64.encode([ed25519] + seed),
                verifier: "\(name)+\(hash)+" + StrictBase64.encode([ed25519] + publicKey))
    }

    /// First 4 bytes, big-endian, of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
    public static func keyHash(name: String, publicKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, ed25519] + publicKey)
        return KeyHash.read([UInt8](hasher.finalize()))
    }

    /// Non-empty, no whitespace, no U+002B '+' (which separates the fields of a key string),
    /// and, so that a name is printable in a note and a log, no control characters. Checked
    /// scalar by scalar: a '+' followed by a combining mark is one Swift Character that is not
    /// "+", but other verifiers split the key on the byte.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty
            && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace || SignedNote.isControl($0) }
    }

    static func checkName(_ name: String) throws {
        guard isValidName(name) else {
            throw CheckpointError.malformedKey("key name \"\(name.prefix(60))\" must be non-empty, without whitespace or '+'")
        }
    }

    /// Splits `<name>+<hash>+<base64(0x01 ‖ 32 bytes)>` (the base64 may itself hold '+'),
    /// checking each part; `kind` names the key in errors.
    static func parse(_ text: String, kind: String) throws -> (name: String, hash: UInt32, key: [UInt8]) {
        // Split on the scalar, as other verifiers split on the byte (see isValidName).
        let parts = text.unicodeScalars.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        guard parts.count == 3 else { throw CheckpointError.malformedKey("a \(kind) key is <name>+<8 hex digits>+<base64>") }
        let name = parts[0]
        try checkName(name)
        guard parts[1].utf8.count == 8, parts[1].allSatisfy(\.isHexDigit), let hash = UInt32(parts[1], radix: 16) else {
            throw CheckpointError.malformedKey("the \(kind) key's hash \"\(parts[1].prefix(20))\" is not 8 hex digits")
        }
        guard let decoded = StrictBase64.decode(String(parts[2])) else {
            throw CheckpointError.malformedKey("the \(kind) key's last field is not base64")
        }
        guard decoded.count == 33, decoded[0] == ed25519 else {
            throw CheckpointError.malformedKey("the \(kind) key is not an Ed25519 key (0x01 and 32 bytes)")
        }
        return (name, hash, Array(decoded.dropFirst()))
    }
}

/// The 4-byte key hash as it appears in keys (8 lowercase hex digits) and signatures.
enum KeyHash {
    static func read(_ bytes: [UInt8]) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func bytes(_ hash: UInt32) -> [UInt8] {
        [UInt8(hash >> 24), UInt8(hash >> 16 & 0xff), UInt8(hash >> 8 & 0xff), UInt8(hash & 0xff)]
    }

    static func hex(_ hash: UInt32) -> String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
