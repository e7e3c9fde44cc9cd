/// Comparisons of computed tensors with reference values.
public enum Numerics {
    /// The largest `|a − b|` over the largest `|b|`: a relative error that does not blow up on
    /// outputs near zero. Infinite when the shapes differ.
    public static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        guard a.shape == b.shape else { return .infinity }
        var largest: Float = 0, difference: Float = 0
        for i in 0..<b.count {
            largest = max(largest, abs(b.data[i]))
            let d = abs(a.data[i] - b.data[i])
            if !d.isFinite { return .infinity }
            difference = max(difference, d)
        }
        return difference / max(largest, .leastNormalMagnitude)
    }
}
