@testable import CPUBackend

/// Deterministic values in [-1, 1) (or small integers) from a 64-bit linear congruential sequence.
struct SeededValues {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int32(truncatingIfNeeded: state >> 32)) / 2_147_483_648
    }

    /// An integer in -limit...limit.
    mutating func integer(_ limit: Int) -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(Int(state >> 33) % (2 * limit + 1) - limit)
    }
}

/// How one product's operands sit in memory: A and B row-major or transposed, each with extra
/// padding on its leading stride, C with padding after each row.
struct ProductLayout: CustomStringConvertible, Sendable {
    var transposeA = false, transposeB = false
    var padA = 0, padB = 0, padC = 0
    var bias = false, accumulate = false
    var threads = 1

    var description: String {
        "A\(transposeA ? "ᵀ" : "")+\(padA) B\(transposeB ? "ᵀ" : "")+\(padB) C+\(padC)"
            + (bias ? " bias" : "") + (accumulate ? " accumulate" : "") + " threads \(threads)"
    }
}

/// Operands of an (m, k) · (k, n) product laid out as a `ProductLayout` says, with C's expected
/// value from `GEMM.naive` and a rigorous bound on the rounding difference between two summation
/// orders.
final class ProductFixture {
    let m: Int, n: Int, k: Int, layout: ProductLayout
    let aRowStride: Int, aColStride: Int, bRowStride: Int, bColStride: Int, cRowStride: Int
    var a: [Float], b: [Float], bias: [Float], c: [Float]
    /// C after the product, from `GEMM.naive`.
    var expected: [Float] = []
    /// Per element of C: 2·(k + 2)·2⁻²⁴·(Σₚ|a||b| + |bias| + |C before|). Two single-precision
    /// evaluations of the same sum, each within (k + 2)·2⁻²⁴ of that magnitude of the exact
    /// value, differ by at most this.
    var tolerance: [Float] = []
    /// The value C's padding holds before and must hold after.
    static let sentinel: Float = -777.25

    init(m: Int, n: Int, k: Int, layout: ProductLayout, seed: UInt64, integers: Bool = false) {
        self.m = m; self.n = n; self.k = k; self.layout = layout
        let (ars, acs) = layout.transposeA ? (1, m + layout.padA) : (k + layout.padA, 1)
        let (brs, bcs) = layout.transposeB ? (1, k + layout.padB) : (n + layout.padB, 1)
        let ldc = n + layout.padC
        (aRowStride, aColStride, bRowStride, bColStride, cRowStride) = (ars, acs, brs, bcs, ldc)
        var values = SeededValues(seed: seed)
        let draw = { (values: inout SeededValues) in integers ? values.integer(4) : values.next() }
        a = (0..<max(1, layout.transposeA ? k * acs : m * ars)).map { _ in draw(&values) }
        b = (0..<max(1, layout.transposeB ? n * bcs : k * brs)).map { _ in draw(&values) }
        bias = (0..<max(1, n)).map { _ in draw(&values) }
        c = (0..<max(1, m * ldc)).map { index in
            index % ldc < n ? (layout.accumulate ? draw(&values) : Float.nan) : Self.sentinel
        }
        tolerance = [Float](repeating: 0, count: c.count)
        expected = result { a, b, c, bias in
            GEMM.naive(
                m: m, n: n, k: k, a: a, aRowStride: ars, aColStride: acs, b: b, bRowStride: brs, bColStride: bcs,
                c: c, cRowStride: ldc, bias: bias, accumulate: layout.accumulate)
        }
        for i in 0..<m {
            for j in 0..<n {
                var magnitude = layout.bias ? abs(bias[j]) : 0
                if layout.accumulate { magnitude += abs(c[i * cRowStride + j]) }
                for p in 0..<k { magnitude += abs(a[i * aRowStride + p * aColStride] * b[p * bRowStride + j * bColStride]) }
                tolerance[i * cRowStride + j] = 2 * Float(k + 2) * 0x1p-24 * magnitude
            }
        }
    }

    /// Runs `body` on the operands with `result` (a copy of C before the product) as C.
    func run(
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>?) -> Void,
        into result: inout [Float]
    ) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                bias.withUnsafeBufferPointer { bias in
                    result.withUnsafeMutableBufferPointer { c in
                        body(a.baseAddress!, b.baseAddress!, c.baseAddress!, layout.bias ? bias.baseAddress! : nil)
                    }
                }
            }
        }
    }

    /// C after `body`, starting from C's initial contents.
    func result(_ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>?) -> Void) -> [Float]
    {
        var out = c
        run(body, into: &out)
        return out
    }

    /// The first element of `actual` outside its tolerance or padding that changed, described,
    /// and how many such elements there are.
    func mismatches(_ actual: [Float]) -> (count: Int, first: String?) {
        var count = 0, first: String?
        for index in 0..<actual.count {
            let row = index / cRowStride, column = index % cRowStride
            let ok =
                column < n && row < m
                ? abs(actual[index] - expected[index]) <= tolerance[index]
                : actual[index] == Self.sentinel
            if !ok {
                count += 1
                if first == nil { first = "C[\(row), \(column)] = \(actual[index]), expected \(expected[index]) ± \(tolerance[index])" }
            }
        }
        return (count, first)
    }
}
