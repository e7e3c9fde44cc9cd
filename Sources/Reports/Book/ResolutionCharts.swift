import Architectures

/// The charts of the resolution page.
enum ResolutionCharts {
    /// File names and alt texts, in the order the page shows them.
    static let all: [(file: String, alt: String)] = [
        ("resolution-macs.svg", "Total MACs against image side"),
        ("resolution-attention.svg", "Attention MACs against image side"),
        ("resolution-other.svg", "MACs other than attention against image side"),
        ("resolution-params.svg", "Parameters against image side"),
    ]

    static func files(_ series: [ResolutionSeries]) -> [ReportFile] {
        let x = ChartAxis("image side (px), square input", ticks: Array(stride(from: 160.0, through: 512, by: 64)) + [512])
        func lines(_ value: (Analysis) -> Double, where keep: (ResolutionSeries) -> Bool = { _ in true }) -> [LineChart.Series] {
            series.enumerated().filter { keep($0.element) }.map { index, s in
                LineChart.Series(
                    Markdown.shortName(s.facts.name), s.valid.map { ChartPoint(Double($0.side), value($0.analysis)) },
                    style: index)
            }
        }
        let macs = LineChart(
            title: "MACs against input resolution", subtitle: "all MACs for one image",
            x: x, y: ChartAxis("MACs (G)", tickTarget: 6),
            series: lines { Double($0.summary.totals.macs) / 1e9 })
        let attending: (ResolutionSeries) -> Bool = { $0.valid.contains { $0.analysis.attentionMacs > 0 } }
        let attention = LineChart(
            title: "Attention MACs against input resolution",
            subtitle: "q·kᵀ + attn·v: quadratic in the pixel count (leading term ∝ side⁴); ResNet-50 has none",
            x: x, y: ChartAxis("attention MACs (G)", tickTarget: 6),
            series: lines({ Double($0.attentionMacs) / 1e9 }, where: attending))
        let other = LineChart(
            title: "Other MACs against input resolution",
            subtitle: "linear layers and convolutions: linear in the pixel count (leading term ∝ side²)",
            x: x, y: ChartAxis("other MACs (G)", tickTarget: 6),
            series: lines { Double($0.summary.totals.macs - $0.attentionMacs) / 1e9 })
        let params = LineChart(
            title: "Parameters against input resolution",
            subtitle: "position embeddings are built for the input size, as timm's img_size= does",
            x: x, y: ChartAxis("params (M)", tickTarget: 6),
            series: lines { Double($0.summary.totals.params) / 1e6 })
        let charts = [macs, attention, other, params]
        return zip(all, charts).map { ReportFile(path: $0.file, contents: $1.svg()) }
    }
}
