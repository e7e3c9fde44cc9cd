import ArchGraph
import Architectures
import JSONOutput

/// `compare --train` output: models side by side at the same batch, stage by stage (grid,
/// tokens, saved activations, backward MACs), then the step's totals and ratios to the first.
public enum TrainingComparisonReport {
    public static func stageTable(_ estimates: [TrainingEstimate]) -> TextTable {
        var headers = ["#"]
        var alignments: [TextTable.Alignment] = [.right]
        for e in estimates {
            headers += ["\(e.analysis.spec.name) stage", "grid", "tokens", "saved (MiB)", "backward MACs (G)", "share of saved"]
            alignments += [.left, .right, .right, .right, .right, .right]
        }
        var table = TextTable(headers: headers, alignments: alignments)
        let rows = estimates.map(\.stages.count).max() ?? 0
        for index in 0..<rows {
            var row = ["\(index + 1)"]
            for e in estimates {
                guard index < e.stages.count else {
                    row += Array(repeating: "", count: 6)
                    continue
                }
                let s = e.analysis.summary.stages[index], t = e.stages[index]
                row += [
                    s.name, NumberFormat.grid(s.grid), AnalysisReport.tokens(s), TrainingFormat.mib(t.savedBytes),
                    NumberFormat.billions(t.backwardInputMacs + t.backwardWeightMacs),
                    NumberFormat.percent(t.savedBytes, of: e.memory.savedActivationsBytes),
                ]
            }
            table.append(row)
        }
        return table
    }

    public static func totalsTable(_ estimates: [TrainingEstimate], target: MemoryTarget?) -> TextTable {
        var headers = [
            "model", "input", "attention", "params (M)", "training MACs per image (G)", "saved (GiB)", "peak (GiB)",
        ]
        if let target { headers.append("on \(target.name)") }
        headers += ["MACs ratio", "saved ratio", "peak ratio"]
        var table = TextTable(
            headers: headers,
            alignments: [.left, .left, .left, .right, .right, .right, .right] + (target == nil ? [] : [.left]) + [.right, .right, .right])
        guard let base = estimates.first else { return table }
        for e in estimates {
            let b = e.analysis.summary.binding
            var row = [
                e.analysis.spec.name, "\(b.batch)×\(e.analysis.summary.inputChannels)×\(b.height)×\(b.width)",
                e.model.setup.attention.rawValue, NumberFormat.millions(e.analysis.summary.totals.params),
                NumberFormat.billions(e.work.perImage.total), TrainingFormat.gib(e.memory.savedActivationsBytes),
                TrainingFormat.gib(e.memory.peakBytes),
            ]
            if let target { row.append(TrainingFormat.verdict(e.verdict(target))) }
            row += [
                NumberFormat.ratio(e.work.perImage.total, base.work.perImage.total),
                NumberFormat.ratio(e.memory.savedActivationsBytes, base.memory.savedActivationsBytes),
                NumberFormat.ratio(e.memory.peakBytes, base.memory.peakBytes),
            ]
            table.append(row)
        }
        return table
    }

    static func footer(_ estimates: [TrainingEstimate]) -> String {
        var lines: [String] = []
        if let e = estimates.first {
            let setup = e.model.setup
            lines.append(
                "batch \(e.batch) per GPU; "
                    + [TrainingFormat.precision(setup), e.optimizer.rawValue, TrainingFormat.checkpoint(setup.checkpoint)].joined(
                        separator: ", ")
                    + "; attention as listed (fused: F.scaled_dot_product_attention; eager: the attention matrix computed and kept)")
        }
        lines.append(
            "saved: bytes autograd keeps from forward to backward; peak: parameters, gradients and optimizer state plus the most "
                + "activations and gradients alive at once (vitscope train lists the assumptions); ratios are to the first model; "
                + "MiB = 2²⁰ bytes, GiB = 2³⁰ bytes; " + Conventions.macs)
        return lines.joined(separator: "\n") + "\n"
    }

    public static func text(_ estimates: [TrainingEstimate], target: MemoryTarget?) -> String {
        stageTable(estimates).text() + "\n" + totalsTable(estimates, target: target).text() + "\n" + footer(estimates)
    }

    public static func markdown(_ estimates: [TrainingEstimate], target: MemoryTarget?) -> String {
        stageTable(estimates).markdown() + "\n" + totalsTable(estimates, target: target).markdown() + "\n"
            + footer(estimates).split(separator: "\n").map { $0 + "  \n" }.joined()
    }

    /// `{"models": [train objects without the run], "ratios_to_first": [...]}`.
    public static func json(_ estimates: [TrainingEstimate], target: MemoryTarget?) -> JSONText {
        let base = estimates.first
        let models: [JSONText] = estimates.map { e in
            guard case .object(let members) = TrainingReport.json(e, target: target) else { return .null }
            let dropped: Set<String> = ["assumptions", "conventions", "run", "cost"]
            return .object(members.filter { !dropped.contains($0.0) })
        }
        func ratio(_ x: Int, _ y: Int?) -> JSONText {
            guard let y, y > 0 else { return .null }
            return .double(Double(x) / Double(y))
        }
        let ratios: [JSONText] = estimates.map { e in
            .object([
                ("model", .string(e.analysis.spec.name)),
                ("training_macs", ratio(e.work.perImage.total, base?.work.perImage.total)),
                ("saved_activations_bytes", ratio(e.memory.savedActivationsBytes, base?.memory.savedActivationsBytes)),
                ("peak_bytes", ratio(e.memory.peakBytes, base?.memory.peakBytes)),
            ])
        }
        return .object([
            ("models", .array(models)), ("ratios_to_first", .array(ratios)),
            ("assumptions", .array((base.map(TrainingReport.assumptions) ?? []).map(JSONText.string))),
            ("conventions", .array(Conventions.all.map(JSONText.string))),
        ])
    }
}
