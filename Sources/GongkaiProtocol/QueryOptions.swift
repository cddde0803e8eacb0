/// The `asof=` and `known=` options of the query verbs. `asof` is the business date at which
/// statuses are judged; `known=N` answers from records ≤ N only (what the ledger knew then).
public struct QueryOptions: Equatable, Sendable {
    /// As written; the server checks it is a real date.
    public var asof: String?
    public var known: UInt64?

    public init(asof: String? = nil, known: UInt64? = nil) {
        self.asof = asof
        self.known = known
    }

    /// Separates `key=value` options from positional arguments.
    static func split(_ arguments: [Substring], allowAsof: Bool) throws -> ([String], QueryOptions) {
        var positional: [String] = []
        var options = QueryOptions()
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                positional.append(String(argument))
                continue
            }
            // ASCII-only case folding, as for verbs: the Kelvin sign must not make "known".
            let key = String(decoding: argument[..<equals].utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
            let value = argument[argument.index(after: equals)...]
            switch key {
            case "asof" where allowAsof:
                guard options.asof == nil else { throw ProtocolError(.badRequest, "asof given twice") }
                options.asof = String(value)
            case "known":
                guard options.known == nil else { throw ProtocolError(.badRequest, "known given twice") }
                guard value.count <= 20, !value.isEmpty, value.allSatisfy({ $0.isASCII && $0.isNumber }), let known = UInt64(value) else {
                    throw ProtocolError(.badRequest, "known must be a record count (0 or more), got \"\(value.prefix(40))\"")
                }
                options.known = known
            default:
                throw ProtocolError(.badRequest, "unknown option \(key.prefix(40))=")
            }
        }
        return (positional, options)
    }
}
