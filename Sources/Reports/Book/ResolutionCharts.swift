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

    /// The chart of the window section.
    static let windowCharts: [(file: String, alt: String)] = [
        ("resolution-windows.svg", "Attention MACs per pixel against pixel count, windowed (Swin-T) and global (ViT-S/16)")
    ]

    static func files(_ series: [ResolutionSeries], windows: WindowSeries? = nil) -> [ReportFile] {
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
        var files = zip(all, charts).map { ReportFile(path: $0.file, contents: $1.svg()) }
        if let windows, let chart = windowCharts.first {
            files.append(ReportFile(path: chart.file, contents: perPixel(windows).svg()))
        }
        return files
    }

    /// Attention MACs per pixel against the pixel count: flat where attention is linear in it.
    static func perPixel(_ w: WindowSeries) -> LineChart {
        let pixels = w.rows.map { Double($0.side * $0.side) }
        func line(_ name: String, _ value: (WindowSeries.Row) -> Int, style: Int) -> LineChart.Series {
            LineChart.Series(
                name, w.rows.map { ChartPoint(Double($0.side * $0.side), Double(value($0)) / Double($0.side * $0.side)) }, style: style)
        }
        let study = ReportBook.studyModels
        return LineChart(
            title: "Attention MACs per pixel: windowed against global",
            subtitle: "flat where attention grows linearly with the pixel count, rising where it grows quadratically",
            x: ChartAxis(
                "pixels per image (H·W), square inputs " + w.rows.map { "\($0.side)×\($0.side)" }.joined(separator: ", "), ticks: pixels),
            y: ChartAxis("attention MACs per pixel", tickTarget: 6),
            series: [
                line(Markdown.shortName(w.windowed.name), { $0.windowed.attentionMacs }, style: study.firstIndex(of: w.windowed.name) ?? 0),
                line(Markdown.shortName(w.global.name), { $0.global.attentionMacs }, style: study.firstIndex(of: w.global.name) ?? 1),
            ])
    }
}
