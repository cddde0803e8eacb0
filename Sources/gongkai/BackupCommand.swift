import ArgumentParser
import Foundation
import GongkaiClient

/// `gongkai backup --to DIR`: asks the daemon for a compacting hot copy of its ledger.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Have the daemon write a consistent hot copy of its ledger into a new directory.",
        discussion: """
            Sends BACKUP <absolute DIR>. The daemon itself writes DIR/data.mdb, as its own user, \
            while appends go on; DIR must not exist yet (its parent must) or be empty, and must \
            not contain whitespace. The answer names the head the copy holds (size, root) and \
            the bytes written. Restore with scripts/restore DIR STATE_DIR. Waits at least an \
            hour for the answer unless --timeout is 0 (forever).
            """)
    @OptionGroup var options: GlobalOptions

    @Option(name: .customLong("to"), help: ArgumentHelp("The directory to create (a relative path is taken from here).", valueName: "dir"))
    var directory: String

    func validate() throws {
        guard !directory.isEmpty else { throw ValidationError("--to needs a directory") }
        guard !directory.contains(where: { $0.isWhitespace }) else {
            throw ValidationError("--to: the directory must not contain whitespace")
        }
    }

    func run() throws {
        let absolute = directory.hasPrefix("/") ? directory
            : URL(fileURLWithPath: directory, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
        try DaemonSession.run {
            // A copy of a large ledger can take a while: never give up sooner than an hour.
            let timeout = options.timeout == 0 ? 0 : max(options.timeout, 3600)
            let connection = try DaemonSession.connect(options, timeout: timeout)
            defer { connection.close() }
            let json = try DaemonSession.expectOK(connection.request("BACKUP \(absolute)"))
            let output = options.output
            if output.readable {
                ReadableFormat.keyValues(json: json, leading: ["directory", "size", "root", "bytes"]).forEach(output.line)
            } else {
                output.line(json)
            }
        }
    }
}
