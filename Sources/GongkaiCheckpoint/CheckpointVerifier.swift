import Crypto

/// Checks C2SP signed checkpoints against one Ed25519 verifier key.
public struct CheckpointVerifier: Sendable {
    public let keyName: String
    /// The key hash as 8 lowercase hex digits.
    public let keyHash: String
    /// The 32-byte public key, kept as bytes because swift-crypto's key type is not Sendable.
    private let publicKey: [UInt8]
    private let hash: UInt32

    /// Parses `<name>+<hash>+<base64(0x01 ‖ public key)>`, checking the hash against the key.
    public init(key text: String) throws {
        guard !text.hasPrefix(CheckpointKeys.signerPrefix) else {
            throw CheckpointError.malformedKey("this is a signer (private) key; checkpoints are verified with its verifier key, " +
                                               "the .pub file keygen wrote beside it (and the private key should not leave the daemon's host)")
        }
        let (name, hash, publicKey) = try CheckpointKeys.parse(text, kind: "verifier")
        guard CheckpointKeys.keyHash(name: name, publicKey: publicKey) == hash else {
            throw CheckpointError.malformedKey("the verifier key's hash does not match its name and key")
        }
        _ = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        self.publicKey = publicKey
        self.hash = hash
        self.keyName = name
        self.keyHash = KeyHash.hex(hash)
    }

    /// The checkpoint the note carries, once every signature line by this key (same name and
    /// key hash) verifies over the body; signatures by other keys are ignored, as the
    /// signed-note spec asks, so a note may be cosigned.
    public func verify(note: String) throws -> Checkpoint {
        let parsed = try SignedNote(parsing: note)
        let mine = parsed.signatures.filter { $0.keyName == keyName && $0.keyHash == hash }
        guard !mine.isEmpty else { throw CheckpointError.missingSignature(keyName: keyName, keyHash: keyHash) }
        let body = Array(parsed.text.utf8)
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        for signature in mine where !key.isValidSignature(signature.bytes, for: body) {
            throw CheckpointError.badSignature(keyName: keyName, keyHash: keyHash)
        }
        // Parsed only after the signature holds: what is reported is what was signed.
        return try Checkpoint(body: parsed.text)
    }
}
