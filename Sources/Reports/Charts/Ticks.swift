/// Round tick values for chart axes.
public enum Ticks {
    /// Evenly spaced round ticks that cover `low…high`: the step is 1, 2 or 5 × 10ᵏ, chosen so
    /// there are at most about `target` intervals; the first tick is at or below `low` and the
    /// last at or above `high`. A range of one value is widened to the step around it.
    ///
    /// `linear(0, 4.6)` → `[0, 1, 2, 3, 4, 5]`; `linear(160, 512, target: 8)` → `[150, 200, …, 550]`.
    public static func linear(_ low: Double, _ high: Double, target: Int = 5) -> [Double] {
        guard low.isFinite, high.isFinite else { return [0, 1] }
        var (lo, hi) = (min(low, high), max(low, high))
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) / 2
            (lo, hi) = (lo - pad, hi + pad)
        }
        let step = step(for: (hi - lo) / Double(max(target, 1)))
        let first = (lo / step.value).rounded(.down), last = (hi / step.value).rounded(.up)
        guard last - first < 1000 else { return [lo, hi] }
        return stride(from: Int(first), through: Int(last), by: 1).map { step.value(at: $0) }
    }

    /// Powers of two from the largest below `low` to the smallest at or above `high` (both
    /// positive), so the lowest values sit above the axis: `powersOfTwo(49, 3136)` →
    /// `[32, 64, …, 4096]`, `powersOfTwo(64, 2048)` → `[32, 64, …, 2048]`.
    public static func powersOfTwo(_ low: Double, _ high: Double) -> [Double] {
        guard low > 0, high.isFinite, low.isFinite else { return [1, 2] }
        var value = 1.0
        while value >= low { value /= 2 }
        while value * 2 < low { value *= 2 }
        var ticks = [value]
        while value < max(low, high), ticks.count < 64 {
            value *= 2
            ticks.append(value)
        }
        if ticks.count == 1 { ticks.append(value * 2) }
        return ticks
    }

    /// Decimals that print every tick of an evenly spaced list exactly: `[0, 0.5, 1]` → 1.
    public static func decimals(_ ticks: [Double]) -> Int {
        for places in 0...6 {
            var unit = 1.0
            for _ in 0..<places { unit *= 10 }
            if ticks.allSatisfy({ abs(($0 * unit).rounded() - $0 * unit) < 1e-6 * max(1, abs($0 * unit)) }) { return places }
        }
        return 6
    }

    /// A step `mantissa × 10^exponent` with mantissa 1, 2 or 5.
    struct Step {
        let mantissa: Int, exponent: Int

        /// The power of ten as an exact `Double` (10^e for e ≥ 0), or its reciprocal's divisor.
        private var power: Double {
            var p = 1.0
            for _ in 0..<abs(exponent) { p *= 10 }
            return p
        }

        var value: Double { exponent >= 0 ? Double(mantissa) * power : Double(mantissa) / power }

        /// `index × step`, computed so that e.g. 3 × 0.1 prints as 0.3.
        func value(at index: Int) -> Double {
            exponent >= 0 ? Double(index * mantissa) * power : Double(index * mantissa) / power
        }
    }

    /// The smallest 1-2-5 step at least `raw` (raw > 0).
    static func step(for raw: Double) -> Step {
        guard raw > 0, raw.isFinite else { return Step(mantissa: 1, exponent: 0) }
        var exponent = 0
        var power = 1.0
        while power * 10 <= raw, exponent < 300 { power *= 10; exponent += 1 }
        while power > raw, exponent > -300 { power /= 10; exponent -= 1 }
        // power ≤ raw < 10·power
        for mantissa in [1, 2, 5] where Double(mantissa) * power >= raw * (1 - 1e-12) {
            return Step(mantissa: mantissa, exponent: exponent)
        }
        return Step(mantissa: 1, exponent: exponent + 1)
    }
}
