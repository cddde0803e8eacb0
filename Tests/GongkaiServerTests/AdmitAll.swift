import GongkaiDomain
import GongkaiProtocol
@testable import GongkaiServer

/// An admission that takes every event as it is: tests of the writer and of TAIL, where the
/// domain's rules are not what is tested.
final class AdmitAll: EventAdmission {
    /// Voided seq → the seq of its void, told once the void has been admitted.
    private let voids: [UInt64: UInt64]
    private var admittedThrough: UInt64 = 0

    init(voids: [UInt64: UInt64] = [:]) { self.voids = voids }

    func beginBatch() {}
    func admit(_ event: EventEnvelope, decoded: Result<DomainEvent, DomainError>, by principal: String, seq: UInt64) throws -> EventEnvelope {
        admittedThrough = max(admittedThrough, seq)
        return event
    }
    func batchEnded(committed: Bool) {}
    func voidedBy(_ seq: UInt64) -> UInt64? { voids[seq].flatMap { $0 <= admittedThrough ? $0 : nil } }
}
