import ArgumentParser
import GongkaiClient
import GongkaiJSON

/// `gongkai verify`: has the daemon rehash its whole ledger, and exits 1 when it finds
/// damage, so that `gongkai verify || alert` works from cron (`request VERIFY` exits 0 on
/// any OK answer, `"ok":false` included).
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Have the daemon rehash every record, id entry, Merkle node and log frame; exit 1 on damage.",
        discussion: """
            Sends VERIFY. Prints the size and root checked, or the first damaged record \
            (badSeq) and why. Exit 0 when the ledger is whole, 1 when it is damaged or the \
            check could not finish (README: Damage says what to do), 2 when the daemon \
            could not be reached. Waits at least an hour unless --timeout is 0 (forever).
            """)
    @OptionGroup var options: GlobalOptions

    func run() throws {
        var whole = false
        try DaemonSession.run {
            // Rehashing a large ledger takes a while: never give up sooner than an hour.
            let timeout = options.timeout == 0 ? 0 : max(options.timeout, 3600)
            let connection = try DaemonSession.connect(options, timeout: timeout)
            defer { connection.close() }
            let json = try DaemonSession.expectOK(connection.request("VERIFY"))
            let report: JSONValue
            do { report = try JSONParser.parse(json) } catch { throw ClientError.unexpectedAnswer("OK " + json) }
            whole = report["ok"] == .bool(true)
            let output = options.output
            if output.readable {
                ReadableFormat.keyValues(json: json, leading: ["ok", "size", "root", "badSeq", "reason"]).forEach(output.line)
            } else {
                output.line(json)
            }
            if !whole {
                Output.note("error: the ledger is damaged at seq \(report["badSeq"]?.integerValue.map(String.init) ?? "?"): " +
                            (report["reason"]?.stringValue ?? "no reason given"))
            }
        }
        if !whole { throw ExitCode(1) }
    }
}
