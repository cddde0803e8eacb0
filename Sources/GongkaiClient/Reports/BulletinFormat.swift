/// The monthly bulletin (政务公开月报) as a terminal table, a Markdown document or CSV.
/// Pure: a decoded `Bulletin` in, text out.
public enum BulletinFormat {
    /// Column titles shared by every format, after the unit.
    public static let countTitles = ["发布数", "未完成事项", "逾期完成", "逾期未答复", "逾期已答复", "通报", "约谈状态"]

    /// `发布最少的5个单位`, or with units tied for fifth `发布最少的5个单位（含并列，共9个）`.
    /// The daemon lists five (BulletinReport.fewestCount) and every unit tied with the fifth.
    static func fewestHeading(_ bulletin: Bulletin) -> String {
        let count = bulletin.fewestPublications.count
        return count > 5 ? "发布最少的5个单位（含并列，共\(count)个）" : "发布最少的\(count)个单位"
    }

    /// `上犹县政务公开月报 2023年6月`.
    public static func title(_ bulletin: Bulletin, county: String) -> String {
        "\(county)政务公开月报 \(bulletin.year)年\(bulletin.monthNumber)月"
    }

    /// The county named at the start of a catalog title (`上犹县2023年…` → `上犹县`); empty
    /// when the title does not start with one.
    public static func county(fromCatalogTitle title: String) -> String {
        guard let end = title.firstIndex(of: "县"), title.distance(from: title.startIndex, to: end) <= 10 else { return "" }
        return String(title[...end])
    }

    /// Chinese label of an escalation state.
    public static func escalationLabel(_ state: String) -> String {
        switch state {
        case "clear": return "正常"
        case "watch": return "预警"
        case "interview-required": return "需约谈"
        case "interviewed": return "已约谈"
        default: return state
        }
    }

    /// Chinese label of a notice level.
    public static func levelLabel(_ level: String) -> String {
        switch level {
        case "county": return "县级"
        case "city": return "市级"
        case "province": return "省级"
        default: return level
        }
    }

    // MARK: Terminal

    /// Readable lines for a terminal: title, per-unit table with totals, the units that
    /// published least, and what was found missed and who was criticised.
    public static func table(_ bulletin: Bulletin, county: String) -> [String] {
        var lines = [title(bulletin, county: county), subtitle(bulletin)]
        if let note = tableNoteLine(bulletin) { lines.append(note) }
        if let note = bulletin.calendarNote { lines.append("注：" + note) }
        lines.append("")
        var table = TextTable([TextTable.Column("单位"), TextTable.Column("编码")]
            + countTitles.enumerated().map { TextTable.Column($1, $0 < countTitles.count - 1 ? .right : .left) })
        for row in bulletin.units { table.add([row.name, row.unit] + counts(row, in: bulletin)) }
        let totals = totalCounts(bulletin)
        table.add(["合计", ""] + totals.map(String.init) + [""])
        lines += table.lines()

        lines += ["", fewestHeading(bulletin)]
        var ranked = TextTable([TextTable.Column("名次", .right), TextTable.Column("单位"), TextTable.Column("编码"),
                                TextTable.Column("发布数", .right)])
        for entry in bulletin.fewestPublications {
            ranked.add([String(entry.rank), entry.name, entry.unit, String(entry.publications)])
        }
        lines += ranked.lines()

        let details = detailLines(bulletin)
        if !details.isEmpty { lines += [""] + details }
        return lines
    }

    // MARK: Markdown

