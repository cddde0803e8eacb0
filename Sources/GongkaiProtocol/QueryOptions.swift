/// The `asof=`, `known=` and `year=` options of the query verbs. `asof` is the business date
/// at which statuses are judged; `known=N` answers from records ≤ N only (what the ledger knew
/// then); `year=Y` judges by year Y's table instead of asof's year's (last year's final state,
/// seen from January: a late task, an interview held after the year ended).
public struct QueryOptions: Equatable, Sendable {
    /// As written; the server checks it is a real date.
    public var asof: String?
    public var known: UInt64?
    public var year: Int?

    public init(asof: String? = nil, known: UInt64? = nil, year: Int? = nil) {
        self.asof = asof
        self.known = known
        self.year = year
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
            case "year" where allowAsof:
                guard options.year == nil else { throw ProtocolError(.badRequest, "year given twice") }
                guard value.count == 4, value.allSatisfy({ $0.isASCII && $0.isNumber }), let year = Int(value), (2000...2100).contains(year) else {
                    throw ProtocolError(.badRequest, "year must be a table's year YYYY (2000–2100), got \"\(value.prefix(40))\"")
                }
                options.year = year
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
