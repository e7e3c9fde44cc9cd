import ArchGraph
import Architectures

/// `reports/spatial-dimensions.md` and its charts: the PiT paper's Figure 1 study (Heo et al.
/// 2021, "Rethinking Spatial Dimensions of Vision Transformers") with exact numbers.
enum SpatialPage {
    static let path = "spatial-dimensions.md"

    /// The page and its charts. `study` holds ``ReportBook/studyModels`` in that order.
    static func files(_ study: [ModelFacts]) throws(SpecError) -> [ReportFile] {
        guard let vit = study.first(where: { $0.name == "vit_small_patch16_224" }),
            let pit = study.first(where: { $0.name == "pit_s_224" })
        else { return [] }
        let pooling = try PoolingStudy.stages(pit.analysis)
        var files = SpatialCharts.files(study, pooling: pooling)
        var out = Markdown.generatedNotice + "\n# Spatial dimensions: why PiT pools, and what it saves\n\n"
        out += summary(vit: vit.analysis, pit: pit.analysis, pooling: pooling) + "\n\n"
        out +=
            "The charts and tables below are for one 224×224 image. Depth counts token-mixing blocks: transformer "
            + "blocks, T2T-ViT's two tokens-to-token layers, and ResNet-50's bottlenecks; patch embeddings, pooling "
            + "layers and heads are left out of the depth axis but not out of the totals.\n\n"
        for chart in SpatialCharts.all { out += "![\(chart.alt)](\(chart.file))\n\n" }
        out += depthTables(study)
        out += poolingSection(pit.analysis, pooling)
        out += "## Stage by stage\n\n"
        out +=
            "Attention MACs are the q·kᵀ and attn·v products, tokens × tokens × width each per block (CvT: "
            + "query tokens × key tokens, its keys and values coming from a stride-2 convolution; T2T-ViT's "
            + "tokens-to-token layers: the Performer's attention, linear in tokens). *Other* is every other MAC.\n\n"
        for f in study {
            out += "### \(Markdown.shortName(f.name)) (\(Markdown.modelLink(f.name)))\n\n" + stageTable(f.analysis).markdown() + "\n"
        }
        out += "## Totals\n\n" + totalsTable(study).markdown() + "\n"
        out += "## Conventions\n\n" + Markdown.conventions
        files.append(ReportFile(path: path, contents: out))
        return files
    }

    /// The opening paragraph: what PiT changes, and the exact numbers it changes.
    static func summary(vit: Analysis, pit: Analysis, pooling: [PoolingStage]) -> String {
        let (vt, pt) = (vit.summary.totals, pit.summary.totals)
        let (va, pa) = (vit.attentionMacs, pit.attentionMacs)
        let vitStage = vit.summary.stages.first { $0.kind == .transformer }
        let stages = pooling.map { "\(NumberFormat.grid($0.grid)) at width \($0.width)" }
        let g = NumberFormat.grouped
        var s: [String] = []
        s.append(
            "**Why PiT pools.** ViT-S/16 keeps one \(NumberFormat.grid(vitStage?.grid)) grid of tokens "
                + "(\(vitStage.map(AnalysisReport.tokens) ?? "-"), the +1 is the class token) at width \(vitStage?.channels ?? 0) "
                + "through all \(vit.depthSteps.count) blocks. PiT-S, like ResNet-50, starts on a finer grid with narrow channels "
                + "and pools between stages — " + stages.joined(separator: ", then ")
                + " — so each block works where it is cheap: many tokens while the width is small, a wide embedding once "
                + "the tokens are few.")
        s.append(
            "**What it saves.** For one 224×224 image PiT-S needs **\(g(pt.macs)) MACs** against ViT-S/16's "
                + "**\(g(vt.macs))** (\(change(pt.macs, from: vt.macs))), with a similar parameter count "
                + "(\(g(pt.params)) against \(g(vt.params))).")
        let linear =
            "the other MACs — linear layers and convolutions, which grow with tokens × width² — "
            + "\(g(pt.macs - pa)) against \(g(vt.macs - va)) (\(change(pt.macs - pa, from: vt.macs - va)))"
        if pa > va {
            let first = pooling.first.map { "\($0.tokens) tokens" } ?? "its first grid"
            s.append(
                "The saving is not in attention: PiT-S spends **\(g(pa)) MACs** on the attention products q·kᵀ and attn·v, "
                    + "\(NumberFormat.ratio(pa, va)) ViT-S/16's **\(g(va))**, because its first stage attends over \(first); "
                    + "it is in \(linear).")
        } else {
            s.append(
                "PiT-S spends **\(g(pa)) MACs** on the attention products q·kᵀ and attn·v against ViT-S/16's **\(g(va))** "
                    + "(\(change(pa, from: va))), and \(linear).")
        }
        let later = pooling.dropFirst()
        if let stage1 = pooling.first, !later.isEmpty {
            let actual = later.reduce(0) { $0 + $1.attentionMacs }, unpooled = later.reduce(0) { $0 + $1.unpooledAttentionMacs }
            let macs = later.reduce(0) { $0 + $1.macs }, unpooledMacs = later.reduce(0) { $0 + $1.unpooledMacs }
            s.append(
                "Pooling is what makes the fine first grid affordable: left on stage 1's \(NumberFormat.grid(stage1.grid)) grid "
                    + "(\(stage1.tokens) tokens), PiT-S's other \(later.reduce(0) { $0 + $1.depth }) blocks would need "
                    + "\(g(unpooled)) attention MACs instead of \(g(actual)) (pooling saves \(NumberFormat.percent(unpooled - actual, of: unpooled))), "
                    + "and \(g(unpooledMacs)) MACs in all instead of \(g(macs)).")
        }
        return s[0] + "\n\n" + s.dropFirst().joined(separator: " ")
    }

