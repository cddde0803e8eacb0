import ArgumentParser
import GongkaiClient

/// Opening a connection and turning failures into the CLI's messages and exit codes:
/// `error: <code>: <message>` and exit 1 for a daemon error, exit 2 when the daemon
/// cannot be reached or the connection is lost.
enum DaemonSession {
    static func connect(_ options: GlobalOptions, timeout: Double? = nil) throws -> LineConnection {
        do {
            let connection = try LineConnection(path: options.socketPath)
            connection.setReadTimeout(seconds: timeout ?? options.timeout)
            return connection
        } catch {
            throw fail(error)
        }
    }

    /// Runs `body`, reporting a client error on stderr and exiting with its code.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail(error)
        }
    }

    /// The JSON of an `OK` answer; anything else is reported and ends the command.
    static func expectOK(_ answer: Answer) throws -> String {
        switch answer {
        case .ok(let json): return json
        default: throw daemonError(answer)
        }
    }

    /// Prints `error: <code>: <message>` for an `ERR` (or the odd line) and returns exit 1.
    static func daemonError(_ answer: Answer) -> ExitCode {
        switch answer {
        case .err(let code, let message):
            Output.note("error: \(code): \(message)")
        default:
            Output.note("error: unexpected answer: \(answer.line.prefix(200))")
        }
        return ExitCode(1)
    }

    /// Prints `error: <description>` and returns the matching exit code.
    static func fail(_ error: Error) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        Output.note("error: \(error)")
        if let client = error as? ClientError, client.isConnectionFailure { return ExitCode(2) }
        return ExitCode(1)
    }
}
