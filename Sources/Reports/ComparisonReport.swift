import ArchGraph
import Architectures
import JSONOutput

/// `compare` output: models side by side, stage by stage, then totals and ratios.
public enum ComparisonReport {
    /// One table per model listing stages in depth order, aligned by stage position, so the
    /// grids shrink (or not) side by side.
    public static func stageTable(_ analyses: [Analysis]) -> TextTable {
        var headers = ["#"]
        var alignments: [TextTable.Alignment] = [.right]
        for a in analyses {
            headers += ["\(a.spec.name) stage", "grid", "tokens", "ch", "params (M)", "MACs (G)", "share"]
            alignments += [.left, .right, .right, .right, .right, .right, .right]
        }
        var table = TextTable(headers: headers, alignments: alignments)
        let rows = analyses.map(\.summary.stages.count).max() ?? 0
        for index in 0..<rows {
            var row = ["\(index + 1)"]
            for a in analyses {
                if index < a.summary.stages.count {
                    let s = a.summary.stages[index]
                    row += [
                        s.name, NumberFormat.grid(s.grid), AnalysisReport.tokens(s), s.channels.map(String.init) ?? "-",
                        NumberFormat.millions(s.cost.params), NumberFormat.billions(s.cost.macs),
                        NumberFormat.percent(s.cost.macs, of: a.summary.totals.macs),
                    ]
                } else {
                    row += Array(repeating: "", count: 7)
                }
            }
            table.append(row)
        }
        return table
    }

    /// Totals per model and each model's ratio to the first.
    public static func totalsTable(_ analyses: [Analysis]) -> TextTable {
        var table = TextTable(
            headers: [
                "model", "input", "params (M)", "MACs (G)", "fvcore (G)", "activations (M)",
                "params ratio", "MACs ratio",
            ],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right])
        guard let base = analyses.first?.summary.totals else { return table }
        for a in analyses {
            let t = a.summary.totals, b = a.summary.binding
            table.append([
                a.spec.name, "\(b.batch)×\(a.summary.inputChannels)×\(b.height)×\(b.width)",
                NumberFormat.millions(t.params), NumberFormat.billions(t.macs), NumberFormat.billions(t.fvcore),
                NumberFormat.millions(t.activations), NumberFormat.ratio(t.params, base.params),
                NumberFormat.ratio(t.macs, base.macs),
            ])
        }
        return table
    }

    static var footer: String {
        "ratios are to the first model; " + Conventions.units + "; " + Conventions.macs
    }

    public static func text(_ analyses: [Analysis]) -> String {
        stageTable(analyses).text() + "\n" + totalsTable(analyses).text() + "\n" + footer + "\n"
    }

    public static func markdown(_ analyses: [Analysis]) -> String {
        stageTable(analyses).markdown() + "\n" + totalsTable(analyses).markdown() + "\n" + footer + "\n"
    }

    /// `{"models": [...analyze objects without layers...], "ratios": [...]}`.
    public static func json(_ analyses: [Analysis]) -> JSONText {
        let base = analyses.first?.summary.totals
        let models: [JSONText] = analyses.map { a in
            guard case .object(let members) = AnalysisReport.json(a) else { return .null }
            return .object(members.filter { $0.0 != "layers" && $0.0 != "conventions" })
        }
        let ratios: [JSONText] = analyses.map { a in
            let t = a.summary.totals
            func ratio(_ x: Int, _ y: Int?) -> JSONText {
                guard let y, y > 0 else { return .null }
                return .double(Double(x) / Double(y))
            }
            return .object([
                ("model", .string(a.spec.name)), ("params", ratio(t.params, base?.params)),
                ("macs", ratio(t.macs, base?.macs)),
            ])
        }
        return .object([
            ("models", .array(models)), ("ratios_to_first", .array(ratios)),
            ("conventions", .array(Conventions.all.map(JSONText.string))),
        ])
    }
}