    /// `37.6% fewer` or `26.5% more`.
    static func change(_ value: Int, from base: Int) -> String {
        guard base > 0 else { return "-" }
        if value == base { return "the same" }
        let difference = value > base ? value - base : base - value
        return NumberFormat.percent(difference, of: base) + (value > base ? " more" : " fewer")
    }

    /// Grid and width, then attention MACs, for each block along depth, models side by side.
    static func depthTables(_ study: [ModelFacts]) -> String {
        let steps = study.map(\.analysis.depthSteps)
        let rows = steps.map(\.count).max() ?? 0
        let headers = ["depth"] + study.map { Markdown.shortName($0.name) }
        let alignments: [TextTable.Alignment] = [.right] + study.map { _ in .right }
        var shape = TextTable(headers: headers, alignments: alignments)
        var attention = TextTable(headers: headers, alignments: alignments)
        for row in 0..<rows {
            shape.append(
                [String(row + 1)]
                    + steps.map { list in
                        row < list.count
                            ? "\(NumberFormat.grid(list[row].stage.grid)) · \(list[row].stage.channels.map(String.init) ?? "-")" : ""
                    })
            attention.append(
                [String(row + 1)]
                    + steps.map { list in
                        row < list.count ? NumberFormat.grouped(list[row].attentionMacs) : ""
                    })
        }
        return "## Along depth\n\n"
            + "Grid (spatial size) · width (channels) of each block, the data of the first two charts:\n\n" + shape.markdown()
            + "\nAttention MACs (q·kᵀ + attn·v) of each block, the data of the third chart:\n\n" + attention.markdown() + "\n"
    }

    /// PiT-S's stages beside the same stages on the first stage's grid.
    static func poolingSection(_ pit: Analysis, _ pooling: [PoolingStage]) -> String {
        var table = TextTable(
            headers: [
                "stage", "grid", "tokens", "width", "blocks", "attention MACs",
                "unpooled grid", "unpooled attention MACs", "stage MACs", "unpooled stage MACs",
            ],
            alignments: [.left, .right, .right, .right, .right, .right, .right, .right, .right, .right])
        for s in pooling {
            table.append([
                s.name, NumberFormat.grid(s.grid), String(s.tokens), String(s.width), String(s.depth),
                NumberFormat.grouped(s.attentionMacs), NumberFormat.grid(s.unpooledGrid),
                NumberFormat.grouped(s.unpooledAttentionMacs), NumberFormat.grouped(s.macs),
                NumberFormat.grouped(s.unpooledMacs),
            ])
        }
        return "## What pooling saves in PiT-S\n\n"
            + "Each transformer stage of \(Markdown.modelLink(pit.spec.name)) as built, and *unpooled*: the same blocks "
            + "(width, heads, depth) on the patch embedding's grid, as if the model never pooled. The unpooled figures "
            + "come from graphs as well — a one-stage PiT with that stage's configuration, built by the same code at "
            + "the same image size — so stage 1's two columns agree by construction.\n\n" + table.markdown() + "\n"
    }

    /// One model's stages with attention and other MACs apart.
    static func stageTable(_ a: Analysis) -> TextTable {
        var table = TextTable(
            headers: ["stage", "kind", "grid", "tokens", "width", "blocks", "attention MACs", "other MACs", "MACs share"],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .right])
        for s in a.summary.stages {
            let attention = a.attentionMacs(stage: s.name)
            table.append([
                s.name, s.kind.rawValue, NumberFormat.grid(s.grid), AnalysisReport.tokens(s),
                s.channels.map(String.init) ?? "-", s.depth.map(String.init) ?? "-",
                NumberFormat.grouped(attention), NumberFormat.grouped(s.cost.macs - attention),
                NumberFormat.percent(s.cost.macs, of: a.summary.totals.macs),
            ])
        }
        return table
    }

    /// Params and MACs per model, attention apart.
    static func totalsTable(_ study: [ModelFacts]) -> TextTable {
        var table = TextTable(
            headers: ["model", "params", "MACs", "attention MACs", "other MACs", "attention share"],
            alignments: [.left, .right, .right, .right, .right, .right])
        for f in study {
            let t = f.analysis.summary.totals, attention = f.analysis.attentionMacs
            table.append([
                "\(Markdown.shortName(f.name)) (\(Markdown.modelLink(f.name)))", NumberFormat.grouped(t.params),
                NumberFormat.grouped(t.macs), NumberFormat.grouped(attention), NumberFormat.grouped(t.macs - attention),
                NumberFormat.percent(attention, of: t.macs),
            ])
        }
        return table
    }
}
