import ArgumentParser

/// `gongkai-bench`: the project's own load generator and measuring tools for `scripts/bench`
/// and `scripts/bench-replay`. Without a subcommand it runs `append`.
@main
struct GongkaiBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongkai-bench",
        abstract: "Measure gongkaid: durable appends, repeated queries, start-up to READY.",
        subcommands: [AppendBench.self, QueryBench.self, AwaitReady.self],
        defaultSubcommand: AppendBench.self)
}
