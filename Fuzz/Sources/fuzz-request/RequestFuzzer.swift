import GongkaiJSON
import GongkaiProtocol

/// libFuzzer entry: the input is one request line as the frame decoder hands it over
/// (without its line ending). Any broken invariant traps, which libFuzzer reports as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestLine(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let line = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    RequestChecks.check(line)
    return 0
}

/// What parsing one line gives: a request or the error answered.
enum ParseOutcome: Equatable {
    case request(Request)
    case error(ProtocolError)

    init(_ line: [UInt8]) {
        do {
            self = .request(try Request.parse(line))
        } catch let error as ProtocolError {
            self = .error(error)
        } catch {
            broken("Request.parse threw \(type(of: error)), not a ProtocolError: \(error)")
        }
    }
}

enum RequestChecks {
    static func check(_ line: [UInt8]) {
        let outcome = ParseOutcome(line)
        switch outcome {
        case .error(let error): checkError(error, codes: [.badRequest, .unknownVerb])
        case .request(let request): checkRequest(request, line: line)
        }
        checkVerbCaseFolding(line, outcome: outcome)
        checkSpacing(line, outcome: outcome)
    }

    /// A refusal has one of the codes expected (Request.parse: `bad-request` or `unknown-verb`;
    /// the line limit belongs to the frame decoder) and is answered on exactly one line.
    static func checkError(_ error: ProtocolError, codes: Set<ErrorCode>) {
        require(codes.contains(error.code), "refused with \(error.code), expected one of \(codes)")
        require(!error.message.isEmpty, "an error without a message")
        var answer: [UInt8] = []
        AnswerEncoder.error(error, into: &answer)
        require(answer.last == 0x0A, "an error answer that does not end its line")
        require(!answer.dropLast().contains(where: { $0 == 0x0A || $0 == 0x0D }),
                "an error answer that breaks the framing: \(answer)")
    }

    static func checkRequest(_ request: Request, line: [UInt8]) {
        // What a line must be for any request to come out of it.
        require(!line.isEmpty && line[0] != 0x20, "a request from an empty line or one starting with a space")
        require(!line.contains(where: { $0 < 0x20 && $0 != 0x09 || $0 == 0x7F }), "a request from a line with a control byte")
        require(String(validating: line, as: UTF8.self) != nil, "a request from a line that is not UTF-8")
        let verbEnd = line.firstIndex(of: 0x20) ?? line.count
        let verb = String(decoding: line[..<verbEnd].map(asciiUppercased), as: UTF8.self)
        require(verb == request.verb, "line verb \(verb) parsed as \(request)")
        require(Request.verbs.contains(verb), "HELP does not list \(verb)")
        checkFields(request, line: line, verbEnd: verbEnd)
        checkRoundTrip(request)
    }

