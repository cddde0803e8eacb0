import Foundation
import GongkaiMerkle

/// The RFC 6962 proof vectors (C2SP / transparency-dev format) kept in `shared/` beside the repository.
enum ReferenceVectors {
    struct Inclusion: Decodable {
        var leafIdx: UInt64
        var treeSize: UInt64
        var root: String
        var leafHash: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    struct Consistency: Decodable {
        var size1: UInt64
        var size2: UInt64
        var root1: String
        var root2: String
        var proof: [String]?
        var desc: String
        var wantErr: Bool
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "reference vectors not found at \(path)" }
    }

    /// `<repo root>/../shared/reference/rfc6962-vectors/testdata`, found from this file so it works
    /// wherever the repository is cloned.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/GongkaiMerkleTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .deletingLastPathComponent()
        .appendingPathComponent("shared/reference/rfc6962-vectors/testdata")
        .standardizedFileURL

    /// Every vector under `kind` ("inclusion" or "consistency"), by path relative to `directory`.
    /// Throws when the folder is missing, so the tests fail instead of passing vacuously.
    static func load<Vector: Decodable>(_ kind: String, as _: Vector.Type = Vector.self) throws -> [(name: String, vector: Vector)] {
        let folder = directory.appendingPathComponent(kind)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue,
              let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        else { throw Missing(path: folder.path) }
        let prefix = directory.path + "/"
        return try files.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "json" }
            .map { url in
                let name = url.standardizedFileURL.path.replacingOccurrences(of: prefix, with: "")
                return (name, try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url)))
            }
            .sorted { $0.name < $1.name }
    }

    /// The reference verifier compares roots and proof nodes as opaque bytes, so some vectors use
    /// placeholders ("WrongRoot", "don't care 1", "") that no `MerkleHash` can hold. Each becomes a
    /// distinct 32-byte stand-in (equal placeholders stay equal), so the verifier still decides.
    static func hash(_ base64: String) throws -> MerkleHash {
        if let hash = MerkleHash(base64: base64) { return hash }
        guard let raw = Data(base64Encoded: base64) else { throw Missing(path: "valid base64 in \(base64)") }
        return RFC6962.leafHash(Array("stand-in for a malformed hash: ".utf8) + Array(raw))
    }
}
