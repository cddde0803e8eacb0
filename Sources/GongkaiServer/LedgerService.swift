import Dispatch
import Glibc
import GongkaiCheckpoint
import GongkaiJSON
import GongkaiMerkle
import GongkaiProtocol
import GongkaiStorage
import Logging
import NIOConcurrencyHelpers

/// What every connection shares: the store for reads, the writer for appends, the durable
/// head, the TAIL streams and the counters.
final class LedgerService: @unchecked Sendable {
    let configuration: ServerConfiguration
    let store: LedgerStore
    let domain: DomainState
    let stats = ServerStats()
    let tails = TailRegistry()
    let logger: Logger
    /// Who may do what; swapped on SIGHUP.
    let access: AccessControl
    /// VERIFY and BACKUP, one at a time in the order asked: each reads the whole ledger, and
    /// on two cores several at once would take the CPU the writer and event loops need.
    let slowRequests = DispatchQueue(label: "gongkai-slow-requests")
    /// The reads that take more than a moment (queries, records, proofs), off the event
    /// loops: a pipeline of heavy as-of queries run on a loop held up every connection it
    /// serves. Each connection has at most one here at a time (its front request), and the
    /// queue runs about as many at once as there are cores.
    /// At a lower priority than the signal handlers on the global queues: a backlog of reads
    /// must not hold up a stop or a reload.
    let reads = DispatchQueue(label: "gongkai-reads", qos: .utility, attributes: .concurrent)
    /// Every read or slow request handed off the event loops and not yet handed back: the
    /// loops are shut down only once it is empty (or after a bound), so that no answer is
    /// sent to a loop that is gone.
    let offLoopWork = DispatchGroup()
    private(set) var writer: GroupCommitWriter!
    private let durableHead: NIOLockedValueBox<LedgerHead>
    private let stopping = NIOLockedValueBox(false)
    /// Signs HEAD's checkpoint when the daemon has a key, with the origin line to use.
    private let checkpointSigner: (signer: CheckpointSigner, origin: String)?
    /// The last signed note and the head it covers: HEAD signs once per new head, not per request.
    private let lastCheckpoint = NIOLockedValueBox<(head: LedgerHead, note: String)?>(nil)

    init(configuration: ServerConfiguration, store: LedgerStore, domain: DomainState, admission: EventAdmission, logger: Logger,
         checkpointSigner: (signer: CheckpointSigner, origin: String)? = nil,
         access: AccessControl = AccessControl(policy: .owner(uid: getuid()))) {
        self.configuration = configuration
        self.access = access
        self.checkpointSigner = checkpointSigner
        self.store = store
        self.domain = domain
        self.logger = logger
        self.durableHead = NIOLockedValueBox(store.head)
        self.writer = GroupCommitWriter(store: store, admission: admission, stats: stats, logger: logger) { [unowned self] head in
            // Publish only after the commit: readers never see a head that is not durable.
            durableHead.withLockedValue { $0 = head }
            tails.headAdvanced()
        }
    }

    /// The head of the last commit.
    var head: LedgerHead { durableHead.withLockedValue { $0 } }

    var isStopping: Bool { stopping.withLockedValue { $0 } }

    func beginStopping() { stopping.withLockedValue { $0 = true } }

    func headJSON() -> JSONValue {
        let head = head
        var answer: [String: JSONValue] = [
            "size": .number(Double(head.size)),
            "root": .string(head.root.hex),
            "recorded": head.recordedMillis.map { .string(RecordedTime.format(millis: $0)) } ?? .null,
        ]
        if let note = checkpoint(for: head) { answer["checkpoint"] = .string(note) }
        return .object(answer)
    }

    /// The signed note for `head`, from the cache when the head has not moved. Two requests
    /// racing on a new head may both sign; either note is valid, so that is harmless.
    private func checkpoint(for head: LedgerHead) -> String? {
        guard let (signer, origin) = checkpointSigner else { return nil }
        if let cached = lastCheckpoint.withLockedValue({ $0 }), cached.head == head { return cached.note }
        // The origin was checked at start-up, so building the checkpoint cannot fail here.
        let note = signer.sign(try! Checkpoint(origin: origin, size: head.size, root: head.root))
        lastCheckpoint.withLockedValue { cached in
            // Never replace a newer head's note with an older one.
            if cached.map({ $0.head.size <= head.size }) ?? true { cached = (head, note) }
        }
        return note
    }

    func statsJSON() -> JSONValue {
        let bytes = store.storageBytes
        return stats.snapshot(extra: [
            "size": .number(Double(head.size)),
            "tails": .number(Double(tails.count)),
            "storage": ["fileBytes": .number(Double(bytes.file)), "mapBytes": .number(Double(bytes.map)),
                        "logBytes": .number(Double(store.appendLogBytes))],
        ])
    }
}
