/// A table of strings rendered as aligned text or as a markdown table.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public var headers: [String]
    public var alignments: [Alignment]
    public var rows: [[String]] = []
    /// Indices of rows preceded by a rule in text output (e.g. a total row).
    public var rulesBefore: Set<Int> = []

    public init(headers: [String], alignments: [Alignment]) {
        self.headers = headers
        self.alignments = alignments
    }

    public mutating func append(_ row: [String], ruleBefore: Bool = false) {
        if ruleBefore { rulesBefore.insert(rows.count) }
        rows.append(row)
    }

    private func width(_ column: Int) -> Int {
        ([headers] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }

    private func pad(_ text: String, _ width: Int, _ alignment: Alignment) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return alignment == .left ? text + fill : fill + text
    }

    /// Columns padded to their widest cell, separated by two spaces, with a rule under the header.
    public func text() -> String {
        let widths = headers.indices.map(width)
        func line(_ cells: [String]) -> String {
            var text = cells.indices.map { pad(cells[$0], widths[$0], alignments[$0]) }.joined(separator: "  ")
            while let last = text.last, last.isWhitespace { text.removeLast() }
            return text
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        var lines = [line(headers), rule]
        for (index, row) in rows.enumerated() {
            if rulesBefore.contains(index) { lines.append(rule) }
            lines.append(line(row))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A GitHub-flavoured markdown table; `|` in cells is escaped.
    public func markdown() -> String {
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacing("|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        let separator = "|" + alignments.map { $0 == .left ? ":---|" : "---:|" }.joined()
        return ([line(headers), separator] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
