/// Colours, markers and dash patterns that keep series apart without colour vision: the
/// Okabe–Ito colour-blind-safe palette, and for each series also its own marker and dash.
public enum ChartStyle {
    /// Series colours in order (blue, vermilion, bluish green, reddish purple, orange, sky blue, black).
    public static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    /// `stroke-dasharray` per series; the first is solid.
    public static let dashes = ["", "8 4", "2 3", "10 3 2 3", "5 5", "1 3", "14 4"]

    /// A point marker.
    public enum Marker: CaseIterable, Sendable {
        case circle, square, triangle, diamond, triangleDown, cross, plus
    }

    static func color(_ index: Int) -> String { colors[index % colors.count] }
    static func dash(_ index: Int) -> String { dashes[index % dashes.count] }
    static func marker(_ index: Int) -> Marker { Marker.allCases[index % Marker.allCases.count] }

    static let font = "Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif"
    static let text = "#222222"
    static let muted = "#555555"
    static let grid = "#e3e3e3"
    static let axis = "#444444"
    /// Rough advance of one character at `size` px, for laying out labels without font metrics.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.58 }

    /// The marker shape centred on (`x`, `y`) filled with `color`, outlined in white so it
    /// stays visible where lines cross.
    static func marker(_ marker: Marker, x: Double, y: Double, color: String, size: Double = 4.5) -> String {
        let n = SVGText.number
        let filled = [("fill", color), ("stroke", "#ffffff"), ("stroke-width", "1")]
        func path(_ d: String) -> String { SVGText.element("path", [("d", d)] + filled) }
        switch marker {
        case .circle:
            return SVGText.element("circle", [("cx", n(x, 1)), ("cy", n(y, 1)), ("r", n(size, 1))] + filled)
        case .square:
            let s = size * 0.9
            return SVGText.element(
                "rect",
                [
                    ("x", n(x - s, 1)), ("y", n(y - s, 1)), ("width", n(2 * s, 1)),
                    ("height", n(2 * s, 1)),
                ] + filled)
        case .triangle:
            let s = size * 1.2
            return path("M\(n(x, 1)) \(n(y - s, 1))L\(n(x + s, 1)) \(n(y + s * 0.8, 1))L\(n(x - s, 1)) \(n(y + s * 0.8, 1))Z")
        case .triangleDown:
            let s = size * 1.2
            return path("M\(n(x, 1)) \(n(y + s, 1))L\(n(x + s, 1)) \(n(y - s * 0.8, 1))L\(n(x - s, 1)) \(n(y - s * 0.8, 1))Z")
        case .diamond:
            let s = size * 1.3
            return path("M\(n(x, 1)) \(n(y - s, 1))L\(n(x + s, 1)) \(n(y, 1))L\(n(x, 1)) \(n(y + s, 1))L\(n(x - s, 1)) \(n(y, 1))Z")
        case .cross, .plus:
            let s = size
            let d =
                marker == .cross
                ? "M\(n(x - s, 1)) \(n(y - s, 1))L\(n(x + s, 1)) \(n(y + s, 1))M\(n(x - s, 1)) \(n(y + s, 1))L\(n(x + s, 1)) \(n(y - s, 1))"
                : "M\(n(x - s, 1)) \(n(y, 1))L\(n(x + s, 1)) \(n(y, 1))M\(n(x, 1)) \(n(y - s, 1))L\(n(x, 1)) \(n(y + s, 1))"
            return SVGText.element("path", [("d", d), ("fill", "none"), ("stroke", color), ("stroke-width", "2.5")])
        }
    }
}
