import ArgumentParser
import GongkaiClient

/// `--socket`, shared by the subcommands that talk to a running daemon.
struct SocketOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Path of the daemon's Unix socket (default: $GONGKAI_SOCKET, else ./var/gongkai.sock).", valueName: "path"))
    var socket: String?

    var path: String { socket ?? defaultSocketPath() }
}
