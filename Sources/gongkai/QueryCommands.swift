import ArgumentParser
import GongkaiClient
import GongkaiJSON

/// `--asof`, `--known` (or `--known-at`) and `--year`, shared by the query commands.
struct QueryFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Business date statuses are judged at (default: today, Asia/Shanghai).",
                                            valueName: "YYYY-MM-DD"))
    var asof: String?

    @OptionGroup var knownFlags: KnownFlags

    @Option(name: .long, help: ArgumentHelp("Judge by this year's own table (default: the year of --asof): last year's final state, asked in January. The year must have a table and not lie after --asof's; inquiries lists those received in it.",
                                            valueName: "YYYY"))
    var year: Int?

    func validate() throws {
        if let asof, asof.contains(where: { $0 == " " || $0 == "=" }) || asof.isEmpty {
            throw ValidationError("--asof must be a date YYYY-MM-DD")
        }
        if let year, !(2000...2100).contains(year) { throw ValidationError("--year must be a year 2000–2100") }
    }

    /// ` asof=… known=… year=…` for the request line (`--known-at` is looked up on the daemon).
    func requestSuffix(_ options: GlobalOptions) throws -> String {
        var suffix = ""
        if let asof { suffix += " asof=\(asof)" }
        suffix += try knownFlags.requestSuffix(options)
        if let year { suffix += " year=\(year)" }
        return suffix
    }
}

/// A unit id or Chinese name as one protocol argument.
private func checkUnitArgument(_ unit: String) throws {
    guard !unit.isEmpty, !unit.contains(where: { $0 == " " || $0 == "=" || $0.isNewline || $0 == "\t" }) else {
        throw ValidationError("UNIT must be a unit id or name without spaces or '='")
    }
}

/// Sends `lines` on one connection and returns each `OK` answer's JSON text; an `ERR`
/// ends the command with the CLI's usual message and exit status.
private func queryAnswers(_ lines: [String], options: GlobalOptions) throws -> [String] {
    let connection = try DaemonSession.connect(options)
    defer { connection.close() }
    return try lines.map { try DaemonSession.expectOK(connection.request($0)) }
}

/// Sends one query and prints its answer: the raw JSON when piped or with --json, else the
/// lines `readable` makes of it.
private func printQuery(_ request: String, options: GlobalOptions, readable: (JSONValue) -> [String]) throws {
    try DaemonSession.run {
        let json = try queryAnswers([request], options: options)[0]
        guard options.output.readable else { return options.output.line(json) }
        readable(try parseAnswer(json)).forEach(options.output.line)
    }
}

private func parseAnswer(_ json: String) throws -> JSONValue {
    do {
        return try JSONParser.parse(json)
    } catch {
        throw ClientError.unexpectedAnswer("OK " + json)
    }
}

struct Compliance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show how a unit stands on each obligation: a mark per period, deadlines, replies.",
        discussion: "Example: gongkai compliance 东山镇 --asof 2023-12-31")
    @OptionGroup var options: GlobalOptions
    @OptionGroup var query: QueryFlags

    @Argument(help: "Unit id or Chinese name (dongshan or 东山镇).")
    var unit: String

    func validate() throws { try checkUnitArgument(unit) }

    func run() throws {
        try printQuery("COMPLIANCE \(unit)" + query.requestSuffix(options), options: options, readable: ComplianceFormat.lines)
    }
}

