/// A table for a terminal: columns padded to the widest cell by display width, so rows
/// holding Chinese names line up with rows of ASCII ids.
public struct TextTable {
    public enum Alignment: Sendable { case left, right }

    public struct Column: Sendable {
        public let title: String
        public let alignment: Alignment

        public init(_ title: String, _ alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    /// Spaces between two columns.
    public static let gutterColumns = 2

    public let columns: [Column]
    public private(set) var rows: [[String]] = []

    public init(_ columns: [Column]) {
        self.columns = columns
    }

    /// Adds a row; missing cells are empty, extra cells are dropped.
    public mutating func add(_ cells: [String]) {
        var row = Array(cells.prefix(columns.count))
        while row.count < columns.count { row.append("") }
        rows.append(row)
    }

    /// The header, a rule under it, and the rows; no trailing spaces.
    public func lines() -> [String] {
        var widths = columns.map { DisplayWidth.of($0.title) }
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], DisplayWidth.of(cell)) }
        }
        func render(_ cells: [String]) -> String {
            var line = ""
            for (index, cell) in cells.enumerated() {
                if index > 0 { line += String(repeating: " ", count: Self.gutterColumns) }
                switch columns[index].alignment {
                case .left: line += DisplayWidth.padRight(cell, to: widths[index])
                case .right: line += DisplayWidth.padLeft(cell, to: widths[index])
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: String(repeating: " ", count: Self.gutterColumns))
        return [render(columns.map(\.title)), rule] + rows.map(render)
    }
}
