import ArgumentParser
import Foundation
import GongkaiJSON
import GongkaiStorage

/// `gongkai-storage-bench`: the storage limit. It appends the same records the daemon would
/// write straight into a fresh ledger (append log and LMDB) through `LedgerStore.appendBatch`, in large
/// transactions with one fsync each, doing per record exactly the storage work of the
/// daemon's writer thread (id lookup, record encoding, id index, log, Merkle nodes) and none
/// of the rest (sockets, parsing, validation, projections). The daemon's appends/s divided
/// by this is how close it gets to its own storage.
@main
struct GongkaiStorageBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongkai-storage-bench",
        abstract: "Append records straight into a fresh LMDB ledger in large transactions and report records/s.")

    @Option(name: .long, help: ArgumentHelp("NDJSON events (gongkai simulate [--seeds N]); the first --events are used.", valueName: "path"))
    var eventsFile: String

    @Option(name: .long, help: "Records to append.")
    var events = 200_000

    /// The daemon's writer takes at most this many appends into one transaction.
    static let daemonMaxBatchRecords = 8_192

    @Option(name: .long, help: "Records per transaction (one fsync each); the daemon's writer takes at most 8192.")
    var batch = GongkaiStorageBench.daemonMaxBatchRecords

    @Option(name: .long, help: ArgumentHelp("Empty or new directory for the ledger, kept afterwards (default: a temporary one, removed).", valueName: "path"))
    var directory: String?

    @Option(name: .long, help: "The records' \"by\": the principal the daemon gives its own uid without an access file.")
    var principal = "admin"

    func validate() throws {
        guard events >= 1 else { throw ValidationError("--events must be 1 or more") }
        guard batch >= 1 else { throw ValidationError("--batch must be 1 or more") }
    }

    func run() throws {
        let prepared: [PreparedEvent]
        do {
            prepared = try PreparedEvent.load(path: eventsFile, count: events)
        } catch {
            fputs("error: \(error)\n", stderr)
            throw ExitCode(2)
        }
        let ledgerDirectory = try makeDirectory()
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: ledgerDirectory) } }
        let store = try LedgerStore(directory: ledgerDirectory)

        var commitNanos: [UInt64] = []
        let started = monotonicNanos()
        var next = 0
        while next < prepared.count {
            let slice = prepared[next..<min(next + batch, prepared.count)]
            let commitStarted = monotonicNanos()
            let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
            _ = try store.appendBatch { ledger in
                // As the daemon's writer: one stamp per commit, never earlier than the last.
                let recordedMillis = max(nowMillis, ledger.latestRecordedMillis ?? 0)
                let recorded = RecordedTime.format(millis: recordedMillis)
                for event in slice {
                    guard try ledger.lookup(idKey: event.idKey) == nil else {
                        throw EventFileError("id of \(String(decoding: event.canonical.prefix(80), as: UTF8.self)) is already in the ledger")
                    }
                    let record = RecordFormat.encode(by: principal, canonicalEvent: event.canonical, recorded: recorded, seq: ledger.size + 1)
                    _ = try ledger.append(idKey: event.idKey, eventDigest: event.digest, record: record, recordedMillis: recordedMillis)
                }
            }
            commitNanos.append(monotonicNanos() - commitStarted)
            next += slice.count
        }
        let seconds = Double(monotonicNanos() - started) / 1e9
        precondition(store.head.size == UInt64(prepared.count), "every record appended exactly once")

        commitNanos.sort()
        func percentileMillis(_ p: Double) -> Double {
            let rank = Int((p * Double(commitNanos.count)).rounded(.up))
            return Double(commitNanos[max(0, min(commitNanos.count - 1, rank - 1))]) / 1e6
        }
        print(String(format: "records=%d batch=%d transactions=%d seconds=%.3f records/s=%.0f commit_p50=%.3fms commit_p99=%.3fms data_bytes=%d log_bytes=%d",
                     prepared.count, batch, commitNanos.count, seconds, Double(prepared.count) / seconds,
                     percentileMillis(0.50), percentileMillis(0.99), store.storageBytes.file, store.appendLogBytes))
    }

    private func makeDirectory() throws -> String {
        if let directory {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            guard try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty else {
                throw ValidationError("--directory \(directory) is not empty")
            }
            return directory
        }
        var template = Array(((ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp") + "/gongkai-storage-bench.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ValidationError("cannot make a temporary directory") }
        return String(cString: made)
    }

    private func monotonicNanos() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