struct Inquiries: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List questions and applications with their due dates and status.",
        discussion: "Example: gongkai inquiries 县财政局 --asof 2023-12-31 --status overdue")
    @OptionGroup var options: GlobalOptions
    @OptionGroup var query: QueryFlags

    @Argument(help: "Unit id or Chinese name; all units when omitted.")
    var unit: String?

    @Option(name: .long, help: ArgumentHelp("Only inquiries with this status: open, overdue, on-time or late.", valueName: "status"))
    var status: String?

    func validate() throws {
        if let unit { try checkUnitArgument(unit) }
        if let status, !InquiryFormat.statuses.contains(status) {
            throw ValidationError("--status must be one of \(InquiryFormat.statuses.joined(separator: ", "))")
        }
    }

    func run() throws {
        try DaemonSession.run {
            let output = options.output
            let request = "INQUIRIES" + (unit.map { " " + $0 } ?? "") + (try query.requestSuffix(options))
            let answers = try queryAnswers(output.readable ? [request, "UNITS"] : [request], options: options)
            // Raw and unfiltered: the daemon's bytes as they came.
            if !output.readable && status == nil { return output.line(answers[0]) }
            let answer = try parseAnswer(answers[0])
            let filtered = InquiryFormat.filtered(answer, status: status)
            guard output.readable else { return output.line(CanonicalJSON.encodeString(filtered)) }
            let names = CatalogFormat.unitNames(try parseAnswer(answers[1]))
            let total = answer["inquiries"]?.arrayValue?.count
            InquiryFormat.lines(filtered, names: names, status: status, total: total).forEach(output.line)
        }
    }
}

struct Escalations: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every unit with a notice in --asof's year (or --year): counts, escalation state, rule, interview.",
        discussion: "Example: gongkai escalations --asof 2023-12-31")
    @OptionGroup var options: GlobalOptions
    @OptionGroup var query: QueryFlags

    func run() throws {
        try printQuery("ESCALATIONS" + query.requestSuffix(options), options: options, readable: EscalationFormat.lines)
    }
}

struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Show the rules in force: obligations and escalation rules.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try printQuery("CATALOG", options: options, readable: CatalogFormat.catalogLines)
    }
}

struct UnitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units", abstract: "List the units in force with their Chinese names and groups.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        try printQuery("UNITS", options: options, readable: CatalogFormat.unitLines)
    }
}

struct BulletinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulletin",
        abstract: "Print the monthly bulletin (政务公开月报) for a month.",
        discussion: """
            Formats: table (the default on a terminal), markdown, csv (UTF-8 with a byte order \
            mark and CRLF line ends, for Excel and WPS; one row per unit, the counts and then the \
            items behind them; a 合计 row; then what it was judged from), json (the daemon's answer; the default \
            when stdout is not a terminal or with --json). Example: gongkai bulletin 2023-06 \
            --format csv > 2023-06.csv
            """)
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, markdown, csv, json
    }

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The month.", valueName: "YYYY-MM"))
    var month: String

    @OptionGroup var knownFlags: KnownFlags

    @Option(name: .long, help: "Output format (default: table on a terminal, else json).")
    var format: Format?

    func validate() throws {
        let bytes = Array(month.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
              bytes.enumerated().allSatisfy({ $0.offset == 4 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0.element) }),
              let number = Int(month.suffix(2)), (1...12).contains(number) else {
            throw ValidationError("MONTH must be YYYY-MM, e.g. 2023-06")
        }
        if options.json, let format, format != .json { throw ValidationError("--json and --format \(format.rawValue) disagree") }
    }

    func run() throws {
        try DaemonSession.run {
            let output = options.output
            let chosen = format ?? (output.readable ? .table : .json)
            let request = "BULLETIN \(month)" + (try knownFlags.requestSuffix(options))
            // The county's name heads the report; it comes from the title of the catalog in force.
            let needsCounty = chosen == .table || chosen == .markdown
            let answers = try queryAnswers(needsCounty ? ["CATALOG", request] : [request], options: options)
            let json = answers[answers.count - 1]
            if chosen == .json { return output.line(json) }
            let bulletin = try Bulletin(json: try parseAnswer(json))
            switch chosen {
            case .table:
                let title = try parseAnswer(answers[0])["catalog"]?["title"]?.stringValue ?? ""
                BulletinFormat.table(bulletin, county: BulletinFormat.county(fromCatalogTitle: title)).forEach(output.line)
            case .markdown:
                let title = try parseAnswer(answers[0])["catalog"]?["title"]?.stringValue ?? ""
                output.write(Array(BulletinFormat.markdown(bulletin, county: BulletinFormat.county(fromCatalogTitle: title)).utf8))
            case .csv:
                output.write(BulletinFormat.csv(bulletin))
            case .json:
                break
            }
        }
    }
}
