/// One answer line from gongkaid, split into its kind and payload.
///
/// The daemon answers `OK <json>`, `ERR <code> <message>`, and for streams
/// `EVENT <record>` lines closed by `END <json>`. Anything else is kept
/// verbatim as `.other` so callers can report it instead of guessing.
public enum Answer: Equatable, Sendable {
    /// `OK <json>`: the JSON text after `OK ` (empty if the line was just `OK`).
    case ok(String)
    /// `ERR <code> <message>`.
    case err(code: String, message: String)
    /// `EVENT <record>`: the record exactly as the daemon sent it.
    case event(String)
    /// `END <json>`: the JSON text that closes a stream.
    case end(String)
    /// Any line that is none of the above.
    case other(String)

    /// Splits one answer line (without its line ending) into an `Answer`.
    public static func parse(_ line: String) -> Answer {
        if let rest = payload(of: line, keyword: "OK") { return .ok(rest) }
        if let rest = payload(of: line, keyword: "EVENT") { return .event(rest) }
        if let rest = payload(of: line, keyword: "END") { return .end(rest) }
        if let rest = payload(of: line, keyword: "ERR") {
            // The code is one word; the message is the rest of the line, spaces included.
            if let space = rest.firstIndex(of: " ") {
                let message = rest[rest.index(after: space)...]
                return .err(code: String(rest[..<space]), message: String(message))
            }
            return .err(code: rest, message: "")
        }
        return .other(line)
    }

    /// The line as the daemon would have sent it (for `--json` style echoing).
    public var line: String {
        switch self {
        case .ok(let json): return json.isEmpty ? "OK" : "OK " + json
        case .err(let code, let message): return message.isEmpty ? "ERR " + code : "ERR \(code) \(message)"
        case .event(let record): return "EVENT " + record
        case .end(let json): return json.isEmpty ? "END" : "END " + json
        case .other(let text): return text
        }
    }

    /// True for `.ok`.
    public var isOK: Bool {
        if case .ok = self { return true }
        return false
    }

    /// The text after `keyword ` when `line` is `keyword` or starts with `keyword `.
    private static func payload(of line: String, keyword: String) -> String? {
        guard line.hasPrefix(keyword) else { return nil }
        let rest = line.utf8.dropFirst(keyword.utf8.count)
        if rest.isEmpty { return "" }
        guard rest.first == UInt8(ascii: " ") else { return nil }
        return String(Substring(rest.dropFirst()))
    }
}
