import Foundation
import GongkaiJSON

/// Events from an NDJSON file (`gongkai simulate`, with `--seeds N` for large runs), each
/// sent once, so the load is the realistic mix of publications, tasks, meetings, inquiries
/// and notices rather than one event repeated.
///
/// Ids and inquiry ids get the run's prefix, so a rerun against the same log appends new
/// events, not duplicates. The daemon validates each event against the ones before it, so
/// the file's order has to hold where it matters: every step of one inquiry, and one unit's
/// notices and interview, go over one connection in file order (a connection's appends are
/// committed in the order sent). All other events are independent and go round-robin.
/// A unit can be interviewed only once a year, so a file with an interview fails on it the
/// second time it is sent to the same log: give each run a fresh daemon.
struct EventFileMix {
    /// Each connection's events, in the order they are sent.
    let perConnection: [[String]]

    /// The first `count` events of the file at `path`, spread over `connections`.
    init(path: String, count: Int, connections: Int, run: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EventFileError("cannot read \(path)")
        }
        var perConnection = [[String]](repeating: [], count: connections)
        var nextFree = 0
        var taken = 0
        var lineNumber = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while taken < count && start < bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                lineNumber += 1
                defer { start = end + 1 }
                guard end > start else { continue }
                let event: EventFileMix.Event
                do {
                    event = try Self.rewrite(UnsafeBufferPointer(rebasing: bytes[start..<end]), run: run)
                } catch {
                    throw EventFileError("\(path) line \(lineNumber): \(error)")
                }
                let connection: Int
                if let chain = event.chain {
                    connection = Int(Self.fnv1a(chain) % UInt64(connections))
                } else {
                    connection = nextFree
                    nextFree = (nextFree + 1) % connections
                }
                perConnection[connection].append(event.line)
                taken += 1
            }
        }
        guard taken == count else {
            throw EventFileError("\(path) holds only \(taken) events, \(count) wanted; make a larger file with gongkai simulate --seeds N")
        }
        self.perConnection = perConnection
    }

    struct Event {
        /// Canonical JSON with the run's prefix on `id` and `inquiry`.
        let line: String
        /// Events with the same chain must keep their order; nil for independent ones.
        let chain: String?
    }

    /// The event with `<run>-` before its id and inquiry id, and the chain it belongs to.
    static func rewrite(_ line: UnsafeBufferPointer<UInt8>, run: String) throws -> Event {
        guard case .object(var fields) = try JSONParser.parse(line) else { throw EventFileError("not a JSON object") }
        guard let id = fields["id"]?.stringValue, let type = fields["type"]?.stringValue else {
            throw EventFileError("an event needs a string id and type")
        }
        fields["id"] = .string("\(run)-\(id)")
        var chain: String?
        if let inquiry = fields["inquiry"]?.stringValue {
            let prefixed = "\(run)-\(inquiry)"
            fields["inquiry"] = .string(prefixed)
            chain = "inquiry:" + prefixed
        } else if type == "notice.issued" || type == "interview.held" {
            chain = "escalation:" + (fields["unit"]?.stringValue ?? "")
        }
        return Event(line: CanonicalJSON.encodeString(.object(fields)), chain: chain)
    }

    /// FNV-1a: a hash that, unlike `Hasher`, is the same in every process.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

struct EventFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
