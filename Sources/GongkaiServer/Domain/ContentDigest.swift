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

    /// The answer with `"digest"`: SHA-256 of the answer's canonical JSON without that field.
    static func sealed(_ answer: JSONValue) -> JSONValue {
        guard case .object(var members) = answer else { return answer }
        members.removeValue(forKey: "digest")
        let digest = hex(CanonicalJSON.encode(.object(members)))
        members["digest"] = .string(digest)
        return .object(members)
    }
}
