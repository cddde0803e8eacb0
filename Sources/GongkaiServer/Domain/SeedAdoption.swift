import Dispatch
import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProtocol
import Logging
import NIOCore
import GongkaiStorage

/// On an empty log, adopts the bundled catalog and calendars (or `--catalog FILE`) as the
/// first records, written by principal `system`, so replay always has the rules in force.
struct SeedAdoption {
    static let principal = "system"

    let service: LedgerService
    let eventLoop: EventLoop
    let logger: Logger

    func adopt(catalogFile: String?) throws {
        let catalogDocument = try catalogFile.map(Self.readDocument) ?? JSONParser.parse(BundledDocuments.catalog)
        let catalog = try Catalog(json: catalogDocument)
        var events: [JSONValue] = []
        if service.head.size == 0 {
            events.append(Self.catalogEvent(catalog))
            for text in BundledDocuments.calendars {
                let document = try JSONParser.parse(text)
                guard case .object(var members) = document, let year = members["year"]?.integerValue else {
                    throw ServerError("a bundled calendar has no year")
                }
                members["id"] = .string("seed-calendar-\(year)")
                members["type"] = .string(EventType.calendarAdopted.rawValue)
                events.append(.object(members))
            }
        } else if catalogFile != nil {
            let inForce = service.domain.read { facts in facts.catalogs.last?.catalog.document }
            if inForce != catalogDocument { events.append(Self.catalogEvent(catalog)) }
        }
        guard !events.isEmpty else { return }
        try append(events)
        logger.notice("adopted \(events.count) seed records", metadata: ["catalog": "\(catalog.name)"])
    }

    /// The id names the document's content, so adopting the same document twice is a duplicate.
    static func catalogEvent(_ catalog: Catalog) -> JSONValue {
        let digest = ContentDigest.hex(CanonicalJSON.encode(catalog.document)).prefix(16)
        return ["id": .string("catalog-\(catalog.name)-\(digest)"), "type": .string(EventType.catalogAdopted.rawValue),
                "catalog": catalog.document]
    }

    static func readDocument(_ path: String) throws -> JSONValue {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServerError("cannot read catalog file \(path)") }
        do {
            return try JSONParser.parse(Array(data))
        } catch {
            throw ServerError("catalog file \(path) is not valid JSON: \(error)")
        }
    }

    private func append(_ events: [JSONValue]) throws {
        let done = DispatchSemaphore(value: 0)
        var failures: [String] = []
        let lock = NSLock()
        var submissions: [AppendSubmission] = []
        for event in events {
            let envelope = try EventEnvelope(value: event)
            submissions.append(AppendSubmission(AppendReading(envelope), principal: Self.principal, eventLoop: eventLoop,
                                                submittedNanos: DispatchTime.now().uptimeNanoseconds) { outcome in
                if case .failed(let error) = outcome {
                    lock.lock(); failures.append("\(envelope.id): \(error)"); lock.unlock()
                }
                done.signal()
            })
        }
        guard service.writer.submit(submissions) else { throw ServerError("the writer refused the seed records") }
        for _ in submissions { done.wait() }
        guard failures.isEmpty else { throw ServerError("seed records were refused: \(failures.joined(separator: "; "))") }
    }
}
