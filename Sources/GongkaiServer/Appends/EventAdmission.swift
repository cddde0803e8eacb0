import GongkaiDomain
import GongkaiProtocol

/// The seam where domain validation plugs in. The writer asks it about each event, in seq
/// order, inside the batch that would write it, so its view includes the batch's earlier
/// events; it may return a normalised event (a Chinese unit name rewritten to its id).
public protocol EventAdmission: AnyObject {
    /// A batch starts (or starts again after the map grew): forget anything tentative.
    func beginBatch()
    /// Throws `ProtocolError(.invalidEvent, …)` (or `.denied`) to reject the event; once it
    /// returns, the event is part of the batch as record `seq`. `decoded` is the event read
    /// as a domain event (or why it cannot be), done on the connection's event loop.
    func admit(_ event: EventEnvelope, decoded: Result<DomainEvent, DomainError>, by principal: String, seq: UInt64) throws -> EventEnvelope
    /// The events admitted since `beginBatch` were committed (true) or thrown away (false).
    func batchEnded(committed: Bool)
    /// Throws `ProtocolError(.denied, …)` when `principal` may not append this event at all.
    /// `admit` checks this too; the writer asks it alone before answering a repeated id, so
    /// that nobody gets a receipt for a record they could not have written.
    func authorize(_ decoded: Result<DomainEvent, DomainError>, by principal: String) throws
    /// The record that voided record `seq` (this batch's admitted events included), nil if
    /// none: a repeated event's answer says so.
    func voidedBy(_ seq: UInt64) -> UInt64?
}

extension EventAdmission {
    public func authorize(_ decoded: Result<DomainEvent, DomainError>, by principal: String) throws {}
    public func voidedBy(_ seq: UInt64) -> UInt64? { nil }
}
