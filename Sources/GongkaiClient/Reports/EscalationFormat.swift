import GongkaiJSON

/// ESCALATIONS for a terminal: one row per unit with a notice, and a count per state. Pure.
public enum EscalationFormat {
    public static func lines(_ answer: JSONValue) -> [String] {
        let asof = answer["asof"]?.stringValue ?? "?"
        let year = answer["year"]?.integerValue.map { String($0) } ?? "-"
        var lines = ["escalations as of \(asof) (year \(year), known \(answer["known"]?.integerValue ?? 0))"]
        if let note = answer["tableNote"]?.stringValue { lines.append("note: " + note) }
        lines.append("")
        let units = answer["units"]?.arrayValue ?? []
        let owed = (answer["owedFromLastYear"]?.arrayValue ?? []).map { unit in
            "still owed from last year: \(ReportCell.text(unit["unit"])) \(ReportCell.text(unit["name"])), interview required by " +
                "\(ReportCell.text(unit["rule"])) since \(ReportCell.text(unit["triggeredAt"]))"
        }
        if units.isEmpty {
            lines.append("(no unit has a notice in \(year))")
            if !owed.isEmpty { lines += [""] + owed }
            return lines
        }
        var table = TextTable([
            TextTable.Column("unit"), TextTable.Column("name"), TextTable.Column("county", .right),
            TextTable.Column("city+province", .right), TextTable.Column("state"), TextTable.Column("rule"),
            TextTable.Column("triggeredAt"), TextTable.Column("interviewedAt"),
        ])
        for unit in units {
            let state = unit["state"]?.stringValue ?? "?"
            table.add([
                ReportCell.text(unit["unit"]), ReportCell.text(unit["name"]), ReportCell.text(unit["county"]), ReportCell.text(unit["cityProvince"]),
                state + " " + BulletinFormat.escalationLabel(state), ReportCell.text(unit["rule"]),
                ReportCell.text(unit["triggeredAt"]), ReportCell.text(unit["interviewedAt"]),
            ])
        }
        lines += table.lines()
        let states = units.compactMap { $0["state"]?.stringValue }
        let counts = ["interview-required", "interviewed", "watch", "clear"].map { state in
            "\(state) \(states.filter { $0 == state }.count)"
        }
        lines += ["", "\(units.count) \(units.count == 1 ? "unit" : "units") with notices: " + counts.joined(separator: ", ")]
        if !owed.isEmpty { lines += [""] + owed }
        return lines
    }
}
