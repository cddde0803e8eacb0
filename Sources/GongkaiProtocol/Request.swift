import GongkaiJSON

/// One parsed request line. Parsing is pure: bytes in, a request or a `ProtocolError` out.
public enum Request: Equatable, Sendable {
    case ping
    case help
    case append(eventJSON: [UInt8])
    case get(seq: UInt64)
    /// The record whose event has this id (a clerk knows the id, not the seq).
    case find(id: String)
    case read(from: UInt64, limit: Int)
    case tail(from: UInt64)
    case head
    case stats
    case whoami
    case compliance(unit: String, options: QueryOptions)
    case inquiries(unit: String?, options: QueryOptions)
    case escalations(options: QueryOptions)
    case bulletin(month: String, options: QueryOptions)
    case catalog
    case units
    case proofInclusion(seq: UInt64, size: UInt64?)
    case proofConsistency(old: UInt64, new: UInt64?)
    case verify
    /// A compacting hot copy of the LMDB environment into `directory` (absolute, no whitespace).
    case backup(directory: String)

    /// The verbs this daemon serves, as HELP lists them.
    public static let verbs = ["APPEND", "BACKUP", "BULLETIN", "CATALOG", "COMPLIANCE", "ESCALATIONS", "FIND", "GET", "HEAD", "HELP",
                               "INQUIRIES", "PING", "PROOF", "READ", "STATS", "TAIL", "UNITS", "VERIFY", "WHOAMI"]

    /// Case folding of ASCII letters only: "ınclusıon" (dotless ı) must not become INCLUSION.
    static func asciiUppercased(_ text: Substring) -> String {
        String(decoding: text.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// Answered from what is at hand, without a query, an LMDB read or a proof: the daemon
    /// answers these on the event loop, the others off it.
    public var isMomentary: Bool {
        switch self {
        case .ping, .help, .head, .stats, .whoami: true
        default: false
        }
    }

    /// The verb this request was sent with, as HELP lists it (one of `verbs`).
    public var verb: String {
        switch self {
        case .ping: "PING"
        case .help: "HELP"
        case .append: "APPEND"
        case .get: "GET"
        case .find: "FIND"
        case .read: "READ"
        case .tail: "TAIL"
        case .head: "HEAD"
        case .stats: "STATS"
        case .whoami: "WHOAMI"
        case .compliance: "COMPLIANCE"
        case .inquiries: "INQUIRIES"
        case .escalations: "ESCALATIONS"
        case .bulletin: "BULLETIN"
        case .catalog: "CATALOG"
        case .units: "UNITS"
        case .proofInclusion, .proofConsistency: "PROOF"
        case .verify: "VERIFY"
        case .backup: "BACKUP"
        }
    }

    /// Whether a verb's bytes are APPEND in any ASCII case.
    private static func isAppend(_ verb: UnsafeBufferPointer<UInt8>) -> Bool {
        let append: StaticString = "APPEND"
        guard verb.count == append.utf8CodeUnitCount else { return false }
        for (offset, byte) in verb.enumerated() where byte & 0xDF != append.utf8Start[offset] { return false }
        return true
    }

    /// Parses one line, without its line ending.
    public static func parse(_ line: [UInt8]) throws -> Request {
        try line.withUnsafeBufferPointer { try parse($0) }
    }

    public static func parse(_ line: UnsafeBufferPointer<UInt8>) throws -> Request {
        if line.isEmpty || line.allSatisfy({ $0 == 0x20 }) { throw ProtocolError(.badRequest, "empty line") }
        if line.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }) {
            throw ProtocolError(.badRequest, "line contains a control character")
        }
        guard UTF8Text.isValid(line) else {
            throw ProtocolError(.badRequest, "line is not valid UTF-8")
        }
        let verbEnd = line.firstIndex(of: 0x20) ?? line.count
        guard verbEnd > 0 else { throw ProtocolError(.badRequest, "line starts with a space; expected a verb") }
        var restStart = verbEnd
        while restStart < line.count, line[restStart] == 0x20 { restStart += 1 }
        let rest = UnsafeBufferPointer(rebasing: line[restStart...])
        // Nearly every line is an APPEND: known without making the verb a string.
        if isAppend(UnsafeBufferPointer(rebasing: line[0..<verbEnd])) {
            guard !rest.isEmpty else { throw ProtocolError(.badRequest, "APPEND needs an event: APPEND {\"id\":...}") }
            return .append(eventJSON: Array(rest))
        }
        // ASCII-only case folding: "pıng" must not become PING.
        let verb = String(decoding: line[0..<verbEnd].map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)

        // Split at the space scalar, not at Characters: a combining or prepended mark next to a
        // space makes one Character of both, which would hide the space inside an argument.
        let arguments = String(decoding: rest, as: UTF8.self).unicodeScalars
            .split(separator: " ", omittingEmptySubsequences: true).map { Substring($0) }
        switch verb {
        case "PING": try expectCount(arguments, 0, usage: "PING"); return .ping
        case "HELP": try expectCount(arguments, 0, usage: "HELP"); return .help
        case "HEAD": try expectCount(arguments, 0, usage: "HEAD"); return .head
        case "STATS": try expectCount(arguments, 0, usage: "STATS"); return .stats
        case "WHOAMI": try expectCount(arguments, 0, usage: "WHOAMI"); return .whoami
        case "GET":
            try expectCount(arguments, 1, usage: "GET <seq>")
            return .get(seq: try positive(arguments[0], name: "seq"))
        case "FIND":
            try expectCount(arguments, 1, usage: "FIND <id>")
            let id = String(arguments[0])
            do {
                try EventEnvelope.checkId(id)
            } catch let error as ProtocolError {
                throw ProtocolError(.badRequest, error.message)
            }
            return .find(id: id)
        case "READ":
            guard arguments.count == 1 || arguments.count == 2 else {
                throw ProtocolError(.badRequest, "usage: READ <from> [<limit>]")
            }
            let from = try positive(arguments[0], name: "from")
            var limit = ProtocolLimits.defaultReadLimit
            if arguments.count == 2 {
                let asked = try positive(arguments[1], name: "limit")
                guard asked <= UInt64(ProtocolLimits.maxReadLimit) else {
                    throw ProtocolError(.badRequest, "limit \(asked) is over the maximum \(ProtocolLimits.maxReadLimit)")
                }
                limit = Int(asked)
            }
            return .read(from: from, limit: limit)
        case "CATALOG": try expectCount(arguments, 0, usage: "CATALOG"); return .catalog
        case "VERIFY": try expectCount(arguments, 0, usage: "VERIFY"); return .verify
        case "BACKUP":
            try expectCount(arguments, 1, usage: "BACKUP <absolute directory>")
            return .backup(directory: try backupDirectory(arguments[0]))
        case "PROOF":
            let usage = "usage: PROOF INCLUSION <seq> [<size>] | PROOF CONSISTENCY <old> [<new>]"
            guard (2...3).contains(arguments.count) else { throw ProtocolError(.badRequest, usage) }
            let first = try positive(arguments[1], name: asciiUppercased(arguments[0]) == "INCLUSION" ? "seq" : "old")
            let second = arguments.count == 3 ? try positive(arguments[2], name: "size") : nil
            switch asciiUppercased(arguments[0]) {
            case "INCLUSION": return .proofInclusion(seq: first, size: second)
            case "CONSISTENCY": return .proofConsistency(old: first, new: second)
            default: throw ProtocolError(.badRequest, usage)
            }
        case "UNITS": try expectCount(arguments, 0, usage: "UNITS"); return .units
        case "COMPLIANCE":
            let (positional, options) = try QueryOptions.split(arguments, allowAsof: true)
            guard positional.count == 1 else { throw ProtocolError(.badRequest, "usage: COMPLIANCE <unit> [asof=YYYY-MM-DD] [known=N] [year=YYYY]") }
            return .compliance(unit: positional[0], options: options)
        case "INQUIRIES":
            let (positional, options) = try QueryOptions.split(arguments, allowAsof: true)
            guard positional.count <= 1 else { throw ProtocolError(.badRequest, "usage: INQUIRIES [<unit>] [asof=YYYY-MM-DD] [known=N] [year=YYYY]") }
            return .inquiries(unit: positional.first, options: options)
        case "ESCALATIONS":
            let (positional, options) = try QueryOptions.split(arguments, allowAsof: true)
            guard positional.isEmpty else { throw ProtocolError(.badRequest, "usage: ESCALATIONS [asof=YYYY-MM-DD] [known=N] [year=YYYY]") }
            return .escalations(options: options)
        case "BULLETIN":
            let (positional, options) = try QueryOptions.split(arguments, allowAsof: false)
            guard positional.count == 1 else { throw ProtocolError(.badRequest, "usage: BULLETIN <YYYY-MM> [known=N]") }
            return .bulletin(month: positional[0], options: options)
        case "TAIL":
            try expectCount(arguments, 1, usage: "TAIL <from>")
            return .tail(from: try positive(arguments[0], name: "from"))
        default:
            let shown = verb.count > 32 ? String(verb.prefix(32)) + "…" : verb
            throw ProtocolError(.unknownVerb, "unknown verb \(shown); HELP lists the verbs")
        }
    }

