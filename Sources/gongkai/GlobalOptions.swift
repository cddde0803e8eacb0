import ArgumentParser
import GongkaiClient

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Path of the daemon's Unix socket (default: $GONGKAI_SOCKET, else ./var/gongkai.sock).",
        valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's raw JSON answers, one per line (the default when stdout is not a terminal).")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Seconds to wait for an answer before giving up; 0 waits forever.", valueName: "seconds"))
    var timeout: Double = 60

    var socketPath: String { socket ?? defaultSocketPath() }

    /// How to print: raw for scripts, readable for a person at a terminal.
    var output: Output { Output(readable: !json && Output.stdoutIsTerminal) }

    func validate() throws {
        guard timeout >= 0 else { throw ValidationError("--timeout must be 0 or more seconds") }
    }
}
