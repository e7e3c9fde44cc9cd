/// Deterministic pieces of SVG text: numbers with fixed decimals, escaped strings, elements.
///
/// Every coordinate goes through ``SVGText/number(_:decimals:)`` so the same chart always
/// renders to the same bytes, whatever the platform's `Double` description would print.
public enum SVGText {
    /// `x` rounded half away from zero to `decimals` places (0…6), without a trailing `.0…`:
    /// `number(12.345, decimals: 1)` → `12.3`, `number(40.0, decimals: 1)` → `40`.
    public static func number(_ x: Double, decimals: Int = 1) -> String {
        guard x.isFinite else { return "0" }
        let places = min(max(decimals, 0), 6)
        var unit = 1.0
        for _ in 0..<places { unit *= 10 }
        let scaled = (abs(x) * unit).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e15 else { return x < 0 ? "-9000000000000000" : "9000000000000000" }
        let whole = Int64(scaled)
        if whole == 0 { return "0" }
        let unitInt = Int64(unit)
        var text = String(whole / unitInt)
        var fraction = places > 0 ? String(whole % unitInt) : ""
        if places > 0 {
            fraction = String(repeating: "0", count: places - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            if !fraction.isEmpty { text += "." + fraction }
        }
        return (x < 0 ? "-" : "") + text
    }

    /// `x` with exactly `decimals` places (0…6), for labels: `fixed(2.5, decimals: 2)` → `2.50`.
    public static func fixed(_ x: Double, decimals: Int) -> String {
        let places = min(max(decimals, 0), 6)
        let compact = number(x, decimals: places)
        guard places > 0 else { return compact }
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + fraction + String(repeating: "0", count: places - fraction.count)
    }

    /// Text with `&`, `<`, `>` and `"` escaped for element content and attribute values.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An element with attributes in the given order; self-closing when `content` is `nil`.
    /// Attribute values are escaped; `content` is inserted as given (escape text with ``escaped(_:)``).
    public static func element(_ name: String, _ attributes: [(String, String)], content: String? = nil) -> String {
        var out = "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(escaped(value))\"" }
        guard let content else { return out + "/>" }
        return out + ">" + content + "</" + name + ">"
    }

    /// A `<text>` element at (`x`, `y`).
    static func label(
        _ text: String, x: Double, y: Double, anchor: String = "start", size: Int? = nil,
        weight: String? = nil, fill: String? = nil, rotate: Bool = false
    ) -> String {
        var attributes = [("x", number(x)), ("y", number(y))]
        if anchor != "start" { attributes.append(("text-anchor", anchor)) }
        if let size { attributes.append(("font-size", String(size))) }
        if let weight { attributes.append(("font-weight", weight)) }
        if let fill { attributes.append(("fill", fill)) }
        if rotate { attributes.append(("transform", "rotate(-90 \(number(x)) \(number(y)))")) }
        return element("text", attributes, content: escaped(text))
    }

    /// A straight line from (`x1`, `y1`) to (`x2`, `y2`); style comes from the enclosing group.
    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double) -> String {
        element("line", [("x1", number(x1)), ("y1", number(y1)), ("x2", number(x2)), ("y2", number(y2))])
    }

    /// `x,y x,y …` for a polyline.
    static func points(_ points: [(Double, Double)]) -> String {
        points.map { number($0.0) + "," + number($0.1) }.joined(separator: " ")
    }
}