    private static func expectCount(_ arguments: [Substring], _ count: Int, usage: String) throws {
        guard arguments.count == count else { throw ProtocolError(.badRequest, "usage: \(usage)") }
    }

    /// BACKUP's directory: absolute, without whitespace (a tab would otherwise pass the split),
    /// within PATH_MAX, and with no `.`/`..` components, so the answer names the directory written.
    private static func backupDirectory(_ text: Substring) throws -> String {
        guard text.first == "/" else {
            throw ProtocolError(.badRequest, "BACKUP needs an absolute directory, got \"\(text.prefix(80))\"")
        }
        // By scalar: a Character is whitespace only if its first scalar is, and "\u{600} " (a
        // prepend mark and a space) is one Character, so it also survives the split.
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw ProtocolError(.badRequest, "the BACKUP directory must not contain whitespace")
        }
        guard text.utf8.count < 4000 else { throw ProtocolError(.badRequest, "the BACKUP directory is too long") }
        let components = text.split(separator: "/")
        guard !components.isEmpty else { throw ProtocolError(.badRequest, "BACKUP refuses to write into /") }
        guard !components.contains(where: { $0 == "." || $0 == ".." }) else {
            throw ProtocolError(.badRequest, "the BACKUP directory must not contain . or .. components")
        }
        return "/" + components.joined(separator: "/")
    }

    /// A decimal integer ≥ 1 with no sign, no leading zeros past the first digit being allowed.
    private static func positive(_ text: Substring, name: String) throws -> UInt64 {
        guard text.count <= 20, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = UInt64(text),
              number <= ProtocolLimits.maxSeq else {
            throw ProtocolError(.badRequest, "\(name) must be a positive integer up to \(ProtocolLimits.maxSeq), got \"\(text.prefix(40))\"")
        }
        guard number >= 1 else {
            throw ProtocolError(.badRequest, name == "limit" ? "limit must be at least 1" : "\(name) must be at least 1 (seq starts at 1)")
        }
        return number
    }
}
