import ArgumentParser
import Foundation
import GongkaiClient
import GongkaiJSON

/// `--known` and `--known-at`: answer from what the ledger knew then, by a record count or by
/// a moment. The daemon takes a count (`known=N`); a moment is turned into one here, from
/// the records' recorded times.
struct KnownFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Answer from the first N records only: what the ledger knew then.", valueName: "N"))
    var known: Int?

    @Option(name: .customLong("known-at"), help: ArgumentHelp(
        "Answer from the records recorded by this moment: a time (2024-01-05T10:00:00Z, or +08:00; without a zone, Asia/Shanghai) or a date (through its end in Asia/Shanghai). The answer's known says how many.",
        valueName: "TIME"))
    var knownAt: String?

    func validate() throws {
        if let known, known < 0 { throw ValidationError("--known must be 0 or more") }
        guard let knownAt else { return }
        if known != nil { throw ValidationError("--known and --known-at both say what the ledger knew: give one") }
        guard let moment = KnownAt.moment(knownAt) else {
            throw ValidationError("--known-at must be a time such as 2024-01-05T10:00:00+08:00 (without a zone, Asia/Shanghai) " +
                                  "or a date such as 2024-01-05 (through its end in Asia/Shanghai)")
        }
        // Records recorded later may still fall before a moment to come: its count could change.
        guard moment <= Int64(Date().timeIntervalSince1970 * 1000) else {
            throw ValidationError("--known-at \(knownAt) is not over yet; leave it out to ask about the ledger as it stands")
        }
    }

    /// ` known=N` for the request line ("" when neither flag is given); `--known-at` is looked
    /// up on the daemon first.
    func requestSuffix(_ options: GlobalOptions) throws -> String {
        if let known { return " known=\(known)" }
        guard let knownAt, let moment = KnownAt.moment(knownAt) else { return "" }
        let found: (count: UInt64, first: String?)
        do {
            found = try Self.count(atOrBefore: moment, options: options)
        } catch {
            throw DaemonSession.fail(error)  // the CLI's usual message and exit status
        }
        // An empty answer "as printed then" would look like a month with nothing to report.
        guard found.count > 0 else {
            Output.note("error: no record had been recorded by \(knownAt)" +
                        (found.first.map { ": the ledger's first record was recorded at \($0)" } ?? ": the ledger is empty"))
            throw ExitCode(1)
        }
        return " known=\(found.count)"
    }

    /// How many records were recorded by `moment`: HEAD's size when its last record was, else
    /// a binary search with GET over the records' recorded times; and when none was, the
    /// first record's recorded time (nil for an empty ledger).
    private static func count(atOrBefore moment: Int64, options: GlobalOptions) throws -> (count: UInt64, first: String?) {
        let connection = try DaemonSession.connect(options)
        defer { connection.close() }
        func answer(_ request: String) throws -> JSONValue {
            let json = try DaemonSession.expectOK(connection.request(request))
            guard let value = try? JSONParser.parse(json) else { throw ClientError.unexpectedAnswer("OK " + json) }
            return value
        }
        func recordedMillis(of value: JSONValue, _ what: String) throws -> Int64 {
            guard let text = value["recorded"]?.stringValue, let millis = KnownAt.moment(text) else {
                throw ClientError.unexpectedAnswer("\(what) without a recorded time")
            }
            return millis
        }
        let head = try answer("HEAD")
        guard let size = head["size"]?.integerValue, size >= 0 else { throw ClientError.unexpectedAnswer("HEAD without a size") }
        if size == 0 { return (0, nil) }
        if try recordedMillis(of: head, "HEAD") <= moment { return (UInt64(size), nil) }
        // A count of 0 means the search asked about record 1 and found it later.
        var first: String?
        let count = try KnownAt.count(atOrBefore: moment, size: UInt64(size)) { seq in
            let record = try answer("GET \(seq)")
            if seq == 1 { first = record["recorded"]?.stringValue }
            return try recordedMillis(of: record, "record \(seq)")
        }
        return (count, count == 0 ? first : nil)
    }
}
