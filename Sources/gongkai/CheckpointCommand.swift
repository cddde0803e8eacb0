import ArgumentParser
import Foundation
import GongkaiCheckpoint
import GongkaiClient
import GongkaiJSON

/// `gongkai checkpoint`: signed checkpoints (C2SP signed notes) of the log's head.
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Check signed checkpoints of the log.",
        subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a signed checkpoint against a verifier key; print its origin, size and root.",
            discussion: """
                The note comes from NOTEFILE, or from the daemon's HEAD when no file is given. \
                Exit 1 if the key or note is malformed or the note carries no valid signature \
                by the key; 2 if the daemon could not be reached.
                """)
        @OptionGroup var options: GlobalOptions

        @Option(name: .long, help: ArgumentHelp("Verifier key file, as written by gongkai keygen (PREFIX.pub).", valueName: "pubfile"))
        var key: String

        @Argument(help: ArgumentHelp("A signed checkpoint note; without it, the live head's.", valueName: "notefile"))
        var noteFile: String?

        @Option(name: .long, help: ArgumentHelp("The log's expected origin (the note's first line): a note of another log is refused (exit 1).", valueName: "origin"))
        var origin: String?

        func run() throws {
            let verifier: CheckpointVerifier
            let keyText = try Self.readKey(key)
            do {
                verifier = try CheckpointVerifier(key: keyText)
            } catch {
                Output.note("error: key file \(key): \(error)")
                throw ExitCode(1)
            }
            let note = try noteFile.map(Self.readNote) ?? liveNote()
            let checkpoint: Checkpoint
            do {
                checkpoint = try verifier.verify(note: note)
            } catch {
                Output.note("error: \(error)")
                throw ExitCode(1)
            }
            if let origin, checkpoint.origin != origin {
                Output.note("error: the note's origin is \"\(checkpoint.origin)\", not \"\(origin)\": it signs another log")
                throw ExitCode(1)
            }
            let json = CanonicalJSON.encodeString([
                "origin": .string(checkpoint.origin),
                "size": .number(Double(checkpoint.size)),
                "root": .string(checkpoint.root.hex),
            ])
            let output = options.output
            if output.readable {
                ReadableFormat.keyValues(json: json, leading: ["origin", "size", "root"]).forEach(output.line)
            } else {
                output.line(json)
            }
        }

        /// The key file's one line; a single trailing newline is allowed.
        private static func readKey(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                Output.note("error: cannot read key file \(path)")
                throw ExitCode(1)
            }
            var text = String(decoding: data, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            return text
        }

        /// The note exactly as stored: its newlines are part of what was signed.
        private static func readNote(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                Output.note("error: cannot read \(path)")
                throw ExitCode(1)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                Output.note("error: \(path) is not UTF-8 text")
                throw ExitCode(1)
            }
            return text
        }

        /// The `checkpoint` of the daemon's HEAD answer.
        private func liveNote() throws -> String {
            var note: String?
            try DaemonSession.run {
                let connection = try DaemonSession.connect(options)
                defer { connection.close() }
                let head = try JSONParser.parse(try DaemonSession.expectOK(connection.request("HEAD")))
                guard let checkpoint = head["checkpoint"]?.stringValue else {
                    Output.note("error: the daemon's HEAD carries no checkpoint (gongkaid runs without --signing-key)")
                    throw ExitCode(1)
                }
                note = checkpoint
            }
            return note!
        }
    }
}
