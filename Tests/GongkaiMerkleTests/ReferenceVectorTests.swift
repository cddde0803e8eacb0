import GongkaiMerkle
import XCTest

/// Every vector of the reference suite: the valid ones verify, every `wantErr` one is rejected.
final class ReferenceVectorTests: XCTestCase {
    func testInclusionVectors() throws {
        let vectors = try ReferenceVectors.load("inclusion", as: ReferenceVectors.Inclusion.self)
        XCTAssertGreaterThanOrEqual(vectors.count, 98)
        var (accepted, rejected) = (0, 0)
        for (name, vector) in vectors {
            let label = "\(name) (\(vector.desc))"
            // Like the reference, refuse a leaf hash of the wrong size before hashing; only
            // `wantErr` vectors have one.
            guard let leaf = MerkleHash(base64: vector.leafHash) else {
                XCTAssertTrue(vector.wantErr, "\(label): leaf hash is not 32 bytes")
                rejected += 1
                continue
            }
            let root = try ReferenceVectors.hash(vector.root)
            let proof = try (vector.proof ?? []).map(ReferenceVectors.hash)
            do {
                try MerkleProof.verifyInclusion(
                    leafIndex: vector.leafIdx, size: vector.treeSize, leaf: leaf, proof: proof, root: root)
                XCTAssertFalse(vector.wantErr, "\(label): accepted")
                XCTAssertEqual(try MerkleProof.rootFromInclusionProof(
                    leafIndex: vector.leafIdx, size: vector.treeSize, leaf: leaf, proof: proof), root, label)
                accepted += 1
            } catch {
                XCTAssertTrue(vector.wantErr, "\(label): rejected with \(error)")
                rejected += 1
            }
        }
        XCTAssertEqual(accepted, vectors.filter { !$0.vector.wantErr }.count)
        XCTAssertEqual(rejected, vectors.filter { $0.vector.wantErr }.count)
    }

    func testConsistencyVectors() throws {
        let vectors = try ReferenceVectors.load("consistency", as: ReferenceVectors.Consistency.self)
        XCTAssertGreaterThanOrEqual(vectors.count, 98)
        var (accepted, rejected) = (0, 0)
        for (name, vector) in vectors {
            let label = "\(name) (\(vector.desc))"
            do {
                try MerkleProof.verifyConsistency(
                    oldSize: vector.size1, newSize: vector.size2,
                    oldRoot: try ReferenceVectors.hash(vector.root1), newRoot: try ReferenceVectors.hash(vector.root2),
                    proof: try (vector.proof ?? []).map(ReferenceVectors.hash))
                XCTAssertFalse(vector.wantErr, "\(label): accepted")
                accepted += 1
            } catch {
                XCTAssertTrue(vector.wantErr, "\(label): rejected with \(error)")
                rejected += 1
            }
        }
        XCTAssertEqual(accepted, vectors.filter { !$0.vector.wantErr }.count)
        XCTAssertEqual(rejected, vectors.filter { $0.vector.wantErr }.count)
    }

    /// The "happy path" proofs come from the RFC 6962 test tree, so the reader must produce them
    /// byte for byte.
    func testReaderReproducesTheHappyPathProofs() throws {
        let reader = MerkleTreeReader(source: InMemorySubtreeStore(leaves: RFC6962TestData.leafHashes))

        let inclusion = try ReferenceVectors.load("inclusion", as: ReferenceVectors.Inclusion.self)
            .filter { $0.vector.desc == "happy path" }
        XCTAssertEqual(inclusion.count, 5)
        for (name, vector) in inclusion {
            let proof = try reader.inclusionProof(leafIndex: vector.leafIdx, size: vector.treeSize)
            XCTAssertEqual(proof.map(\.base64), vector.proof ?? [], name)
            XCTAssertEqual(try reader.root(size: vector.treeSize).base64, vector.root, name)
            XCTAssertEqual(RFC6962TestData.leafHashes[Int(vector.leafIdx)].base64, vector.leafHash, name)
        }

        let consistency = try ReferenceVectors.load("consistency", as: ReferenceVectors.Consistency.self)
            .filter { $0.vector.desc == "happy path" }
        XCTAssertEqual(consistency.count, 5)
        for (name, vector) in consistency {
            let proof = try reader.consistencyProof(oldSize: vector.size1, newSize: vector.size2)
            XCTAssertEqual(proof.map(\.base64), vector.proof ?? [], name)
            XCTAssertEqual(try reader.root(size: vector.size1).base64, vector.root1, name)
            XCTAssertEqual(try reader.root(size: vector.size2).base64, vector.root2, name)
        }
    }
}
