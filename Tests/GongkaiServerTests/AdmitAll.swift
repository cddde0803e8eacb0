import GongkaiDomain
import GongkaiProtocol
@testable import GongkaiServer

/// An admission that takes every event as it is: tests of the writer and of TAIL, where the
/// domain's rules are not what is tested.
final class AdmitAll: EventAdmission {
    func beginBatch() {}
    func admit(_ event: EventEnvelope, decoded: Result<DomainEvent, DomainError>, by principal: String, seq: UInt64) throws -> EventEnvelope { event }
    func batchEnded(committed: Bool) {}
}
