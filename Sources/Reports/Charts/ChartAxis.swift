import Foundation

/// One axis of a chart: its title (with the unit) and how values map onto it.
public struct ChartAxis: Sendable {
    public enum Scale: Sendable {
        /// Evenly spaced values, round 1-2-5 ticks.
        case linear
        /// Each doubling the same distance, ticks at powers of two (values must be positive).
        case log2
    }

    /// The axis title with its unit, e.g. `MACs (G)` or `image side (px)`.
    public var title: String
    public var scale: Scale
    /// Ticks to use instead of computed ones; the axis spans them and the data.
    public var ticks: [Double]?
    /// A span to cover besides the ticks and the data, e.g. half a step of room at each end.
    public var span: ClosedRange<Double>?
    /// Whether a linear axis starts at zero (counts usually should).
    public var includeZero: Bool
    /// About how many intervals computed linear ticks aim for.
    public var tickTarget: Int

    public init(
        _ title: String, scale: Scale = .linear, ticks: [Double]? = nil, span: ClosedRange<Double>? = nil,
        includeZero: Bool = true, tickTarget: Int = 5
    ) {
        self.title = title
        self.scale = scale
        self.ticks = ticks
        self.span = span
        self.includeZero = includeZero
        self.tickTarget = tickTarget
    }

    /// The axis fitted to `values`: its ticks, span and labels.
    func resolved(for values: [Double]) -> ResolvedAxis {
        let data = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        var low = data.min() ?? 0, high = data.max() ?? 1
        if let span { (low, high) = (min(low, span.lowerBound), max(high, span.upperBound)) }
        if let ticks, !ticks.isEmpty {
            low = min(low, ticks.min() ?? low)
            high = max(high, ticks.max() ?? high)
            return ResolvedAxis(scale: scale, low: low, high: high, ticks: ticks)
        }
        switch scale {
        case .linear:
            if includeZero { low = min(low, 0); high = max(high, 0) }
            let ticks = Ticks.linear(low, high, target: tickTarget)
            return ResolvedAxis(scale: .linear, low: ticks.first ?? low, high: ticks.last ?? high, ticks: ticks)
        case .log2:
            let ticks = Ticks.powersOfTwo(low, high)
            return ResolvedAxis(scale: .log2, low: ticks.first ?? low, high: ticks.last ?? high, ticks: ticks)
        }
    }
}

/// An axis fitted to data: where values fall as a fraction of its length, and its tick labels.
struct ResolvedAxis {
    let scale: ChartAxis.Scale
    let low: Double, high: Double
    let ticks: [Double]

    /// 0 at `low`, 1 at `high`.
    func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear:
            return high > low ? (value - low) / (high - low) : 0.5
        case .log2:
            guard value > 0, low > 0, high > low else { return 0.5 }
            return (Foundation.log2(value) - Foundation.log2(low)) / (Foundation.log2(high) - Foundation.log2(low))
        }
    }

    /// Tick labels with the fewest decimals that print every tick exactly; thousands grouped.
    var labels: [String] {
        let decimals = Ticks.decimals(ticks)
        return ticks.map { tick in
            if decimals == 0, abs(tick) >= 10_000, abs(tick) < 1e15 { return NumberFormat.grouped(Int(tick.rounded())) }
            return SVGText.fixed(tick, decimals: decimals)
        }
    }
}
