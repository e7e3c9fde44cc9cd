import ArchGraph
import Architectures

/// The charts of the spatial-dimensions page.
enum SpatialCharts {
    /// File names and alt texts, in the order the page shows them.
    static let all: [(file: String, alt: String)] = [
        ("spatial-grid.svg", "Grid side along depth for ResNet-50, ViT-S/16, PiT-S, CvT-13, T2T-ViT-14 and Swin-T"),
        ("spatial-width.svg", "Channel width along depth for the same models"),
        ("spatial-attention.svg", "Attention MACs of each block along depth"),
        ("spatial-pooling.svg", "PiT-S attention MACs per stage, pooled as built and unpooled on the first grid"),
        ("spatial-windows.svg", "Swin-T attention MACs per stage, in windows as built and global over each stage's grid"),
        ("spatial-macs.svg", "Attention and other MACs of each model"),
    ]

    static func files(_ study: [ModelFacts], pooling: [PoolingStage], windows: [WindowStage]) -> [ReportFile] {
        let deepest = study.map(\.analysis.depthSteps.count).max() ?? 1
        let depth = ChartAxis(
            "block along depth (token-mixing blocks, first = 1)", ticks: (1...max(deepest, 1)).map(Double.init),
            span: 0.5...(Double(deepest) + 0.5))
        func along(_ value: (DepthStep) -> Double?, models: [ModelFacts]) -> [LineChart.Series] {
            models.map { f in
                LineChart.Series(
                    Markdown.shortName(f.name),
                    f.analysis.depthSteps.compactMap { step in
                        value(step).map { ChartPoint(Double(step.index), $0) }
                    }, style: study.firstIndex { $0.name == f.name })
            }
        }
        let grid = LineChart(
            title: "Spatial size along depth",
            subtitle: "grid side of the tokens (or feature map) each block works on, 224×224 input",
            x: depth, y: ChartAxis("grid side (tokens per row)", tickTarget: 6),
            series: along({ $0.stage.grid.map { Double($0[0]) } }, models: study))
        let width = LineChart(
            title: "Channel width along depth",
            subtitle: "token width (transformers) or output channels (ResNet-50 bottlenecks)",
            x: depth, y: ChartAxis("channels (log scale)", scale: .log2),
            series: along({ $0.stage.channels.map(Double.init) }, models: study))
        let attending = study.filter { $0.analysis.attentionMacs > 0 }
        let attention = LineChart(
            title: "Attention MACs per block along depth",
            subtitle: "q·kᵀ + attn·v of each block (Performer attention in T2T layers); ResNet-50 has none",
            x: depth, y: ChartAxis("attention MACs per block (M)", tickTarget: 6),
            series: along({ Double($0.attentionMacs) / 1e6 }, models: attending))
        let pooled = BarChart(
            title: "What pooling saves in PiT-S: attention MACs per stage",
            subtitle: "as built (pooled) and with the same blocks on stage 1's grid (unpooled)",
            categories: pooling.map { "\($0.name): \($0.depth) blocks\n\(NumberFormat.grid($0.grid)) · width \($0.width)" },
            xTitle: "PiT-S stage (grid and width as built)", y: ChartAxis("attention MACs (M)", tickTarget: 6),
            series: [
                BarChart.Series("pooled (as built)", pooling.map { Double($0.attentionMacs) / 1e6 }),
                BarChart.Series("unpooled", pooling.map { Double($0.unpooledAttentionMacs) / 1e6 }),
            ],
            valueDecimals: 1)
        let windowed = BarChart(
            title: "What windows save in Swin-T: attention MACs per stage",
            subtitle: "as built (within windows) and with the same blocks attending over the stage's whole grid (global)",
            categories: windows.map {
                "\($0.name): \($0.depth) blocks\n\(NumberFormat.grid($0.grid)) · \($0.windows) × \($0.window)×\($0.window)"
            },
            xTitle: "Swin-T stage (grid · windows × window as built)", y: ChartAxis("attention MACs (M)", tickTarget: 6),
            series: [
                BarChart.Series("windows (as built)", windows.map { Double($0.attentionMacs) / 1e6 }),
                BarChart.Series("global", windows.map { Double($0.globalAttentionMacs) / 1e6 }),
            ],
            valueDecimals: 1)
        let macs = BarChart(
            title: "Where the MACs go",
            subtitle: "attention products (q·kᵀ, attn·v) and every other MAC, one 224×224 image",
            categories: study.map { Markdown.shortName($0.name) }, xTitle: "model",
            y: ChartAxis("MACs (G)", tickTarget: 5),
            series: [
                BarChart.Series("attention", study.map { Double($0.analysis.attentionMacs) / 1e9 }),
                BarChart.Series("other", study.map { Double($0.analysis.summary.totals.macs - $0.analysis.attentionMacs) / 1e9 }),
            ],
            valueDecimals: 2)
        let svgs = [grid.svg(), width.svg(), attention.svg(), pooled.svg(), windowed.svg(), macs.svg()]
        return zip(all, svgs).map { ReportFile(path: $0.file, contents: $1) }
    }
}
