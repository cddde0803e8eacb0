import Foundation

/// Turns the daemon's JSON into text for a terminal: aligned `key: value` lines for
/// objects and a fixed-column table for records.
enum ReadableFormat {
    /// `key: value` lines, nested objects flattened to dotted keys, keys aligned.
    /// Falls back to the JSON text itself if it is not an object.
    static func keyValues(json: String, leading: [String] = []) -> [String] {
        guard let object = parseObject(json) else { return [json] }
        var pairs: [(String, String)] = []
        flatten(object, prefix: "", into: &pairs, leading: leading)
        let width = (pairs.map { $0.0.count }.max() ?? 0) + 1
        return pairs.map { key, value in
            (key + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " " + value
        }
    }

    /// Keys of a record in reading order; the rest of the event follows sorted.
    static let recordKeyOrder = ["seq", "recorded", "by", "event.id", "event.type", "event.unit", "event.at"]

    /// Column titles and minimum widths of the record table.
    private static let columns: [(title: String, width: Int)] = [
        ("seq", 7), ("recorded", 24), ("by", 12), ("type", 28), ("unit", 10), ("id", 0),
    ]

    static func recordHeader() -> String {
        row(columns.map { $0.title })
    }

    /// One table row for a record: seq, recorded, by, type, unit, id.
    static func recordRow(_ record: String) -> String {
        guard let object = parseObject(record) else { return record }
        let event = object["event"] as? [String: Any] ?? [:]
        return row([
            scalar(object["seq"]), scalar(object["recorded"]), scalar(object["by"]),
            scalar(event["type"]), scalar(event["unit"]), scalar(event["id"]),
        ])
    }

    static func parseObject(_ json: String) -> [String: Any]? {
        guard let data = json.data(using: .utf8),
              let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { return nil }
        return value as? [String: Any]
    }

    /// A JSON value as text: strings without quotes, `-` for absent, others as JSON.
    static func scalar(_ value: Any?) -> String {
        guard let value else { return "-" }
        if let string = value as? String { return string }
        return compactJSON(value)
    }

    private static func row(_ cells: [String]) -> String {
        var text = ""
        for (index, cell) in cells.enumerated() {
            let width = columns[index].width
            if index == 0 {
                text += String(repeating: " ", count: max(0, width - cell.count)) + cell
            } else {
                text += "  " + (width > 0 ? cell.padding(toLength: max(width, cell.count), withPad: " ", startingAt: 0) : cell)
            }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    private static func flatten(_ object: [String: Any], prefix: String, into pairs: inout [(String, String)], leading: [String]) {
        let keys = object.keys.sorted { left, right in
            let l = leading.firstIndex(of: prefix + left) ?? Int.max
            let r = leading.firstIndex(of: prefix + right) ?? Int.max
            return l != r ? l < r : left < right
        }
        for key in keys {
            let value = object[key]!
            if let nested = value as? [String: Any], !nested.isEmpty {
                flatten(nested, prefix: prefix + key + ".", into: &pairs, leading: leading)
            } else {
                pairs.append((prefix + key, scalar(value)))
            }
        }
    }

    /// Any JSON value as compact JSON; serialized inside an array so bare scalars
    /// (numbers, booleans, null) keep their JSON spelling.
    private static func compactJSON(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .withoutEscapingSlashes])
        else { return String(describing: value) }
        let text = String(decoding: data, as: UTF8.self)
        return String(text.dropFirst().dropLast())
    }
}
