import GongkaiJSON
import GongkaiProtocol
import GongkaiStorage

/// Answers the requests that only read, against a short LMDB read transaction, never waiting
/// for the writer: the momentary ones on the connection's event loop, the rest off it on the
/// service's read queue (ConnectionHandler).
struct ReadRequests {
    let service: LedgerService
    let peer: PeerCredentials
    /// The peer's principal under the rules in force; nil for a uid the access file does not name.
    let principal: Principal?

    /// A READ answer ends after the record that takes it past this many bytes (so at least
    /// one record), like a TAIL chunk; the client goes on from `next`.
    static let maxReadAnswerBytes = TailStream.maxChunkBytes

    func answer(_ request: Request, into output: inout [UInt8]) throws {
        switch request {
        case .ping:
            AnswerEncoder.ok(["pong": true], into: &output)
        case .help:
            AnswerEncoder.ok(["verbs": .array(Request.verbs.map { .string($0) })], into: &output)
        case .head:
            AnswerEncoder.ok(service.headJSON(), into: &output)
        case .stats:
            AnswerEncoder.ok(service.statsJSON(), into: &output)
        case .whoami:
            AnswerEncoder.ok([
                "principal": principal.map { .string($0.description) } ?? .null, "uid": .number(Double(peer.uid)),
                "gid": .number(Double(peer.gid)), "pid": .number(Double(peer.pid)),
                "may": .array(AccessPolicy.may(principal).map { .string($0) }),
            ], into: &output)
        case .get(let seq):
            // Only acknowledged records: for a moment after a commit LMDB holds records
            // that HEAD and the writers' answers do not have yet.
            let head = service.head
            guard seq <= head.size else {
                throw ProtocolError(.notFound, "no record \(seq); the log has \(head.size)")
            }
            AnswerEncoder.ok(try storage { try service.store.record(seq, within: head) }, into: &output)
        case .find(let id):
            // Only acknowledged records, as GET: the id index may name one whose commit is
            // not yet durable.
            let head = service.head
            guard let entry = try storage({ try service.store.lookup(id: id) }), entry.seq <= head.size else {
                throw ProtocolError(.notFound, "no record has id \"\(id.prefix(128))\"")
            }
            AnswerEncoder.ok(try storage { try service.store.record(entry.seq, within: head) }, into: &output)
        case .read(let from, let limit):
            let start = output.count
            let next = try storage {
                try service.store.forEachRecord(from: from, limit: limit, within: service.head) { _, record in
                    AnswerEncoder.event(record, into: &output)
                    // One answer is held whole until the client takes it: bound its size.
                    return output.count - start < Self.maxReadAnswerBytes
                }
            }
            AnswerEncoder.end(["next": .number(Double(next))], into: &output)
        case .compliance, .inquiries, .escalations, .bulletin, .catalog, .units:
            AnswerEncoder.ok(try QueryRequests(state: service.domain, durableSize: service.head.size).answerBytes(request), into: &output)
        case .proofInclusion, .proofConsistency:
            AnswerEncoder.ok(try ProofRequests(service: service).answer(request), into: &output)
        case .append, .tail, .verify, .backup:
            preconditionFailure("\(request) is not a read")
        }
    }

    private func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            throw ProtocolError(.storage, error.description)
        }
    }
}
