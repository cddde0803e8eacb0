import Foundation
import GongkaiDomain
import GongkaiJSON
import GongkaiProtocol
@testable import GongkaiServer
import GongkaiStorage
import Logging
import NIOCore
import NIOEmbedded
import XCTest

/// What a TAIL may send: only records under the durable head.
final class TailStreamTests: XCTestCase {
    private func appendRecords(_ seqs: ClosedRange<UInt64>, to store: LedgerStore) throws {
        _ = try store.appendBatch { batch in
            for seq in seqs {
                let event = CanonicalJSON.encode(["id": .string("t-\(seq)"), "type": "interview.held", "unit": "u-1"])
                let record = RecordFormat.encode(by: "uid:0", canonicalEvent: event, recordedMillis: 1_700_000_000_000, seq: seq)
                _ = try batch.append(id: "t-\(seq)", eventDigest: IdEntry.digest(ofCanonicalEvent: event), record: record,
                                     recordedMillis: 1_700_000_000_000)
            }
        }
    }

    /// The writer commits a batch in LMDB before the fdatasync of its frame in the append log
    /// ends; the head is published only after it. A TAIL that read past the head sent that
    /// batch early, and a machine that stopped meanwhile lost it (the index is rebuilt from
    /// the log), leaving the follower with records the ledger then gave to other events.
    func testATailSendsNothingPastTheDurableHead() throws {
        let directory = NSTemporaryDirectory() + "gongkai-tail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try LedgerStore(directory: directory)
        defer { try? store.close() }
        try appendRecords(1...3, to: store)
        let service = LedgerService(configuration: ServerConfiguration(stateDirectory: directory, socketPath: directory + "/gongkai.sock"),
                                    store: store, domain: DomainState(), admission: AdmitAll(), logger: Logger(label: "test"))
        // Committed in LMDB after the head was published, as a batch under its fdatasync is.
        try appendRecords(4...5, to: store)
        XCTAssertEqual(service.head.size, 3)
        XCTAssertEqual(store.head.size, 5)

        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(unixDomainSocketPath: directory + "/peer.sock")).wait()
        TailStream(service: service, channel: channel, from: 2).start()
        var sent: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { sent += buffer.readableBytesView }
        let lines = sent.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("EVENT ") }, "\(lines)")
        XCTAssertTrue(lines[0].contains(#""id":"t-2""#) && lines[1].contains(#""id":"t-3""#), "\(lines)")
        _ = try? channel.finish()
    }
}
