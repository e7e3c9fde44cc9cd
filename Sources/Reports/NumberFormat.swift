/// Number formatting shared by every table and report.
public enum NumberFormat {
    /// `22050664` → `22,050,664`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// `value × times / scale` with `decimals` digits after the point, rounded half away from
    /// zero, computed in full-width integers so that it is exact and cannot overflow:
    /// `scaled(22050664, 1_000_000, decimals: 2)` → `22.05`.
    public static func scaled(_ value: Int, _ scale: Int, times: Int = 1, decimals: Int) -> String {
        guard scale > 0, (0...9).contains(decimals) else { return "-" }
        var unit: UInt = 1
        for _ in 0..<decimals { unit *= 10 }
        // q = value·times·10^decimals / scale, rounded half up.
        let product = value.magnitude.multipliedFullWidth(by: UInt(max(times, 1)) * unit)
        guard product.high < UInt(scale) else { return "∞" }
        let (quotient, remainder) = UInt(scale).dividingFullWidth(product)
        let roundsUp = remainder >= UInt(scale) - remainder && quotient < .max
        let rounded = roundsUp ? quotient + 1 : quotient
        let (integer, fraction) = rounded.quotientAndRemainder(dividingBy: unit)
        var text = String(integer)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return (value < 0 ? "-" : "") + text
    }

    /// Millions with two decimals: `22.05`.
    public static func millions(_ value: Int) -> String { scaled(value, 1_000_000, decimals: 2) }

    /// Billions with three decimals: `4.599`.
    public static func billions(_ value: Int) -> String { scaled(value, 1_000_000_000, decimals: 3) }

    /// A share of a total as a percentage with one decimal: `12.5%`.
    public static func percent(_ part: Int, of total: Int) -> String {
        guard total > 0 else { return "-" }
        return scaled(part, total, times: 100, decimals: 1) + "%"
    }

    /// `a / b` with two decimals and a times sign: `0.62×`.
    public static func ratio(_ a: Int, _ b: Int) -> String {
        guard b > 0 else { return "-" }
        return scaled(a, b, decimals: 2) + "×"
    }

    /// A grid as `27×27`.
    public static func grid(_ grid: [Int]?) -> String {
        guard let grid, !grid.isEmpty else { return "-" }
        return grid.map(String.init).joined(separator: "×")
    }

    /// A published figure as written: `23.5`, `20`, `193.2`.
    public static func published(_ value: Double) -> String {
        let text = "\(value)"
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }

    /// The number of decimals a published figure was printed with.
    public static func publishedDecimals(_ value: Double) -> Int {
        let text = published(value)
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: text.index(after: dot), to: text.endIndex)
    }
}
