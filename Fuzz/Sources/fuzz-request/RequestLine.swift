import GongkaiProtocol

/// A request written back as the line a client would send, for the round-trip check.
enum RequestLine {
    /// The line, and the argument tokens meant (nil for APPEND, whose rest is taken whole).
    static func render(_ request: Request) -> (line: [UInt8], tokens: [String]?) {
        var tokens: [String] = []
        switch request {
        case .append(let json):
            return (Array("APPEND ".utf8) + json, nil)
        case .ping, .help, .head, .stats, .whoami, .catalog, .units, .verify:
            break
        case .get(let seq), .tail(let seq):
            tokens = [String(seq)]
        case .find(let id):
            tokens = [id]
        case .read(let from, let limit):
            tokens = [String(from), String(limit)]
        case .proofInclusion(let seq, let size):
            tokens = ["INCLUSION", String(seq)] + (size.map { [String($0)] } ?? [])
        case .proofConsistency(let old, let new):
            tokens = ["CONSISTENCY", String(old)] + (new.map { [String($0)] } ?? [])
        case .backup(let directory):
            tokens = [directory]
        case .compliance(let unit, let options):
            tokens = [unit] + optionTokens(options)
        case .inquiries(let unit, let options):
            tokens = (unit.map { [$0] } ?? []) + optionTokens(options)
        case .escalations(let options):
            tokens = optionTokens(options)
        case .bulletin(let month, let options):
            tokens = [month] + optionTokens(options)
        }
        let text = ([request.verb] + tokens).joined(separator: " ")
        return (Array(text.utf8), tokens)
    }

    private static func optionTokens(_ options: QueryOptions) -> [String] {
        (options.asof.map { ["asof=" + $0] } ?? []) + (options.known.map { ["known=\($0)"] } ?? [])
    }
}
