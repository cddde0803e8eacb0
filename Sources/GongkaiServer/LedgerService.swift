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
    private(set) var writer: GroupCommitWriter!
    private let durableHead: NIOLockedValueBox<LedgerHead>
    private let stopping = NIOLockedValueBox(false)

    init(configuration: ServerConfiguration, store: LedgerStore, domain: DomainState, admission: EventAdmission, logger: Logger) {
        self.configuration = configuration
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
        return [
            "size": .number(Double(head.size)),
            "root": .string(head.root.hex),
            "recorded": head.recordedMillis.map { .string(RecordedTime.format(millis: $0)) } ?? .null,
        ]
    }

    func statsJSON() -> JSONValue {
        let bytes = store.storageBytes
        return stats.snapshot(extra: [
            "size": .number(Double(head.size)),
            "tails": .number(Double(tails.count)),
            "storage": ["fileBytes": .number(Double(bytes.file)), "mapBytes": .number(Double(bytes.map))],
        ])
    }
}
