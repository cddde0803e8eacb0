/// One event for `PipelinedAppender` to send as `APPEND <event>`, with a caller-chosen
/// tag that comes back with its answer (the CLI uses the input line number).
public struct AppendRequest: Sendable {
    /// The event's JSON text, one line.
    public var event: String
    /// Opaque to the appender; returned in `AppendOutcome.request`.
    public var tag: Int

    public init(event: String, tag: Int = 0) {
        self.event = event
        self.tag = tag
    }
}

/// The daemon's answer to one pipelined `APPEND`, delivered in request order.
public struct AppendOutcome: Sendable {
    /// 0-based position of the request in the run.
    public let index: Int
    /// The request as the source gave it.
    public let request: AppendRequest
    /// The answer line, parsed; `answer.line` gives it back verbatim.
    public let answer: Answer
    /// From handing the request's bytes to the socket to reading its answer.
    public let latencyNanoseconds: UInt64
}
