/// A C2SP signed note taken apart: the signed text (ending in a newline), then an empty line,
/// then one `— <key name> <base64(4-byte key hash ‖ signature)>` line per signature.
struct SignedNote {
    struct Signature {
        let keyName: String
        let keyHash: UInt32
        /// The signature proper, after the key hash.
        let bytes: [UInt8]
    }

    /// The signed text, including its final newline.
    let text: String
    let signatures: [Signature]

    /// Same bound as the Go reference (golang.org/x/mod/sumdb/note): a note is small.
    static let maxSignatures = 100
    static let signaturePrefix = "\u{2014} "

    init(parsing note: String) throws {
        guard !note.unicodeScalars.contains(where: { $0 != "\n" && Self.isControl($0) }) else {
            throw CheckpointError.malformedNote("it contains a control character other than newline")
        }
        guard note.hasSuffix("\n") else { throw CheckpointError.malformedNote("it must end with a newline") }
        // The text ends at the last empty line: signature lines are never empty.
        guard let split = note.range(of: "\n\n", options: .backwards) else {
            throw CheckpointError.malformedNote("no empty line between the text and the signatures")
        }
        text = String(note[..<note.index(after: split.lowerBound)])
        let lines = note[split.upperBound...].dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines != [""] else { throw CheckpointError.malformedNote("it has no signature lines") }
        guard lines.count <= Self.maxSignatures else {
            throw CheckpointError.malformedNote("more than \(Self.maxSignatures) signature lines")
        }
        signatures = try lines.enumerated().map { number, line in try Self.parseSignature(line, number: number + 1) }
    }

    private static func parseSignature(_ line: Substring, number: Int) throws -> Signature {
        guard line.hasPrefix(signaturePrefix) else {
            throw CheckpointError.malformedNote("signature line \(number) does not start with \"— \" (U+2014 and a space)")
        }
        let fields = line.dropFirst(signaturePrefix.count).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2 else {
            throw CheckpointError.malformedNote("signature line \(number) is not \"— <key name> <base64>\"")
        }
        let name = String(fields[0])
        guard CheckpointKeys.isValidName(name) else {
            throw CheckpointError.malformedNote("signature line \(number) has an invalid key name")
        }
        guard let decoded = StrictBase64.decode(String(fields[1])), decoded.count >= 5 else {
            throw CheckpointError.malformedNote("signature line \(number) does not carry base64 of a key hash and a signature")
        }
        return Signature(keyName: name, keyHash: KeyHash.read(decoded), bytes: Array(decoded.dropFirst(4)))
    }

    /// C0 controls and DEL: never part of a note except the newlines that frame it.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7f }
}
