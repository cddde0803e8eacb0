/// The pinned error codes of `ERR <code> <message>` answers (DESIGN.md section 3).
public enum ErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad-request"
    case unknownVerb = "unknown-verb"
    case invalidJSON = "invalid-json"
    case invalidEvent = "invalid-event"
    case conflict
    case notFound = "not-found"
    case tooLarge = "too-large"
    case denied
    case unavailable
    case storage
    case `internal`
}

/// A request or event that cannot be served, answered as `ERR <code> <message>`.
public struct ProtocolError: Error, Equatable, CustomStringConvertible, Sendable {
    public let code: ErrorCode
    public let message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        // Answers are one line: a message must never break the framing.
        self.message = String(message.map { $0.isNewline ? " " : $0 })
    }

    public var description: String { "\(code.rawValue) \(message)" }
}
