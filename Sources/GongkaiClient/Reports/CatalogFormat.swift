import GongkaiJSON

/// CATALOG and UNITS for a terminal. Pure.
public enum CatalogFormat {
    /// UNITS: one row per unit with its Chinese name, kind and groups.
    public static func unitLines(_ answer: JSONValue) -> [String] {
        let units = answer["units"]?.arrayValue ?? []
        var lines = ["units of catalog \(ReportCell.text(answer["catalog"])) (\(ReportCell.text(answer["year"])))", ""]
        var table = TextTable([TextTable.Column("id"), TextTable.Column("name"), TextTable.Column("kind"), TextTable.Column("groups")])
        for unit in units {
            let groups = (unit["groups"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ")
            table.add([ReportCell.text(unit["id"]), ReportCell.text(unit["name"]), ReportCell.text(unit["kind"]), groups])
        }
        lines += table.lines()
        lines += ["", "\(units.count) units"]
        return lines
    }

    /// Unit id → Chinese name, from a UNITS or CATALOG answer.
    public static func unitNames(_ answer: JSONValue) -> [String: String] {
        let units = answer["units"]?.arrayValue ?? answer["catalog"]?["units"]?.arrayValue ?? []
        var names: [String: String] = [:]
        for unit in units {
            if let id = unit["id"]?.stringValue, let name = unit["name"]?.stringValue { names[id] = name }
        }
        return names
    }

    /// CATALOG: title and source, the obligations with their rules, the escalation rules.
    public static func catalogLines(_ answer: JSONValue) -> [String] {
        let document = answer["catalog"] ?? .object([:])
        var lines = [
            "\(ReportCell.text(document["catalog"])): \(ReportCell.text(document["title"]))",
            "year \(ReportCell.text(document["year"])), adopted at seq \(ReportCell.text(answer["seq"]))",
        ]
        if let source = document["source"]?.stringValue { lines.append("source: " + source) }
        let groups = document["groups"]?.objectValue ?? [:]
        lines.append("")

        var table = TextTable([TextTable.Column("id"), TextTable.Column("task"), TextTable.Column("rule"),
                               TextTable.Column("units", .right), TextTable.Column("title")])
        for obligation in document["obligations"]?.arrayValue ?? [] {
            table.add([ReportCell.text(obligation["id"]), ReportCell.text(obligation["task"]), rule(obligation),
                       unitSummary(obligation, groups: groups), ReportCell.text(obligation["title"])])
        }
        lines += table.lines()

        let rules = document["escalation"]?["rules"]?.arrayValue ?? []
        if !rules.isEmpty {
            lines += ["", "escalation (约谈)"]
            var escalation = TextTable([TextTable.Column("rule"), TextTable.Column("notices", .right),
                                        TextTable.Column("levels"), TextTable.Column("title")])
            for rule in rules {
                let levels = (rule["levels"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: "+")
                escalation.add([ReportCell.text(rule["id"]), ">=" + ReportCell.text(rule["threshold"]), levels,
                                ReportCell.text(rule["title"])])
            }
            lines += escalation.lines()
        }
        return lines
    }

    /// A rule in a few words (ASCII `>=`: `≥` is ambiguous-width and would misalign CJK
    /// terminals): `>=1 per month`, `by 2023-10-30`, `5 working days (simple 3)`.
    static func rule(_ obligation: JSONValue) -> String {
        let every = ReportCell.text(obligation["period"])
        let minimum = ReportCell.text(obligation["minimum"])
        switch obligation["kind"]?.stringValue {
        case "periodic": return ">=\(minimum) per \(every)"
        case "deadline": return "by \(ReportCell.text(obligation["due"]))"
        case "meeting": return ">=\(minimum) \(ReportCell.text(obligation["meeting"])) per \(every)"
        case "reply":
            var text = "\(ReportCell.text(obligation["limitDays"])) working days (simple \(ReportCell.text(obligation["simpleLimitDays"])))"
            if let extra = obligation["maxExtensionDays"]?.integerValue, extra > 0 { text += ", extension <=\(extra)" }
            let channels = (obligation["channels"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            return text + " " + channels
        default: return ReportCell.text(obligation["kind"])
        }
    }

    /// How many units an obligation binds, groups expanded.
    private static func unitSummary(_ obligation: JSONValue, groups: [String: JSONValue]) -> String {
        var seen: [String] = []
        for entry in (obligation["units"]?.arrayValue ?? []).compactMap(\.stringValue) {
            let members = groups[entry]?.arrayValue?.compactMap(\.stringValue) ?? [entry]
            for member in members where !seen.contains(member) { seen.append(member) }
        }
        return String(seen.count)
    }
}
