import GongkaiProtocol
import NIOConcurrencyHelpers
import NIOCore

/// One `TAIL <from>`: sends history, then each record once it is durable. It reads from
/// LMDB only while the socket is writable, in chunks, so a reader that stops reading costs
/// one chunk and the socket's buffers — never a queue that grows.
final class TailStream: CommitListener, @unchecked Sendable {
    /// Records read from LMDB per chunk, and a byte bound for large events.
    static let maxChunkRecords = 256
    static let maxChunkBytes = 256 << 10

    private let service: LedgerService
    private let channel: Channel
    private var next: UInt64
    private var ended = false
    private let wakeScheduled = NIOLockedValueBox(false)

    init(service: LedgerService, channel: Channel, from: UInt64) {
        self.service = service
        self.channel = channel
        self.next = from
    }

    /// Starts streaming; call on the channel's event loop.
    func start() {
        guard service.tails.add(self) else {
            finish(with: Array("ERR unavailable too many TAIL streams are open\n".utf8))
            return
        }
        if service.isStopping { serverStopping(); return }
        pump()
    }

    func headAdvanced() {
        // Coalesce: many commits while the loop is busy need only one wake-up.
        let alreadyScheduled = wakeScheduled.withLockedValue { scheduled -> Bool in
            defer { scheduled = true }
            return scheduled
        }
        guard !alreadyScheduled else { return }
        channel.eventLoop.execute { [self] in
            wakeScheduled.withLockedValue { $0 = false }
            pump()
        }
    }

    func serverStopping() {
        channel.eventLoop.execute { [self] in
            pump()
            finish(with: Array("END {\"reason\":\"shutdown\"}\n".utf8))
        }
    }

    /// Call when the channel's writability changes or it closes.
    func channelChanged() {
        guard channel.isActive else {
            ended = true
            service.tails.remove(self)
            return
        }
        pump()
    }

    private func pump() {
        channel.eventLoop.preconditionInEventLoop()
        while !ended, channel.isActive, channel.isWritable {
            // Never past the durable head: LMDB already holds the batch whose fdatasync is
            // under way, and a machine that stops before it ends loses that batch (the index
            // is rebuilt from the log), so a follower would keep records the ledger then
            // gives other events.
            let head = service.head
            guard next <= head.size else { return }
            var output: [UInt8] = []
            do {
                next = try service.store.forEachRecord(from: next, limit: Self.maxChunkRecords, within: head) { _, record in
                    AnswerEncoder.event(record, into: &output)
                    return output.count < Self.maxChunkBytes
                }
            } catch {
                service.logger.error("TAIL read failed: \(error)")
                finish(with: Array("ERR storage \(error)\n".utf8))
                return
            }
            channel.writeAndFlush(channel.allocator.buffer(bytes: output), promise: nil)
        }
    }

    private func finish(with line: [UInt8]) {
        guard !ended else { return }
        ended = true
        service.tails.remove(self)
        channel.writeAndFlush(channel.allocator.buffer(bytes: line)).whenComplete { [channel] _ in
            channel.close(promise: nil)
        }
    }
}
