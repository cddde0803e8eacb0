/// Why a checkpoint, note or key was refused. Every case names what was wrong, so a
/// command-line user or an operator reading the daemon's log can act on it.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The checkpoint body is not exactly `<origin>\n<size>\n<base64 root>\n`.
    case malformedCheckpoint(String)
    /// The note is not a body, an empty line and `— <name> <base64>` signature lines.
    case malformedNote(String)
    /// A signer or verifier key string that does not parse.
    case malformedKey(String)
    /// The note carries no signature by the verifier's key (same name and key hash).
    case missingSignature(keyName: String, keyHash: String)
    /// A signature by the verifier's key that does not verify over the note's body.
    case badSignature(keyName: String, keyHash: String)

    public var description: String {
        switch self {
        case let .malformedCheckpoint(reason): return "malformed checkpoint: \(reason)"
        case let .malformedNote(reason): return "malformed signed note: \(reason)"
        case let .malformedKey(reason): return "malformed key: \(reason)"
        case let .missingSignature(name, hash): return "the note has no signature by key \(name)+\(hash)"
        case let .badSignature(name, hash): return "the signature by key \(name)+\(hash) does not verify: the note was altered or signed by another key"
        }
    }
}
