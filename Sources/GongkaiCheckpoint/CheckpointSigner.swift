import Crypto

/// Signs checkpoints with one Ed25519 key, producing C2SP signed notes.
public struct CheckpointSigner: Sendable {
    public let keyName: String
    /// The key hash as 8 lowercase hex digits.
    public let keyHash: String
    /// The matching verifier key string, for whoever checks this signer's notes.
    public let verifierKey: String
    /// The 32-byte seed, kept as bytes because swift-crypto's key type is not Sendable.
    private let seed: [UInt8]
    private let hash: UInt32

    /// Parses `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`; the hash must be the one of
    /// the public key the seed derives, so a key file edited by hand is caught here.
    public init(key text: String) throws {
        guard text.hasPrefix(CheckpointKeys.signerPrefix) else {
            throw CheckpointError.malformedKey("a signer key starts with \(CheckpointKeys.signerPrefix)")
        }
        let (name, hash, seed) = try CheckpointKeys.parse(String(text.dropFirst(CheckpointKeys.signerPrefix.count)), kind: "signer")
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let publicKey = [UInt8](key.publicKey.rawRepresentation)
        guard CheckpointKeys.keyHash(name: name, publicKey: publicKey) == hash else {
            throw CheckpointError.malformedKey("the signer key's hash does not match its name and key")
        }
        self.seed = seed
        self.hash = hash
        self.keyName = name
        self.keyHash = KeyHash.hex(hash)
        self.verifierKey = "\(name)+\(KeyHash.hex(hash))+" + StrictBase64.encode([CheckpointKeys.ed25519] + publicKey)
    }

    /// The full note: the checkpoint's body, an empty line and this key's signature line.
    public func sign(_ checkpoint: Checkpoint) -> String {
        let body = checkpoint.body
        // The seed was accepted at init, and BoringSSL's ED25519_sign fails only when it cannot allocate.
        let signature = try! Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: Array(body.utf8))
        return body + "\n" + SignedNote.signaturePrefix + keyName + " "
            + StrictBase64.encode(KeyHash.bytes(hash) + [UInt8](signature)) + "\n"
    }
}
