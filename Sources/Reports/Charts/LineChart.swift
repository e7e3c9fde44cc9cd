/// A point of a line chart.
public struct ChartPoint: Hashable, Sendable {
    public var x: Double, y: Double
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

/// Lines through points, one per series, each with its own colour, dash and marker, drawn as
/// a self-contained SVG document (no scripts, stylesheets or font files).
public struct LineChart: Sendable {
    /// One named line.
    public struct Series: Sendable {
        public var name: String
        public var points: [ChartPoint]
        /// Which colour, dash and marker to use; by default the series' position. Give the
        /// same style to the same thing across charts.
        public var style: Int?
        public init(_ name: String, _ points: [ChartPoint], style: Int? = nil) {
            self.name = name
            self.points = points
            self.style = style
        }
    }

    public var title: String
    public var subtitle: String?
    public var x: ChartAxis
    public var y: ChartAxis
    public var series: [Series]
    public var width: Double = 760
    public var height: Double = 430

    public init(title: String, subtitle: String? = nil, x: ChartAxis, y: ChartAxis, series: [Series]) {
        self.title = title
        self.subtitle = subtitle
        self.x = x
        self.y = y
        self.series = series
    }

    /// The chart as an SVG document ending in a newline.
    public func svg() -> String {
        let points = series.flatMap(\.points)
        let legend = series.indices.map { position in
            let index = series[position].style ?? position
            return (
                name: series[position].name,
                sample: { (cx: Double, cy: Double) in
                    Self.stroke([(cx - 12, cy), (cx + 12, cy)], index: index, width: Self.lineWidth(index))
                        + ChartStyle.marker(
                            ChartStyle.marker(index), x: cx, y: cy, color: ChartStyle.color(index),
                            size: Self.markerSize(index))
                }
            )
        }
        let frame = ChartFrame(
            width: width, height: height, title: title, subtitle: subtitle,
            x: x.resolved(for: points.map(\.x)), xTitle: x.title,
            y: y.resolved(for: points.map(\.y)), yTitle: y.title, legend: legend)
        var body: [String] = []
        // Later series are drawn first, with wider lines and larger markers, so where series
        // coincide the earlier ones lie on top and the later ones still show around them.
        for (position, line) in series.enumerated().reversed() {
            let index = line.style ?? position
            let pixels = line.points.map { (frame.px($0.x), frame.py($0.y)) }
            var group = [Self.stroke(pixels, index: index, width: Self.lineWidth(index))]
            group += pixels.map {
                ChartStyle.marker(ChartStyle.marker(index), x: $0.0, y: $0.1, color: ChartStyle.color(index), size: Self.markerSize(index))
            }
            body.append(SVGText.element("g", [], content: group.joined()))
        }
        return frame.document(body)
    }

    /// Line width of series `index`: 2 px for the first, half a pixel wider for each later one.
    static func lineWidth(_ index: Int) -> Double { 2 + 0.5 * Double(min(index, 6)) }
    /// Marker size of series `index`: 4 px for the first, larger for each later one.
    static func markerSize(_ index: Int) -> Double { 4 + 0.7 * Double(min(index, 6)) }

    /// The series' line through `pixels` in its colour and dash.
    static func stroke(_ pixels: [(Double, Double)], index: Int, width: Double = 2) -> String {
        var attributes = [
            ("points", SVGText.points(pixels)), ("fill", "none"), ("stroke", ChartStyle.color(index)),
            ("stroke-width", SVGText.number(width, decimals: 2)), ("stroke-linejoin", "round"),
        ]
        let dash = ChartStyle.dash(index)
        if !dash.isEmpty { attributes.append(("stroke-dasharray", dash)) }
        return SVGText.element("polyline", attributes)
    }
}
