import GongkaiJSON
import GongkaiStorage

/// SHA-256 over canonical JSON: content-derived ids, and the `digest` that COMPLIANCE,
/// ESCALATIONS and BULLETIN answers carry so an auditor who replays the records to the same
/// `known` can reproduce the answer byte for byte.
enum ContentDigest {
    static func hex(_ bytes: [UInt8]) -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in IdEntry.digest(ofCanonicalEvent: bytes) {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The canonical bytes of `sealed(answer)`, encoding the answer once: the digest is
    /// spliced into the bytes it was computed from, at its place in key order. A busy unit's
    /// COMPLIANCE spent about a sixth of its time encoding the answer a second time.
    static func sealedBytes(_ answer: JSONValue) -> [UInt8] {
        guard case .object(var members) = answer else { return CanonicalJSON.encode(answer) }
        members.removeValue(forKey: "digest")
        var bytes = CanonicalJSON.encode(.object(members))
        let field = Array(#""digest":""#.utf8) + Array(hex(bytes).utf8) + [UInt8(ascii: "\"")]
        // The first top-level key after "digest" in canonical order (ASCII keys: byte order).
        var insertAt: Int?
        let scanned = bytes.withUnsafeBufferPointer { buffer in
            CanonicalObjectScanner.members(of: buffer, in: 0..<buffer.count) { key, _ in
                guard !buffer[key].lexicographicallyPrecedes("digest".utf8) else { return true }
                insertAt = key.lowerBound - 1  // the key's opening quote
                return false
            }
        }
        guard scanned, !members.keys.contains(where: { !$0.utf8.allSatisfy { $0 < 0x80 } }) else {
            return CanonicalJSON.encode(sealed(answer))  // a key the splice does not handle
        }
        if let insertAt {
            bytes.insert(contentsOf: field + [UInt8(ascii: ",")], at: insertAt)
        } else {
            bytes.insert(contentsOf: (members.isEmpty ? [] : [UInt8(ascii: ",")]) + field, at: bytes.count - 1)
        }
        return bytes
    }

    /// The answer with `"digest"`: SHA-256 of the answer's canonical JSON without that field.
    static func sealed(_ answer: JSONValue) -> JSONValue {
        guard case .object(var members) = answer else { return answer }
        members.removeValue(forKey: "digest")
        let digest = hex(CanonicalJSON.encode(.object(members)))
        members["digest"] = .string(digest)
        return .object(members)
    }
}
