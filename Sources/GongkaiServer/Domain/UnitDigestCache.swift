import GongkaiDomain
import GongkaiProjections
import NIOConcurrencyHelpers

/// The newest UnitDigest of each unit asked about, so that COMPLIANCE on a busy unit reads
/// only what was recorded since the last time it was asked (UnitDigest explains when that
/// is sound). Used by the event loops under the facts' read lock; its own lock guards only
/// the dictionary, so two loops may both build a digest and the newer one is kept.
final class UnitDigestCache: Sendable {
    /// Units (per catalog) are bounded by the adopted catalogs; this only stops a runaway.
    static let maxUnits = 4_096

    /// A unit's digests per catalog: a bulletin of last December and today's COMPLIANCE
    /// judge by different years' catalogs, and each keeps its own.
    private struct Key: Hashable {
        let unit: String
        let catalogSeq: UInt64?
    }

    private let digests = NIOLockedValueBox<[Key: UnitDigest]>([:])

    /// COMPLIANCE inputs for `unit` at `view` and `asof` from the kept digest, advanced to the
    /// view first; nil when the digest cannot answer (an older view than the one kept, or an
    /// `asof` before its settled replies), and the caller judges from every fact.
    func inputs(unit: String, view: LedgerView, asof: BusinessDate) -> ComplianceInputs? {
        let key = Key(unit: unit, catalogSeq: view.catalogSeq)
        let kept = digests.withLockedValue { $0[key] }
        if let kept, view.known < kept.known { return nil }
        let digest = kept?.advanced(to: view) ?? UnitDigest(unit: unit, view: view)
        if kept?.known != digest.known {
            digests.withLockedValue { digests in
                if let newer = digests[key], newer.known > digest.known { return }
                if digests[key] == nil, digests.count >= Self.maxUnits { digests.removeAll() }
                digests[key] = digest
            }
        }
        return asof >= digest.settledThrough ? digest.inputs(view: view, asof: asof) : nil
    }
}
