/// A domain rule broken by a document or an event: which field, and why.
public struct DomainError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
