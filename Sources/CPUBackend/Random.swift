/// A small, fast, deterministic generator (SplitMix64) for weights and inputs.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniform in `[-1, 1)`.
    public mutating func symmetric() -> Float {
        Float(Int64(bitPattern: next()) >> 40) / Float(1 << 23)
    }

    /// Fills `count` elements at `pointer` with `center + scale · u`, `u` uniform in `[-1, 1)`.
    public mutating func fill(_ pointer: UnsafeMutablePointer<Float>, count: Int, center: Float = 0, scale: Float) {
        for i in 0..<count { pointer[i] = center + scale * symmetric() }
    }
}
