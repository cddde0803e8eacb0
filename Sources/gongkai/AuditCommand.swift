import ArgumentParser
import Foundation
import GongkaiCheckpoint
import GongkaiClient
import GongkaiDomain
import GongkaiJSON
import GongkaiMerkle

/// `gongkai audit`: export the log with its signed checkpoint, and verify such an export
/// offline — signature, completeness, order, root, consistency with an earlier checkpoint —
/// then replay it into the compliance and escalation state.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the log for an offline audit, and verify and replay such an export.",
        subcommands: [Export.self, Verify.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every record up to the signed head to FILE (NDJSON) and the signed checkpoint to FILE.checkpoint.",
            discussion: """
                Records are written byte for byte as the daemon returns them, seq 1 to the \
                head's size; records appended meanwhile are left out. Without a checkpoint \
                (gongkaid runs without --signing-key) the export is written unsigned, with a \
                warning, and no FILE.checkpoint.
                """)
        @OptionGroup var options: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("The export file to write.", valueName: "file"))
        var to: String

        @Flag(name: .long, help: "Replace FILE and FILE.checkpoint if they exist (an earlier checkpoint is what --previous checks against).")
        var force = false

        func run() throws {
            // A kept export's checkpoint is the auditor's evidence of an earlier head: never
            // replaced unasked.
            for path in [to, AuditExportFile.checkpointPath(to)] where !force && FileManager.default.fileExists(atPath: path) {
                Output.note("error: \(path) already exists; keep it (audit verify --previous checks a later export against it) " +
                            "and export to another name, or pass --force to replace it")
                throw ExitCode(1)
            }
            try DaemonSession.run {
                let connection = try DaemonSession.connect(options)
                defer { connection.close() }
                let head = try JSONParser.parse(try DaemonSession.expectOK(connection.request("HEAD")))
                guard let sizeValue = head["size"]?.integerValue, sizeValue >= 0, let root = head["root"]?.stringValue else {
                    throw ClientError.unexpectedAnswer("HEAD without size and root")
                }
                let size = Int(sizeValue)
                let note = head["checkpoint"]?.stringValue
                guard let file = fopen(to, "wb") else {
                    Output.note("error: cannot write \(to): \(String(cString: strerror(errno)))")
                    throw ExitCode(1)
                }
                var written = 0
                do {
                    defer { fclose(file) }
                    while written < size {
                        var inPage = 0
                        let end = try connection.stream("READ \(written + 1) 10000") { record in
                            guard written < size else { return }
                            record.withUnsafeBufferPointer { _ = fwrite($0.baseAddress, 1, $0.count, file) }
                            fputc(0x0A, file)
                            written += 1
                            inPage += 1
                        }
                        guard case .end = end else { throw DaemonSession.daemonError(end) }
                        guard inPage > 0 else {
                            throw ClientError.unexpectedAnswer("READ \(written + 1) returned no records below the head's size \(size)")
                        }
                    }
                    guard fflush(file) == 0, ferror(file) == 0 else {
                        Output.note("error: writing \(to) failed: \(String(cString: strerror(errno)))")
                        throw ExitCode(1)
                    }
                }
                let checkpointPath = AuditExportFile.checkpointPath(to)
                if let note {
                    guard FileManager.default.createFile(atPath: checkpointPath, contents: Data(note.utf8)) else {
                        Output.note("error: cannot write \(checkpointPath)")
                        throw ExitCode(1)
                    }
                } else {
                    // A checkpoint left by an earlier export would not describe these records.
                    try? FileManager.default.removeItem(atPath: checkpointPath)
                    Output.note("warning: the daemon's HEAD carries no checkpoint (gongkaid runs without --signing-key): the export is unsigned and cannot be verified")
                }
                let output = options.output
                if output.readable {
                    output.line("exported \(written) records (root \(root)) to \(to)"
                                + (note != nil ? "; signed checkpoint in \(checkpointPath)" : "; unsigned"))
                } else {
                    output.line(CanonicalJSON.encodeString([
                        "file": .string(to), "size": .number(Double(written)), "root": .string(root),
                        "checkpoint": note != nil ? .string(checkpointPath) : .null,
                    ]))
                }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify an export offline against its signed checkpoint, then replay it.",
            discussion: """
                Checks FILE.checkpoint's signature with the verifier key, that every line is a \
                canonical record, that line i holds seq i, that there are exactly the \
                checkpoint's size of them and that their RFC 6962 root is the signed root; \
                with --previous, that the first records have the earlier checkpoint's root. \
                Then prints the ESCALATIONS state (and, with --unit, that unit's COMPLIANCE) \
                with the digest the daemon gives for the same known and asof. A changed \
                record is located when a daemon is reachable (--socket or the default \
                socket): its proofs are checked against the signed root, so it is not trusted. \
                Exit 0 when everything verifies, 1 otherwise, with the reason on stderr; 64 \
                when the export verifies but --unit or --year names what its tables lack (a \
                unit not in that year's table, a year without its own table, or a --year \
                after --asof's): the JSON then says "ok":true and the "problem".
                """)
        @OptionGroup var options: GlobalOptions

        @Argument(help: ArgumentHelp("The export (NDJSON); its checkpoint is FILE.checkpoint.", valueName: "file"))
        var file: String

        @Option(name: .long, help: ArgumentHelp("Verifier key file, as written by gongkai keygen (PREFIX.pub).", valueName: "pubfile"))
        var key: String

        @Option(name: .long, help: ArgumentHelp("An earlier signed checkpoint of the same log, to check this export extends it.", valueName: "checkpointfile"))
        var previous: String?

        @Option(name: .long, help: ArgumentHelp("Business date to judge (default: the day the export's last record was recorded, in Asia/Shanghai: the ledger as it stood when exported).", valueName: "YYYY-MM-DD"))
        var asof: String?

        @Option(name: .long, help: ArgumentHelp("Also print this unit's compliance (id or Chinese name).", valueName: "unit"))
        var unit: String?

        @Option(name: .long, help: ArgumentHelp("Judge by this year's table, as the queries' year= (default: the year of --asof).", valueName: "YYYY"))
        var year: Int?

        @Option(name: .long, help: ArgumentHelp("The log's expected origin (the checkpoints' first line): a checkpoint of another log is refused.", valueName: "origin"))
        var origin: String?

        func validate() throws {
            if let asof, BusinessDate(asof) == nil { throw ValidationError("--asof must be a date YYYY-MM-DD") }
            if let year, !(2000...2100).contains(year) { throw ValidationError("--year must be a year 2000–2100") }
        }

        func run() throws {
            let output = options.output
            var report: [String] = []
            do {
                let verifier: CheckpointVerifier
                do {
                    verifier = try CheckpointVerifier(key: try Self.readText(key, what: "key file", trimNewline: true))
                } catch let failure as AuditFailure {
                    throw failure
                } catch {
                    throw AuditFailure("key file \(key): \(error)")
                }
                let export = try AuditExportFile(path: file)
                let verification = try AuditVerification(export: export, verifier: verifier)
                let checkpoint = verification.checkpoint
                let keyName = "\(verifier.keyName)+\(verifier.keyHash)"
                if let origin, checkpoint.origin != origin {
                    throw AuditFailure("the checkpoint's origin is \"\(checkpoint.origin)\", not \"\(origin)\": it signs another log")
                }
                report.append("✓ signature by \(keyName) (origin \(checkpoint.origin)\(origin != nil ? ", as expected" : ""), size \(checkpoint.size))")
                report.append("✓ \(checkpoint.size) records, canonical, seq 1…\(checkpoint.size)")
                guard verification.rootMatches else { throw locate(verification) }
                report.append("✓ root matches checkpoint (\(checkpoint.root.hex))")

                var previousCheckpoint: Checkpoint?
                if let previous {
                    let earlier: Checkpoint
                    do {
                        earlier = try verifier.verify(note: try Self.readText(previous, what: "previous checkpoint", trimNewline: false))
                    } catch let failure as AuditFailure {
                        throw failure
                    } catch {
                        throw AuditFailure("previous checkpoint \(previous): \(error)")
                    }
                    try verification.checkConsistency(previous: earlier)
                    previousCheckpoint = earlier
                    report.append("✓ consistent with previous checkpoint of size \(earlier.size)")
                }

                let replay = try AuditReplay(records: verification.records)
                let date = asof.flatMap { BusinessDate($0) } ?? replay.lastRecordedDate ?? AuditReplay.today()
                let escalations: JSONValue, compliance: JSONValue?
                do {
                    if let year, let problem = replay.problem(year: year, asof: date) { throw problem }
                    escalations = replay.escalations(asof: date, year: year)
                    compliance = try unit.map { try replay.compliance(unit: $0, asof: date, year: year) }
                } catch let problem as AuditQueryProblem {
                    if output.readable {
                        report.forEach(output.line)
                    } else {
                        // The export is sound; only the question was wrong.
                        output.line(CanonicalJSON.encodeString([
                            "ok": true, "key": .string(keyName), "origin": .string(checkpoint.origin),
                            "size": .number(Double(checkpoint.size)), "root": .string(checkpoint.root.hex),
                            "problem": .string(problem.description),
                        ]))
                    }
                    Output.note("error: the export verified, but \(problem.description)")
                    throw ExitCode(64)
                }

                if output.readable {
                    report.forEach(output.line)
                    output.line("")
                    output.line("state as of \(date), known \(checkpoint.size):")
                    EscalationFormat.lines(escalations).forEach(output.line)
                    output.line("escalations digest \(escalations["digest"]?.stringValue ?? "")")
                    if let compliance {
                        output.line("")
                        ComplianceFormat.lines(compliance).forEach(output.line)
                        output.line("compliance digest \(compliance["digest"]?.stringValue ?? "")")
                    }
                } else {
                    var json: [String: JSONValue] = [
                        "ok": true, "key": .string(keyName), "origin": .string(checkpoint.origin),
                        "size": .number(Double(checkpoint.size)), "root": .string(checkpoint.root.hex),
                        "asof": .string(date.description), "known": .number(Double(checkpoint.size)),
                        "escalations": escalations,
                    ]
                    if let previousCheckpoint {
                        json["previous"] = ["size": .number(Double(previousCheckpoint.size)), "root": .string(previousCheckpoint.root.hex)]
                    }
                    if let compliance { json["compliance"] = compliance }
                    output.line(CanonicalJSON.encodeString(.object(json)))
                }
            } catch let failure as AuditFailure {
                if output.readable {
                    report.forEach(output.line)
                    output.line("✗ \(failure.description)")
                } else {
                    var json: [String: JSONValue] = ["ok": false, "reason": .string(failure.description)]
                    if let seq = failure.seq { json["seq"] = .number(Double(seq)) }
                    if let line = failure.line { json["line"] = .number(Double(line)) }
                    output.line(CanonicalJSON.encodeString(.object(json)))
                }
                Output.note("error: \(failure.description)")
                throw ExitCode(1)
            }
        }

        /// The root differs though every seq is in place: a record was changed. Locates it
        /// with a daemon's proofs when one is reachable, checking them against the signed root.
        private func locate(_ verification: AuditVerification) -> AuditFailure {
            let changed = "a record was changed: the root \(verification.root.hex) differs from the signed \(verification.checkpoint.root.hex)"
            let path = options.socketPath
            let connection: LineConnection
            do {
                connection = try LineConnection(path: path)
                connection.setReadTimeout(seconds: options.timeout)
            } catch {
                // Asked for a daemon that cannot be reached: say so, not "run with --socket".
                if options.socket != nil {
                    return AuditFailure("a record was changed; the daemon at \(path), which would locate it, cannot be reached: \(error)")
                }
                return AuditFailure("a record was changed; run with --socket to locate it")
            }
            defer { connection.close() }
            let locator = AuditLocator { line in
                switch try connection.request(line) {
                case .ok(let json): return try JSONParser.parse(json)
                case let other: throw AuditFailure("\(line): \(other.line.prefix(200))")
                }
            }
            do {
                let seq = try locator.firstChangedSeq(verification)
                return AuditFailure("line \(seq) holds a changed record: seq \(seq)'s leaf differs from the one proven under the signed root",
                                    seq: seq, line: Int(seq))
            } catch {
                return AuditFailure("\(changed); the daemon at \(path) could not locate it: \(error)")
            }
        }

        private static func readText(_ path: String, what: String, trimNewline: Bool) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else { throw AuditFailure("cannot read \(what) \(path)") }
            guard var text = String(data: data, encoding: .utf8) else { throw AuditFailure("\(what) \(path) is not UTF-8 text") }
            if trimNewline && text.hasSuffix("\n") { text.removeLast() }
            return text
        }
    }
}
