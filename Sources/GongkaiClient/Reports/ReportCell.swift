import GongkaiJSON

/// Turns JSON answer members into table cells.
public enum ReportCell {
    /// Strings as they are, integers without a fraction, yes/no for booleans, `-` for null
    /// or absent, anything else as compact JSON.
    public static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let string)?: return string
        case .number(let number)?: return value?.integerValue.map { String($0) } ?? CanonicalJSON.encodeString(.number(number))
        case .bool(let flag)?: return flag ? "yes" : "no"
        case nil, .null?: return "-"
        case let other?: return CanonicalJSON.encodeString(other)
        }
    }
}
