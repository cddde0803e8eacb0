/// A failure of the server itself (not of a request), with a message for the log.
public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
