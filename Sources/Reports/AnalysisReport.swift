import ArchGraph
import Architectures

/// `analyze` output in text, markdown and JSON.
public enum AnalysisReport {
    /// The stage table: grid, tokens, width, params, MACs and each stage's share of the MACs.
    public static func stageTable(_ a: Analysis) -> TextTable {
        var table = TextTable(
            headers: [
                "stage", "kind", "grid", "tokens", "channels", "heads", "depth",
                "params (M)", "MACs (G)", "MACs share",
            ],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .right, .right])
        let total = a.summary.totals
        for s in a.summary.stages {
            table.append([
                s.name, s.kind.rawValue, NumberFormat.grid(s.grid), tokens(s),
                s.channels.map(String.init) ?? "-", s.heads.map(String.init) ?? "-",
                s.depth.map(String.init) ?? "-", NumberFormat.millions(s.cost.params),
                NumberFormat.billions(s.cost.macs), NumberFormat.percent(s.cost.macs, of: total.macs),
            ])
        }
        table.append(
            [
                "total", "", "", "", "", "", "", NumberFormat.millions(total.params),
                NumberFormat.billions(total.macs), NumberFormat.percent(total.macs, of: total.macs),
            ], ruleBefore: true)
        return table
    }

    /// `729+1`: spatial tokens plus class/distillation tokens.
    static func tokens(_ s: StageSummary) -> String {
        guard let spatial = s.spatialTokens else { return "-" }
        return s.extraTokens > 0 ? "\(spatial)+\(s.extraTokens)" : "\(spatial)"
    }

    /// One row per node: path, op, output shape, params and MACs.
    public static func layerTable(_ a: Analysis) -> TextTable {
        var table = TextTable(
            headers: ["path", "op", "output shape", "params", "MACs"],
            alignments: [.left, .left, .left, .right, .right])
        for layer in a.summary.layers {
            table.append([
                layer.path, layer.op, "[" + layer.outputShape.map(String.init).joined(separator: ", ") + "]",
                NumberFormat.grouped(layer.cost.params), NumberFormat.grouped(layer.cost.macs),
            ])
        }
        return table
    }

    /// The totals as `name  exact  (scaled)  meaning` lines.
    public static func totalsTable(_ a: Analysis) -> TextTable {
        let t = a.summary.totals
        var table = TextTable(headers: ["total", "exact", "scaled", "convention"], alignments: [.left, .right, .right, .left])
        table.append(["params", NumberFormat.grouped(t.params), NumberFormat.millions(t.params) + " M", "all parameter elements"])
        table.append([
            "trainable params", NumberFormat.grouped(t.trainableParams), NumberFormat.millions(t.trainableParams) + " M",
            "excluding frozen tensors",
        ])
        table.append([
            "MACs", NumberFormat.grouped(t.macs), NumberFormat.billions(t.macs) + " G", "conv/linear/matmul multiply-accumulates",
        ])
        table.append(["FLOPs", NumberFormat.grouped(t.flops), NumberFormat.billions(t.flops) + " G", "2 × MACs"])
        table.append([
            "fvcore", NumberFormat.grouped(t.fvcore), NumberFormat.billions(t.fvcore) + " G", "MACs + norm/pool terms as fvcore counts",
        ])
        table.append([
            "activations", NumberFormat.grouped(t.activations), NumberFormat.millions(t.activations) + " M",
            "elements of every op output",
        ])
        let parts = ElementwiseKind.allCases.compactMap { kind in
            a.summary.elementwise[kind].flatMap { $0 > 0 ? "\(kind.rawValue) \(NumberFormat.millions($0)) M" : nil }
        }
        table.append([
            "elementwise", NumberFormat.grouped(t.elementwise), NumberFormat.millions(t.elementwise) + " M",
            parts.joined(separator: ", "),
        ])
        return table
    }

    static func header(_ a: Analysis) -> [String] {
        let b = a.summary.binding
        var lines = [
            "\(a.spec.name) — \(a.spec.reference.isEmpty ? a.spec.family.rawValue : a.spec.reference)",
            "input: batch \(b.batch) × \(a.summary.inputChannels) channels × \(b.height)×\(b.width) pixels; "
                + "classes: \(a.spec.numClasses == 0 ? "none (no head)" : String(a.spec.numClasses))",
        ]
        if let published = a.spec.published {
            lines.append(PublishedCheck(published, params: a.summary.totals.params, macs: perImageMacs(a)).summary)
        }
        lines += a.spec.notes.map { "note: " + $0 }
        return lines
    }

    /// MACs for one image: published figures are per image.
    static func perImageMacs(_ a: Analysis) -> Int { a.summary.totals.macs / max(a.batch, 1) }

    /// The terminal rendering.
    public static func text(_ a: Analysis, layers: Bool = false) -> String {
        var out = header(a).joined(separator: "\n") + "\n\n"
        out += stageTable(a).text() + "\n" + totalsTable(a).text()
        if layers { out += "\n" + layerTable(a).text() }
        out += "\n" + Conventions.units + "; " + Conventions.macs + "\n"
        return out
    }

    /// The markdown rendering.
    public static func markdown(_ a: Analysis, layers: Bool = false) -> String {
        var out = "## \(a.spec.name)\n\n" + header(a).dropFirst().map { $0 + "  \n" }.joined() + "\n"
        out += stageTable(a).markdown() + "\n" + totalsTable(a).markdown()
        if layers { out += "\n" + layerTable(a).markdown() }
        out += "\n" + ([Conventions.units] + Conventions.all).map { "- " + $0 }.joined(separator: "\n") + "\n"
        return out
    }
}
