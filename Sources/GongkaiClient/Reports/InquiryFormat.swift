import GongkaiJSON

/// INQUIRIES for a terminal, and the client-side status filter. Pure.
public enum InquiryFormat {
    /// The statuses an inquiry can have, in the order summaries list them.
    public static let statuses = ["open", "overdue", "on-time", "late"]

    /// The answer with only the inquiries whose status is `status` (all when nil).
    public static func filtered(_ answer: JSONValue, status: String?) -> JSONValue {
        guard let status, var members = answer.objectValue else { return answer }
        let kept = (members["inquiries"]?.arrayValue ?? []).filter { $0["status"]?.stringValue == status }
        members["inquiries"] = .array(kept)
        return .object(members)
    }

    /// One row per inquiry and a count per status. `names` maps unit ids to Chinese names;
    /// `total` is the count before filtering, when a filter was applied.
    public static func lines(_ answer: JSONValue, names today: [String: String], status: String? = nil, total: Int? = nil) -> [String] {
        let inquiries = answer["inquiries"]?.arrayValue ?? []
        // The answer names every unit it lists (a unit only in another year's table too);
        // a daemon before `unitNames` left that to today's UNITS.
        var names = today
        for (unit, name) in answer["unitNames"]?.objectValue ?? [:] { if let name = name.stringValue { names[unit] = name } }
        var heading = "inquiries"
        if let unit = answer["unit"]?.stringValue { heading += " of \(unit) \(names[unit] ?? "")".trimmingTrailingSpaces() }
        if let year = answer["year"]?.integerValue { heading += " received in \(year)" }
        heading += " as of \(answer["asof"]?.stringValue ?? "?") (known \(answer["known"]?.integerValue ?? 0))"
        var lines = [heading]
        if let note = answer["calendarNote"]?.stringValue { lines.append("note: " + note) }
        lines.append("")
        if inquiries.isEmpty {
            lines.append(status.map { "(no \($0) inquiries)" } ?? "(no inquiries)")
            return lines
        }
        var table = TextTable([
            TextTable.Column("inquiry"), TextTable.Column("unit"), TextTable.Column("name"), TextTable.Column("channel"),
            TextTable.Column("simple"), TextTable.Column("received"), TextTable.Column("due"), TextTable.Column("replied"),
            TextTable.Column("status"), TextTable.Column("lateDays", .right),
        ])
        for inquiry in inquiries {
            let unit = ReportCell.text(inquiry["unit"])
            var state = ReportCell.text(inquiry["status"])
            if inquiry["awaitingCorrection"]?.boolValue == true { state += " (awaiting correction)" }
            if inquiry["paused"]?.boolValue == true { state += " (paused)" }
            table.add([
                ReportCell.text(inquiry["inquiry"]), unit, names[unit] ?? "", ReportCell.text(inquiry["channel"]),
                ReportCell.text(inquiry["simple"]), ReportCell.text(inquiry["received"]),
                ReportCell.text(inquiry["due"]), ReportCell.text(inquiry["replied"]), state,
                ReportCell.text(inquiry["lateDays"]),
            ])
        }
        lines += table.lines()
        if let status, let total {
            lines += ["", "\(inquiries.count) of \(total) \(total == 1 ? "inquiry is" : "inquiries are") \(status)"]
        } else {
            let found = inquiries.compactMap { $0["status"]?.stringValue }
            let counts = statuses.map { state in "\(state) \(found.filter { $0 == state }.count)" }
            lines += ["", "\(inquiries.count) \(inquiries.count == 1 ? "inquiry" : "inquiries"): " + counts.joined(separator: ", ")]
        }
        return lines
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
