import ArgumentParser
import GongkaiProtocol

/// `gongkai`: the command-line client for the gongkaid ledger daemon.
@main
struct Gongkai: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongkai",
        abstract: "Talk to the gongkai ledger daemon over its Unix socket.",
        discussion: """
            Output is readable on a terminal and raw JSON (one answer per line) when \
            stdout is a pipe or with --json. Exit codes: 0 ok, 1 the daemon answered \
            with an error (or an append failed), 2 the daemon could not be reached, \
            64 the command line is wrong (a missing or bad argument or option).
            """,
        version: GongkaiVersion.current,
        subcommands: [
            Ping.self, Head.self, Stats.self, Whoami.self,
            Get.self, Read.self, Tail.self,
            Append.self, Request.self,
            Compliance.self, Inquiries.self, Escalations.self, BulletinCommand.self,
            CatalogCommand.self, UnitsCommand.self, Simulate.self,
            Keygen.self,
            CheckpointCommand.self,
            Audit.self,
            BackupCommand.self, VerifyCommand.self,
        ]
    )
}