    /// Bounds and shapes each request's fields must have.
    static func checkFields(_ request: Request, line: [UInt8], verbEnd: Int) {
        switch request {
        case .append(let json):
            let restStart = line[verbEnd...].firstIndex(where: { $0 != 0x20 }) ?? line.count
            require(!json.isEmpty && json == Array(line[restStart...]), "APPEND's event is not the rest of the line")
            checkEnvelope(json)
        case .get(let seq), .tail(let seq):
            require(seq >= 1, "seq/from 0 accepted")
        case .find(let id):
            // An event's id: 1–128 visible characters, so no space and never empty.
            require(!id.isEmpty && id.unicodeScalars.count <= ProtocolLimits.maxIdScalars, "FIND id of \(id.unicodeScalars.count) characters")
            require(!id.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }),
                    "FIND id with a space or control character")
        case .read(let from, let limit):
            require(from >= 1, "READ from 0 accepted")
            require((1...ProtocolLimits.maxReadLimit).contains(limit), "READ limit \(limit) outside 1…\(ProtocolLimits.maxReadLimit)")
        case .proofInclusion(let first, let second), .proofConsistency(let first, let second):
            require(first >= 1 && (second ?? 1) >= 1, "PROOF with a 0 accepted")
        case .backup(let directory):
            require(directory.hasPrefix("/") && directory.count > 1, "BACKUP directory \(directory) is not absolute or is /")
            require(!directory.hasSuffix("/") && !directory.contains("//"), "BACKUP directory \(directory) is not normalised")
            let components = directory.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            require(!components.contains(where: { $0 == "." || $0 == ".." }), "BACKUP directory \(directory) has . or ..")
            require(!directory.unicodeScalars.contains(where: { $0.properties.isWhitespace }),
                    "BACKUP directory \(directory.unicodeScalars.map { $0.escaped(asASCII: true) }.joined()) contains whitespace")
            require(directory.utf8.count < 4000, "BACKUP directory longer than the bound")
        case .compliance(let unit, let options):
            require(!unit.isEmpty && !unit.contains(where: { $0 == "=" }), "COMPLIANCE unit \(unit) is empty or an option")
            checkOptions(options)
        case .inquiries(let unit, let options):
            require(unit.map { !$0.isEmpty && !$0.contains(where: { $0 == "=" }) } ?? true, "INQUIRIES unit is empty or an option")
            checkOptions(options)
        case .escalations(let options):
            checkOptions(options)
        case .bulletin(let month, let options):
            require(!month.isEmpty && !month.contains(where: { $0 == "=" }), "BULLETIN month \(month) is empty or an option")
            require(options.asof == nil, "BULLETIN accepted asof=")
            checkOptions(options)
        case .ping, .help, .head, .stats, .whoami, .catalog, .units, .verify:
            let rest = line[verbEnd...]
            require(rest.allSatisfy { $0 == 0x20 }, "a verb without arguments accepted arguments")
        }
    }

    static func checkOptions(_ options: QueryOptions) {
        // Split on the Character " ", so no value holds that Character (a grapheme cluster can
        // still carry a U+0020 byte: "x\u{600} y" is one argument; see BENCHMARKS.md).
        if let asof = options.asof { require(!asof.contains(where: { $0 == " " }), "an asof value with a space: \(asof)") }
    }

    /// APPEND's event goes to EventEnvelope.parse next: it accepts or answers one of three codes.
    static func checkEnvelope(_ json: [UInt8]) {
        do {
            let envelope = try EventEnvelope.parse(json)
            let scalars = envelope.id.unicodeScalars.count
            require((1...ProtocolLimits.maxIdScalars).contains(scalars), "event id of \(scalars) scalars accepted")
            require(json.count <= ProtocolLimits.maxEventBytes, "an event over the size limit accepted")
            require(envelope.canonical == CanonicalJSON.encode(envelope.value), "an envelope whose canonical bytes are stale")
        } catch let error as ProtocolError {
            checkError(error, codes: [.invalidJSON, .invalidEvent, .tooLarge])
        } catch {
            broken("EventEnvelope.parse threw \(type(of: error)): \(error)")
        }
    }

    /// The request written back as a line parses to the same request, whenever Swift splits the
    /// written line into the tokens intended (grapheme clusters can glue a space to a token).
    static func checkRoundTrip(_ request: Request) {
        let (line, tokens) = RequestLine.render(request)
        if let tokens {
            let verbEnd = line.firstIndex(of: 0x20) ?? line.count
            let rest = line[verbEnd...].drop { $0 == 0x20 }
            let split = String(decoding: rest, as: UTF8.self).split(separator: " ").map(String.init)
            guard split == tokens else { return }
        }
        require(ParseOutcome(line) == .request(request),
                "\(request) written as \(String(decoding: line, as: UTF8.self)) parses as \(ParseOutcome(line))")
    }

    /// Verbs are case-insensitive in ASCII: flipping the case of the verb's letters changes nothing.
    static func checkVerbCaseFolding(_ line: [UInt8], outcome: ParseOutcome) {
        let verbEnd = line.firstIndex(of: 0x20) ?? line.count
        guard line[..<verbEnd].contains(where: isASCIILetter) else { return }
        var flipped = line
        for index in 0..<verbEnd where isASCIILetter(line[index]) { flipped[index] ^= 0x20 }
        require(ParseOutcome(flipped) == outcome, "flipping the verb's case changed the answer")
    }

    /// Arguments are separated by one or more spaces: on an ASCII line other than APPEND,
    /// doubling every space changes nothing.
    static func checkSpacing(_ line: [UInt8], outcome: ParseOutcome) {
        guard line.allSatisfy({ $0 < 0x80 }), line.contains(0x20) else { return }
        let verbEnd = line.firstIndex(of: 0x20) ?? line.count
        guard String(decoding: line[..<verbEnd].map(asciiUppercased), as: UTF8.self) != "APPEND" else { return }
        var doubled: [UInt8] = []
        for byte in line {
            doubled.append(byte)
            if byte == 0x20 { doubled.append(0x20) }
        }
        require(ParseOutcome(doubled) == outcome, "doubling the spaces changed the answer")
    }

    static func isASCIILetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    static func asciiUppercased(_ byte: UInt8) -> UInt8 { (0x61...0x7A).contains(byte) ? byte - 0x20 : byte }
}

func require(_ condition: Bool, _ message: @autoclosure () -> String, line: UInt = #line) {
    if !condition { broken(message(), line: line) }
}

func broken(_ message: String, line: UInt = #line) -> Never {
    fatalError("fuzz-request invariant broken: \(message)", line: line)
}
