import GongkaiJSON
import GongkaiMerkle
import GongkaiProtocol
import GongkaiStorage

/// PROOF INCLUSION and PROOF CONSISTENCY (RFC 6962 section 2.1), over any size up to the
/// durable head; hashes are lowercase hex.
struct ProofRequests {
    let service: LedgerService

    func answer(_ request: Request) throws -> JSONValue {
        let durable = service.head.size
        func checkSize(_ size: UInt64, _ name: String) throws {
            guard size <= durable else { throw ProtocolError(.badRequest, "\(name) \(size) is beyond the log's \(durable) records") }
        }
        do {
            switch request {
            case .proofInclusion(let seq, let requested):
                let size = requested ?? durable
                try checkSize(size, "size")
                guard seq <= size else {
                    throw ProtocolError(seq > durable ? .notFound : .badRequest, "record \(seq) is not in a tree of \(size) records")
                }
                let proof = try service.store.inclusionProof(seq: seq, size: size)
                return ["seq": .number(Double(seq)), "size": .number(Double(size)), "leaf": .string(proof.leaf.hex),
                        "hashes": .array(proof.hashes.map { .string($0.hex) }), "root": .string(proof.root.hex)]
            case .proofConsistency(let old, let requested):
                let new = requested ?? durable
                try checkSize(new, "new")
                guard old <= new else { throw ProtocolError(.badRequest, "old \(old) is larger than new \(new)") }
                let proof = try service.store.consistencyProof(old: old, new: new)
                return ["old": .number(Double(old)), "new": .number(Double(new)), "hashes": .array(proof.hashes.map { .string($0.hex) }),
                        "oldRoot": .string(proof.oldRoot.hex), "newRoot": .string(proof.newRoot.hex)]
            default:
                preconditionFailure("\(request) is not a proof")
            }
        } catch let error as StorageError {
            throw ProtocolError(.storage, error.description)
        }
    }
}

/// The VERIFY answer: `{"ok":true,"root","size"}`, or `ok:false` with the first bad seq.
enum VerifyAnswer {
    static func json(_ report: VerificationReport) -> JSONValue {
        var answer: [String: JSONValue] = ["size": .number(Double(report.size)), "root": .string(report.root.hex), "ok": .bool(report.ok)]
        if !report.ok {
            answer["badSeq"] = report.badSeq.map { .number(Double($0)) } ?? .null
            answer["reason"] = .string(report.reason ?? "")
        }
        return .object(answer)
    }
}
