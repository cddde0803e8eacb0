import Foundation
import GongkaiJSON
import GongkaiStorage

/// One event made ready before the clock starts, as the daemon's event loops hand it to the
/// writer: canonical bytes, id index key and digest.
struct PreparedEvent {
    let canonical: [UInt8]
    let idKey: [UInt8]
    let digest: [UInt8]

    /// The first `count` events of an NDJSON file, with the same rewrite `gongkai-bench
    /// --events-file` makes (a run prefix before `id` and `inquiry`), so the records are the
    /// ones the daemon stores in a bench run, byte for byte apart from `recorded`.
    static func load(path: String, count: Int) throws -> [PreparedEvent] {
        guard let data = FileManager.default.contents(atPath: path) else { throw EventFileError("cannot read \(path)") }
        let run = runPrefix()
        var events: [PreparedEvent] = []
        events.reserveCapacity(count)
        var lineNumber = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            // Line by line up to `count`: a million-line file is never split whole.
            while events.count < count && start < bytes.count {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                lineNumber += 1
                defer { start = end + 1 }
                guard end > start else { continue }
                guard case .object(var fields) = try JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[start..<end])),
                      let id = fields["id"]?.stringValue else {
                    throw EventFileError("\(path) line \(lineNumber): not an event with a string id")
                }
                let prefixedId = "\(run)-\(id)"
                fields["id"] = .string(prefixedId)
                if let inquiry = fields["inquiry"]?.stringValue { fields["inquiry"] = .string("\(run)-\(inquiry)") }
                let canonical = CanonicalJSON.encode(.object(fields))
                events.append(PreparedEvent(canonical: canonical, idKey: IdEntry.key(forId: prefixedId),
                                            digest: IdEntry.digest(ofCanonicalEvent: canonical)))
            }
        }
        guard events.count == count else {
            throw EventFileError("\(path) holds only \(events.count) events, \(count) wanted; make a larger file with gongkai simulate --seeds N")
        }
        return events
    }

    /// The same shape as gongkai-bench's run prefix: wall-clock milliseconds and pid, base 36.
    static func runPrefix() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return String(Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000, radix: 36) + String(Int(getpid()), radix: 36)
    }
}

struct EventFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
