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
        let swin = study.first { $0.analysis.spec.family == .swin }
        var windows: [WindowStage] = []
        if let swin { windows = try WindowStudy.stages(swin.analysis) }
        var files = SpatialCharts.files(study, pooling: pooling, windows: windows)
        var out = Markdown.generatedNotice + "\n# Spatial dimensions: PiT's pooling, Swin's windows, and what they save\n\n"
        out += summary(vit: vit.analysis, pit: pit.analysis, pooling: pooling) + "\n\n"
        if let swin, !windows.isEmpty { out += windowSummary(swin.analysis, windows) + "\n\n" }
        out +=
            "The charts and tables below are for one 224×224 image. Depth counts token-mixing blocks: transformer "
            + "blocks (Swin's window-attention blocks among them), T2T-ViT's two tokens-to-token layers, and ResNet-50's "
            + "bottlenecks; patch embeddings, pooling layers, Swin's patch merging and heads are left out of the depth "
            + "axis but not out of the totals.\n\n"
        for chart in SpatialCharts.all { out += "![\(chart.alt)](\(chart.file))\n\n" }
        out += depthTables(study)
        out += poolingSection(pit.analysis, pooling)
        if let swin, !windows.isEmpty { out += windowSection(swin.analysis, windows) }
        out += "## Stage by stage\n\n"
        out +=
            "Attention MACs are the q·kᵀ and attn·v products, tokens × tokens × width each per block (CvT: "
            + "query tokens × key tokens, its keys and values coming from a stride-2 convolution; Swin: tokens × "
            + "window tokens × width, each token attending within its window; T2T-ViT's tokens-to-token layers: "
            + "the Performer's attention, linear in tokens). *Other* is every other MAC.\n\n"
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

    /// The paragraph on Swin: its grids and widths, its windows, and what they save against
    /// global attention over the same grids.
    static func windowSummary(_ swin: Analysis, _ windows: [WindowStage]) -> String {
        let g = NumberFormat.grouped
        let name = Markdown.shortName(swin.spec.name)
        let stages = windows.map { "\(NumberFormat.grid($0.grid)) at width \($0.width)" }
        let attention = windows.reduce(0) { $0 + $1.attentionMacs }, global = windows.reduce(0) { $0 + $1.globalAttentionMacs }
        let windowed = windows.filter { $0.windows > 1 }
        let sides = Set(windowed.map(\.window)).sorted().map { "\($0)×\($0)" }.joined(separator: " or ")
        var s =
            "**How Swin keeps attention local.** \(name) narrows the grid and widens the channels too — "
            + stages.joined(separator: ", then ")
            + ", halving the grid side by 2×2 patch merging — but its attention does not see the whole grid: each "
            + "block attends within windows of \(sides) tokens, every second block on windows shifted by half a window "
            + "(with a mask, so that tokens rolled across the border stay apart)."
        for stage in windows where stage.windows == 1 {
            s +=
                " In \(stage.name) the \(NumberFormat.grid(stage.grid)) grid is a single window, so its blocks attend globally and do not shift."
        }
        s +=
            " For one 224×224 image its attention products cost **\(g(attention)) MACs**; the same blocks attending "
            + "over their whole grid would need **\(g(global))** (the windows save \(NumberFormat.percent(global - attention, of: global)))"
        if let first = windowed.first {
            s +=
                ", \(g(first.globalAttentionMacs - first.attentionMacs)) of it in \(first.name), whose \(first.tokens) tokens "
                + "fall into \(first.windows) windows"
        }
        return s + "."
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

    /// Swin's stages beside the same blocks attending over their whole grid.
    static func windowSection(_ swin: Analysis, _ windows: [WindowStage]) -> String {
        var table = TextTable(
            headers: [
                "stage", "grid", "tokens", "width", "blocks", "window", "windows", "shifted blocks", "attention MACs",
                "global attention MACs", "stage MACs", "global stage MACs",
            ],
            alignments: [.left, .right, .right, .right, .right, .right, .right, .right, .right, .right, .right, .right])
        for s in windows {
            table.append([
                s.name, NumberFormat.grid(s.grid), String(s.tokens), String(s.width), String(s.depth), "\(s.window)×\(s.window)",
                String(s.windows), String(s.shiftedBlocks), NumberFormat.grouped(s.attentionMacs),
                NumberFormat.grouped(s.globalAttentionMacs), NumberFormat.grouped(s.macs), NumberFormat.grouped(s.globalMacs),
            ])
        }
        return "## What windows save in \(Markdown.shortName(swin.spec.name))\n\n"
            + "Each transformer stage of \(Markdown.modelLink(swin.spec.name)) as built, attending within windows (*windows* per "
            + "image; a window's tokens attend to each other only), and *global*: the same blocks attending over the stage's "
            + "whole grid. The global figures come from graphs as well — the same spec with each stage's window set to its "
            + "grid side, which timm, like vitscope, turns into a single window over the grid without a shift — so a stage "
            + "whose grid is one window already has equal columns. Windowed attention costs tokens × window tokens × width "
            + "per product, global attention tokens × tokens × width.\n\n" + table.markdown() + "\n"
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
