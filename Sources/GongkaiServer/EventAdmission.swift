import GongkaiProtocol

/// The seam where domain validation plugs in. The writer asks it about each event, in seq
/// order, inside the batch that would write it, so its view includes the batch's earlier
/// events; it may return a normalised event (a Chinese unit name rewritten to its id).
public protocol EventAdmission: AnyObject {
    /// Throws `ProtocolError(.invalidEvent, …)` (or `.denied`) to reject the event.
    func admit(_ event: EventEnvelope, by principal: String) throws -> EventEnvelope
    /// The events admitted since the last call were committed (true) or thrown away (false).
    func batchEnded(committed: Bool)
}

/// Admits every event that passed the envelope checks: the ledger before the domain lands.
public final class EnvelopeOnlyAdmission: EventAdmission {
    public init() {}
    public func admit(_ event: EventEnvelope, by principal: String) throws -> EventEnvelope { event }
    public func batchEnded(committed: Bool) {}
}
