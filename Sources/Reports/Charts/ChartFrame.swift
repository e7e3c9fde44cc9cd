/// The parts every chart shares: canvas, title, plot area, axes with grid lines and a legend.
struct ChartFrame {
    let width: Double, height: Double
    let title: String, subtitle: String?
    let x: ResolvedAxis?, xTitle: String
    let y: ResolvedAxis, yTitle: String
    /// Legend entries: name and how to draw its sample at (x, y).
    let legend: [(name: String, sample: (Double, Double) -> String)]
    /// Lines of the tallest category label under the x axis (bar charts), 1 otherwise.
    var labelLines = 1

    static let titleSize = 17.0, textSize = 13.0, tickSize = 12.0

    /// Left edge of the plot: room for the y tick labels and the rotated y title.
    var plotLeft: Double {
        let widest = y.labels.map { ChartStyle.textWidth($0, size: Self.tickSize) }.max() ?? 0
        return 30 + widest + 12
    }
    var legendWidth: Double {
        legend.isEmpty ? 0 : 42 + (legend.map { ChartStyle.textWidth($0.name, size: Self.textSize) }.max() ?? 0)
    }
    var plotRight: Double { width - 20 - legendWidth }
    var plotTop: Double { subtitle == nil ? 50 : 68 }
    var plotBottom: Double { height - 58 - 14 * Double(max(labelLines, 1) - 1) }

    /// Pixel column of `value` on the x axis.
    func px(_ value: Double) -> Double { plotLeft + (x?.fraction(value) ?? 0.5) * (plotRight - plotLeft) }
    /// Pixel row of `value` on the y axis.
    func py(_ value: Double) -> Double { plotBottom - y.fraction(value) * (plotBottom - plotTop) }

    /// The document around `body`: background, title, grid, axes, legend.
    func document(_ body: [String], categoryLabels: [(label: String, x: Double)] = []) -> String {
        let n = SVGText.number
        var parts = [
            SVGText.element("title", [], content: SVGText.escaped(title)),
            SVGText.element("rect", [("width", n(width, 0)), ("height", n(height, 0)), ("fill", "#ffffff")]),
            SVGText.label(title, x: 16, y: 28, size: Int(Self.titleSize), weight: "bold", fill: ChartStyle.text),
        ]
        if let subtitle { parts.append(SVGText.label(subtitle, x: 16, y: 48, size: 12, fill: ChartStyle.muted)) }
        parts.append(gridAndTicks(categoryLabels: categoryLabels))
        parts += body
        parts.append(legendGroup())
        let attributes: [(String, String)] = [
            ("xmlns", "http://www.w3.org/2000/svg"), ("width", n(width, 0)), ("height", n(height, 0)),
            ("viewBox", "0 0 \(n(width, 0)) \(n(height, 0))"), ("role", "img"), ("aria-label", title),
            ("font-family", ChartStyle.font), ("font-size", n(Self.textSize, 0)), ("fill", ChartStyle.text),
        ]
        return SVGText.element("svg", attributes, content: "\n" + parts.joined(separator: "\n") + "\n") + "\n"
    }

    private func gridAndTicks(categoryLabels: [(label: String, x: Double)]) -> String {
        var grid: [String] = [], labels: [String] = []
        for (tick, label) in zip(y.ticks, y.labels) {
            let row = py(tick)
            grid.append(SVGText.line(plotLeft, row, plotRight, row))
            labels.append(SVGText.label(label, x: plotLeft - 8, y: row + 4, anchor: "end", size: Int(Self.tickSize)))
        }
        if let x {
            for (tick, label) in zip(x.ticks, x.labels) {
                let column = px(tick)
                grid.append(SVGText.line(column, plotTop, column, plotBottom))
                labels.append(SVGText.label(label, x: column, y: plotBottom + 18, anchor: "middle", size: Int(Self.tickSize)))
            }
        }
        for (label, column) in categoryLabels {
            for (row, piece) in label.split(separator: "\n").enumerated() {
                labels.append(
                    SVGText.label(
                        String(piece), x: column, y: plotBottom + 18 + Double(row) * 14,
                        anchor: "middle", size: Int(Self.tickSize)))
            }
        }
        let axes = [SVGText.line(plotLeft, plotBottom, plotRight, plotBottom), SVGText.line(plotLeft, plotTop, plotLeft, plotBottom)]
        let middleY = (plotTop + plotBottom) / 2
        let titles = [
            SVGText.label(xTitle, x: (plotLeft + plotRight) / 2, y: height - 14, anchor: "middle", fill: ChartStyle.text),
            SVGText.label(yTitle, x: 18, y: middleY, anchor: "middle", fill: ChartStyle.text, rotate: true),
        ]
        return SVGText.element("g", [("stroke", ChartStyle.grid), ("stroke-width", "1")], content: grid.joined())
            + "\n" + SVGText.element("g", [("stroke", ChartStyle.axis), ("stroke-width", "1.2")], content: axes.joined())
            + "\n" + SVGText.element("g", [("fill", ChartStyle.muted)], content: labels.joined())
            + "\n" + titles.joined()
    }

    private func legendGroup() -> String {
        guard !legend.isEmpty else { return "" }
        let left = plotRight + 18
        var parts: [String] = []
        for (index, entry) in legend.enumerated() {
            let row = plotTop + 10 + Double(index) * 22
            parts.append(entry.sample(left + 12, row))
            parts.append(SVGText.label(entry.name, x: left + 32, y: row + 4.5))
        }
        return SVGText.element("g", [("font-size", SVGText.number(Self.textSize, decimals: 0))], content: parts.joined())
    }
}
