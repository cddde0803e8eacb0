import GongkaiJSON

/// COMPLIANCE for a terminal: one compact row per obligation with a mark per period, a
/// legend and the summary. Pure.
public enum ComplianceFormat {
    /// Period marks per status; `…` for a period still running.
    public static func mark(_ status: String) -> String {
        switch status {
        case "met": return "✓"
        case "missed": return "✗"
        case "late": return "!"
        case "pending": return "…"
        default: return "?"
        }
    }

    public static let legend = "legend: ✓ met  ✗ missed  ! late  … pending"
    /// Periods per line, so twelve months wrap into two lines that fit 80 columns.
    public static let periodsPerLine = 6

    public static func lines(_ answer: JSONValue) -> [String] {
        let unit = answer["unit"]?.stringValue ?? "?"
        var heading = unit
        if let name = answer["name"]?.stringValue { heading += " " + name }
        heading += " — compliance as of \(answer["asof"]?.stringValue ?? "?")"
        var context = ["known \(answer["known"]?.integerValue ?? 0)"]
        if let catalog = answer["catalog"]?.stringValue { context.append("catalog \(catalog)") }
        var lines = [heading + " (" + context.joined(separator: ", ") + ")"]
        if let note = answer["tableNote"]?.stringValue { lines.append("note: " + note) }
        if let note = answer["calendarNote"]?.stringValue { lines.append("note: " + note) }
        lines.append("")

        let obligations = answer["obligations"]?.arrayValue ?? []
        if obligations.isEmpty { lines.append("(no obligations bind this unit)") }
        let idWidth = obligations.map { DisplayWidth.of($0["id"]?.stringValue ?? "") }.max() ?? 0
        let indent = String(repeating: " ", count: idWidth + 2)
        for obligation in obligations {
            // The id, then the task's title: a clerk knows 便民服务, not T13.
            let id = DisplayWidth.padRight(obligation["id"]?.stringValue ?? "?", to: idWidth + 2)
            lines.append(id + ReportCell.text(obligation["title"]))
            let cells = describe(obligation)
            for start in stride(from: 0, to: max(cells.count, 1), by: periodsPerLine) {
                let chunk = cells.isEmpty ? ["(no period begun)"] : Array(cells[start..<min(start + periodsPerLine, cells.count)])
                lines.append(indent + chunk.joined(separator: "  "))
            }
        }

        lines += ["", legend]
        let summary = answer["summary"] ?? .object([:])
        let counts = ["met", "missed", "late", "pending"].map { "\($0) \(summary[$0]?.integerValue ?? 0)" }
        lines.append("summary: " + counts.joined(separator: "  "))
        return lines
    }

    /// The cells of one obligation's row: a mark per period, or one cell for a deadline or
    /// reply obligation.
    private static func describe(_ obligation: JSONValue) -> [String] {
        let status = obligation["status"]?.stringValue ?? ""
        switch obligation["kind"]?.stringValue {
        case "periodic", "meeting":
            return (obligation["periods"]?.arrayValue ?? []).map { period in
                "\(period["period"]?.stringValue ?? "?") \(mark(period["status"]?.stringValue ?? ""))"
            }
        case "deadline":
            let due = obligation["due"]?.stringValue ?? "?"
            let completed = obligation["completed"]?.stringValue
            switch status {
            case "met": return ["due \(due) ✓ done \(completed ?? "?")"]
            case "late": return ["due \(due) ! done late \(completed ?? "?")"]
            case "missed": return ["due \(due) ✗ not done"]
            default: return ["due \(due) … pending"]
            }
        case "reply":
            let inquiries = obligation["inquiries"] ?? .object([:])
            func count(_ key: String) -> Int64 { inquiries[key]?.integerValue ?? 0 }
            return ["replies \(mark(status))  on time \(count("onTime")), late \(count("late")), overdue \(count("overdue")), open \(count("open"))"]
        default:
            return [status.isEmpty ? "?" : status]
        }
    }
}
