/// Grouped vertical bars: one group per category, one bar per series, from zero. Odd-numbered
/// series are hatched as well as coloured, so neighbouring bars differ without colour vision.
public struct BarChart: Sendable {
    /// One named set of values, one per category.
    public struct Series: Sendable {
        public var name: String
        public var values: [Double]
        public init(_ name: String, _ values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    public var title: String
    public var subtitle: String?
    /// Category labels under the groups; `\n` breaks a label into lines.
    public var categories: [String]
    public var xTitle: String
    public var y: ChartAxis
    public var series: [Series]
    /// When set, each bar is labelled with its value to this many decimals.
    public var valueDecimals: Int?
    public var width: Double = 760
    public var height: Double = 430

    public init(
        title: String, subtitle: String? = nil, categories: [String], xTitle: String, y: ChartAxis,
        series: [Series], valueDecimals: Int? = nil
    ) {
        self.title = title
        self.subtitle = subtitle
        self.categories = categories
        self.xTitle = xTitle
        self.y = y
        self.series = series
        self.valueDecimals = valueDecimals
    }

    /// The chart as an SVG document ending in a newline.
    public func svg() -> String {
        var axis = y
        axis.includeZero = true
        let legend = series.indices.map { index in
            (
                name: series[index].name,
                sample: { (cx: Double, cy: Double) in
                    Self.bar(x: cx - 8, y: cy - 7, width: 16, height: 14, index: index)
                }
            )
        }
        let lines = categories.map { $0.split(separator: "\n").count }.max() ?? 1
        let frame = ChartFrame(
            width: width, height: height, title: title, subtitle: subtitle, x: nil, xTitle: xTitle,
            y: axis.resolved(for: series.flatMap(\.values)), yTitle: y.title, legend: legend,
            labelLines: lines)
        let slot = (frame.plotRight - frame.plotLeft) / Double(max(categories.count, 1))
        let barWidth = slot * 0.72 / Double(max(series.count, 1))
        var body: [String] = [Self.hatchPatterns(series.count)]
        var labels: [(label: String, x: Double)] = []
        for (category, name) in categories.enumerated() {
            let groupLeft = frame.plotLeft + slot * Double(category) + slot * 0.14
            labels.append((name, frame.plotLeft + slot * (Double(category) + 0.5)))
            for (index, line) in series.enumerated() where category < line.values.count {
                let value = line.values[category]
                let left = groupLeft + barWidth * Double(index)
                let top = frame.py(max(value, 0)), bottom = frame.py(0)
                body.append(Self.bar(x: left + 1, y: top, width: barWidth - 2, height: bottom - top, index: index))
                if let decimals = valueDecimals {
                    body.append(
                        SVGText.label(
                            SVGText.fixed(value, decimals: decimals), x: left + barWidth / 2, y: top - 5,
                            anchor: "middle", size: 11, fill: ChartStyle.text))
                }
            }
        }
        return frame.document(body.filter { !$0.isEmpty }, categoryLabels: labels)
    }

    /// One bar: solid for even series, hatched over a light tint for odd ones, outlined in the colour.
    static func bar(x: Double, y: Double, width: Double, height: Double, index: Int) -> String {
        let n = SVGText.number
        let fill = index % 2 == 0 ? ChartStyle.color(index) : "url(#hatch\(index))"
        return SVGText.element(
            "rect",
            [
                ("x", n(x, 1)), ("y", n(y, 1)), ("width", n(max(width, 0), 1)),
                ("height", n(max(height, 0), 1)), ("fill", fill),
                ("stroke", ChartStyle.color(index)), ("stroke-width", "1.5"),
            ])
    }

    /// Diagonal-hatch patterns for the odd-numbered series.
    static func hatchPatterns(_ count: Int) -> String {
        let patterns = stride(from: 1, to: count, by: 2).map { index in
            SVGText.element(
                "pattern",
                [
                    ("id", "hatch\(index)"), ("width", "6"), ("height", "6"),
                    ("patternUnits", "userSpaceOnUse"), ("patternTransform", "rotate(45)"),
                ],
                content: SVGText.element("rect", [("width", "6"), ("height", "6"), ("fill", "#ffffff")])
                    + SVGText.element(
                        "line",
                        [
                            ("x1", "0"), ("y1", "0"), ("x2", "0"), ("y2", "6"),
                            ("stroke", ChartStyle.color(index)), ("stroke-width", "3"),
                        ]))
        }
        return patterns.isEmpty ? "" : SVGText.element("defs", [], content: patterns.joined())
    }
}
