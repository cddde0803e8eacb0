import ArgumentParser
import GongkaiProtocol
import Foundation
import GongkaiServer
import Logging

/// `gongkaid`: the ledger daemon.
@main
struct Gongkaid: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongkaid",
        abstract: "The gongkai ledger daemon: an append-only, tamper-evident log of government transparency work.",
        discussion: """
        Serves the line protocol on a Unix socket. Stops cleanly on SIGTERM or SIGINT;
        rereads the access file on SIGHUP.
        Under systemd the state directory defaults to $STATE_DIRECTORY.
        """,
        version: GongkaiVersion.current
    )

    @Option(name: .long, help: "Directory for the ledger (default: $STATE_DIRECTORY, else ./var).")
    var stateDirectory: String?

    @Option(name: .long, help: "Unix socket to listen on (default: <state-directory>/gongkai.sock).")
    var socket: String?

    @Option(name: .long, help: "Access file mapping users and groups to principals (default: /etc/gongkai/access.json under systemd, else <state-directory>/access.json; without the default file the daemon's own uid is admin).")
    var access: String?

    @Option(name: .long, help: "Catalog document to adopt instead of the bundled shangyou-2023 seed (or, on a ledger with a catalog, to adopt if it differs).")
    var catalog: String?

    @Option(name: .long, help: "File holding the Ed25519 signer key for HEAD's signed checkpoint (from `gongkai keygen`; mode 0600 or 0400).")
    var signingKey: String?

    @Option(name: .long, help: "Origin line of the signed checkpoints (default: the signing key's name).")
    var checkpointOrigin: String?

    @Option(name: .long, parsing: .unconditional, help: "Longest request line in bytes.")
    var maxLineBytes: Int = 1 << 20

    @Option(name: .long, parsing: .unconditional, help: "Most client connections open at once.")
    var maxConnections: Int = 4_096

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Most connections one uid may hold at once (default: three quarters of --max-connections).", valueName: "n"))
    var maxConnectionsPerUid: Int?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Threads that read, parse and answer connections (default: one per core but the writer's, at least one).", valueName: "n"))
    var eventLoops: Int?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seconds from the first byte of a request line to its end before the connection is answered ERR bad-request and closed; 0: no limit of its own (a half line then counts as silence under --idle-timeout).", valueName: "seconds"))
    var lineTimeout: Int = 30

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seconds a connection may send nothing while it has no answers in flight and no TAIL before it is closed; 0: no limit.", valueName: "seconds"))
    var idleTimeout: Int = 900

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Initial LMDB map size in bytes; it grows by itself.", visibility: .hidden))
    var initialMapBytes: Int = 1 << 30

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard maxLineBytes >= 1024 else { throw ValidationError("--max-line-bytes must be at least 1024") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        if let maxConnectionsPerUid, !(1...maxConnections).contains(maxConnectionsPerUid) {
            throw ValidationError("--max-connections-per-uid must be between 1 and --max-connections (\(maxConnections))")
        }
        if let eventLoops, !(1...ServerConfiguration.maxEventLoops).contains(eventLoops) {
            throw ValidationError("--event-loops must be between 1 and \(ServerConfiguration.maxEventLoops)")
        }
        guard (0...86_400).contains(lineTimeout) else { throw ValidationError("--line-timeout must be between 0 and 86400 seconds") }
        guard (0...604_800).contains(idleTimeout) else { throw ValidationError("--idle-timeout must be between 0 and 604800 seconds") }
        guard initialMapBytes >= 1 << 20 else { throw ValidationError("--initial-map-bytes must be at least 1 MiB") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard checkpointOrigin == nil || signingKey != nil else { throw ValidationError("--checkpoint-origin needs --signing-key") }
    }

    func run() throws {
        // A SIGHUP before the reload handler is installed must not kill the daemon; the access
        // file is read after this anyway.
        signal(SIGHUP, SIG_IGN)
        let environment = ProcessInfo.processInfo.environment
        let level = Logger.Level(rawValue: logLevel)!
        // Under systemd each line carries its syslog priority, so `journalctl -p err` finds errors.
        let journal = JournalLogHandler.stderrIsJournal(environment)
        LoggingSystem.bootstrap { label in JournalLogHandler(label: label, level: level, prefixed: journal) }
        let logger = Logger(label: "gongkaid")
        let directory = stateDirectory ?? environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? "./var"
        var configuration = ServerConfiguration(stateDirectory: directory, socketPath: socket ?? directory + "/gongkai.sock")
        configuration.maxLineBytes = maxLineBytes
        configuration.maxConnections = maxConnections
        configuration.maxConnectionsPerUid = maxConnectionsPerUid ?? ServerConfiguration.defaultPerUid(maxConnections: maxConnections)
        if let eventLoops { configuration.eventLoops = eventLoops }
        configuration.initialMapBytes = initialMapBytes
        configuration.lineTimeoutSeconds = lineTimeout > 0 ? lineTimeout : nil
        configuration.idleTimeoutSeconds = idleTimeout > 0 ? idleTimeout : nil
        configuration.catalogFile = catalog
        configuration.accessFile = access ?? (environment["STATE_DIRECTORY"] != nil ? "/etc/gongkai/access.json" : directory + "/access.json")
        configuration.accessFileRequired = access != nil
        configuration.signingKey = signingKey
        configuration.checkpointOrigin = checkpointOrigin
        let server = LedgerServer(configuration: configuration, logger: logger, notifier: SystemdNotifier(environment: environment))
        do {
            try server.run()
        } catch let refused as AppendsRefused {
            logger.critical("gongkaid stopped: \(refused)")
            throw ExitCode(1)
        } catch {
            logger.critical("gongkaid cannot start: \(error)")
            throw ExitCode(1)
        }
    }
}
