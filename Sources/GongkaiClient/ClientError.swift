import Glibc

/// What can go wrong talking to gongkaid, worded for a person at a terminal.
public enum ClientError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing exists at the socket path.
    case socketNotFound(path: String)
    /// The socket file exists but nobody listens on it (stale socket, daemon stopped).
    case connectionRefused(path: String)
    /// The socket exists but this user may not connect to it.
    case permissionDenied(path: String)
    /// `sockaddr_un` holds at most 107 path bytes.
    case pathTooLong(path: String, limit: Int)
    /// A system call failed; `errno` says why.
    case system(operation: String, errno: Int32)
    /// No answer arrived within the read timeout.
    case timedOut(seconds: Double)
    /// The daemon closed the connection while answers were still expected.
    case connectionClosed(unanswered: Int)
    /// The connection ended in the middle of an answer line (`bytes` of it arrived).
    case lineCut(bytes: Int)
    /// An answer line exceeded the client's line limit.
    case lineTooLong(limit: Int)
    /// The daemon sent a line of a kind the caller did not expect here.
    case unexpectedAnswer(String)
    /// The connection was already closed by this client.
    case closed

    /// True when the daemon could not be reached or the connection was lost,
    /// as opposed to the daemon answering with an error.
    public var isConnectionFailure: Bool {
        switch self {
        case .socketNotFound, .connectionRefused, .permissionDenied, .pathTooLong,
             .system, .timedOut, .connectionClosed, .lineCut, .closed:
            return true
        case .lineTooLong, .unexpectedAnswer:
            return false
        }
    }

    public var description: String {
        switch self {
        case .socketNotFound(let path):
            return "socket not found: \(path) (is gongkaid running? use --socket or GONGKAI_SOCKET)"
        case .connectionRefused(let path):
            return "no daemon at \(path) (connection refused)"
        case .permissionDenied(let path):
            return "permission denied connecting to \(path) (the socket is for its owner and group: under the service, add the user to group gongkai, then log in again)"
        case .pathTooLong(let path, let limit):
            return "socket path is \(path.utf8.count) bytes, longer than the \(limit) a Unix socket allows: \(path)"
        case .system(let operation, let code):
            return "\(operation): \(String(cString: strerror(code)))"
        case .timedOut(let seconds):
            return "no answer from the daemon within \(seconds) s"
        case .connectionClosed(let unanswered):
            return unanswered > 0
                ? "the daemon closed the connection with \(unanswered) request(s) unanswered"
                : "the daemon closed the connection"
        case .lineCut(let bytes):
            return "the connection ended in the middle of an answer (\(bytes) bytes of it arrived)"
        case .lineTooLong(let limit):
            return "answer line longer than \(limit) bytes"
        case .unexpectedAnswer(let line):
            return "unexpected answer: \(line.prefix(200))"
        case .closed:
            return "connection already closed"
        }
    }
}