    /// A Markdown document: a level-1 title, then sections with pipe tables.
    public static func markdown(_ bulletin: Bulletin, county: String) -> String {
        var lines = ["# " + title(bulletin, county: county), "", subtitle(bulletin), ""]
        if let note = tableNoteLine(bulletin) { lines += [markdownText(note), ""] }
        if let note = bulletin.calendarNote { lines += ["注：" + markdownText(note), ""] }
        lines += ["## 各单位情况", ""]
        lines.append(markdownRow(["单位", "编码"] + countTitles))
        lines.append("|---|---|" + String(repeating: "---:|", count: countTitles.count - 1) + "---|")
        for row in bulletin.units { lines.append(markdownRow([row.name, row.unit] + counts(row, in: bulletin))) }
        lines.append(markdownRow(["**合计**", ""] + totalCounts(bulletin).map { "**\($0)**" } + [""]))

        lines += ["", "## " + fewestHeading(bulletin), ""]
        lines.append(markdownRow(["名次", "单位", "编码", "发布数"]))
        lines.append("|---:|---|---|---:|")
        for entry in bulletin.fewestPublications {
            lines.append(markdownRow([String(entry.rank), entry.name, entry.unit, String(entry.publications)]))
        }

        let missed = bulletin.units.filter { !$0.missed.isEmpty }
        lines += ["", "## 未完成事项", ""]
        if missed.isEmpty { lines.append("本月无。") }
        for row in missed {
            lines.append("- \(markdownText(row.name))（\(row.unit)）：\(row.missed.map(markdownText).joined(separator: "、"))")
        }
        let lateTasks = bulletin.units.filter { !$0.lateTasks.isEmpty }
        if !lateTasks.isEmpty {
            lines += ["", "## " + lateTasksHeading, ""]
            for row in lateTasks {
                lines.append("- \(markdownText(row.name))（\(row.unit)）：\(row.lateTasks.map(markdownText).joined(separator: "、"))")
            }
        }
        for (heading, list) in replySections {
            let rows = inquiryLines(bulletin, list)
            guard !rows.isEmpty else { continue }
            lines += ["", "## " + heading, ""]
            for (row, inquiries) in rows { lines.append("- \(markdownText(row.name))（\(row.unit)）：\(markdownText(inquiries))") }
        }
        let criticised = bulletin.units.filter { !$0.notices.isEmpty }
        lines += ["", "## 本月通报", ""]
        if criticised.isEmpty { lines.append("本月无。") }
        for row in criticised {
            let notices = row.notices.map { "\(levelLabel($0.level))通报 \($0.date)" }.joined(separator: "、")
            lines.append("- \(markdownText(row.name))（\(row.unit)）：\(notices)；约谈状态：\(escalationLabel(row.escalation))")
        }
        if !bulletin.owedFromLastYear.isEmpty {
            lines += ["", "## " + owedHeading, ""]
            for owed in bulletin.owedFromLastYear { lines.append("- " + markdownText(owedLine(owed))) }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: CSV

    /// The UTF-8 byte order mark, which makes Excel and WPS read the file as UTF-8.
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Column titles of the CSV's details, after the counts: what each count is made of, for
    /// an office that writes the bulletin's text from the spreadsheet.
    public static let detailTitles = ["未完成事项明细", "逾期完成事项（截止日期）", "逾期未答复编号", "逾期已答复编号", "通报明细"]

    /// RFC 4180 CSV: a header and one row per unit, CRLF line ends, after a UTF-8 BOM. The
    /// counts come first (their columns never move), then the items behind them; then a
    /// 合计 row and, after an empty line, what the bulletin was judged from (month, date,
    /// records, table, and the notes the table and Markdown show), so that a sheet passed on
    /// says which ledger it came from.
    public static func csv(_ bulletin: Bulletin) -> [UInt8] {
        var rows = [["单位编码", "单位"] + countTitles + detailTitles]
        for row in bulletin.units {
            let notices = row.notices.map { "\(levelLabel($0.level))通报 \($0.date)" }
            let details = [row.missed, row.lateTasks, row.overdueReplies, row.lateReplies, notices].map { $0.joined(separator: "、") }
            rows.append([row.unit, row.name] + counts(row, in: bulletin) + details)
        }
        rows.append(["", "合计"] + totalCounts(bulletin).map(String.init) + Array(repeating: "", count: 1 + detailTitles.count))
        rows.append([])
        rows.append(["说明", "\(bulletin.year)年\(bulletin.monthNumber)月 · " + subtitle(bulletin)])
        if let note = tableNoteLine(bulletin) { rows.append(["注", String(note.dropFirst(2))]) }
        if let note = bulletin.calendarNote { rows.append(["注", note]) }
        var bytes = byteOrderMark
        for row in rows {
            bytes += Array(row.map(csvField).joined(separator: ",").utf8)
            bytes += [0x0D, 0x0A]
        }
        return bytes
    }

    /// One CSV field: quoted when it holds a comma, quote, CR or LF, with quotes doubled. A
    /// text that a spreadsheet would take for a formula (it begins with =, +, -, @, a tab or
    /// a CR: an inquiry id is whatever a clerk typed) is led by an apostrophe, which Excel
    /// and WPS show as text.
    public static func csvField(_ text: String) -> String {
        // By scalar: "=" with a combining mark is one Character, and no "=" to compare.
        let cell = text.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false ? "'" + text : text
        guard cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Shared

    private static func subtitle(_ bulletin: Bulletin) -> String {
        var parts = ["截至 \(bulletin.asof)", "依据 \(bulletin.known) 条记录"]
        if let catalog = bulletin.catalog { parts.append("目录 \(catalog)") }
        return parts.joined(separator: " · ")
    }

    /// The cells after the unit: counts, then the escalation label.
    private static func counts(_ row: Bulletin.UnitRow, in bulletin: Bulletin) -> [String] {
        [row.publications, row.missed.count, row.lateTasks.count, row.overdueReplies.count, row.lateReplies.count, row.notices.count].map(String.init)
            + [escalationCell(row, in: bulletin)]
    }

    /// The row's escalation state this year, or the interview it still owes from last year
    /// (January's table said 正常 beside the section naming it).
    private static func escalationCell(_ row: Bulletin.UnitRow, in bulletin: Bulletin) -> String {
        let owes = bulletin.owedFromLastYear.contains { $0.unit == row.unit }
        guard owes, row.escalation == "clear" || row.escalation == "watch" else { return escalationLabel(row.escalation) }
        return owedLabel + (row.escalation == "watch" ? "、" + escalationLabel("watch") : "")
    }

    static let owedLabel = "上年度应约谈"

    /// A year judged by another year's table, in the bulletin's language (the answer's
    /// `tableNote` is English, as every protocol text is).
    private static func tableNoteLine(_ bulletin: Bulletin) -> String? {
        guard bulletin.tableNote != nil else { return nil }
        return "注：\(bulletin.year)年尚未采用本年度目录，本月报按 \(bulletin.catalog ?? "其他年度目录") 评判，未完成事项可能不全；请先采用\(bulletin.year)年目录。"
    }

    /// Per unit, the inquiries named in `list`, for a section of the details.
    private static func inquiryLines(_ bulletin: Bulletin, _ list: (Bulletin.UnitRow) -> [String]) -> [(Bulletin.UnitRow, String)] {
        bulletin.units.filter { !list($0).isEmpty }.map { ($0, list($0).joined(separator: "、")) }
    }

    private static func totalCounts(_ bulletin: Bulletin) -> [Int] {
        let units = bulletin.units
        return [units.map(\.publications).reduce(0, +), units.map(\.missed.count).reduce(0, +), units.map(\.lateTasks.count).reduce(0, +),
                units.map(\.overdueReplies.count).reduce(0, +), units.map(\.lateReplies.count).reduce(0, +),
                units.map(\.notices.count).reduce(0, +)]
    }

    private static func detailLines(_ bulletin: Bulletin) -> [String] {
        var lines: [String] = []
        let missed = bulletin.units.filter { !$0.missed.isEmpty }
        if !missed.isEmpty {
            lines.append("未完成事项")
            for row in missed { lines.append("  \(row.name)（\(row.unit)）：\(row.missed.joined(separator: "、"))") }
        }
        let lateTasks = bulletin.units.filter { !$0.lateTasks.isEmpty }
        if !lateTasks.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines.append(lateTasksHeading)
            for row in lateTasks { lines.append("  \(row.name)（\(row.unit)）：\(row.lateTasks.joined(separator: "、"))") }
        }
        for (heading, list) in replySections {
            let rows = inquiryLines(bulletin, list)
            guard !rows.isEmpty else { continue }
            if !lines.isEmpty { lines.append("") }
            lines.append(heading)
            for (row, inquiries) in rows { lines.append("  \(row.name)（\(row.unit)）：\(inquiries)") }
        }
        let criticised = bulletin.units.filter { !$0.notices.isEmpty }
        if !criticised.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines.append("本月通报")
            for row in criticised {
                let notices = row.notices.map { "\(levelLabel($0.level))通报 \($0.date)" }.joined(separator: "、")
                lines.append("  \(row.name)（\(row.unit)）：\(notices)；约谈状态：\(escalationLabel(row.escalation))")
            }
        }
        if !bulletin.owedFromLastYear.isEmpty {
            if !lines.isEmpty { lines.append("") }
            lines.append(owedHeading)
            for owed in bulletin.owedFromLastYear { lines.append("  " + owedLine(owed)) }
        }
        return lines
    }

    static let owedHeading = "上年度应约谈尚未约谈"
    /// The inquiries behind the table's two reply counts, by id: the office follows them up.
    static let replySections: [(String, (Bulletin.UnitRow) -> [String])] = [
        ("逾期未答复（咨询、申请编号）", { $0.overdueReplies }), ("逾期已答复（咨询、申请编号）", { $0.lateReplies }),
    ]
    /// Deadline tasks done this month after their due date (listed by due date).
    static let lateTasksHeading = "逾期完成事项（截止日期）"

    private static func owedLine(_ owed: Bulletin.Owed) -> String {
        "\(owed.name)（\(owed.unit)）：\(owed.triggeredAt) 起应约谈（\(owed.rule)），可于本年度内约谈"
    }

    private static func markdownRow(_ cells: [String]) -> String {
        "| " + cells.map(markdownText).joined(separator: " | ") + " |"
    }

    /// Escapes the characters that would break a table cell or start markup.
    private static func markdownText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "|", "\\", "`", "<", ">": escaped += "\\" + String(character)
            case "\n", "\r", "\r\n": escaped += " "
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
