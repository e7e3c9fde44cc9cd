import Testing

@testable import CPUBackend

/// (m, n, k) shapes around the kernels' 12 × 32 tiles, 4-row tails, and blocks of k and rows.
private let shapes: [(Int, Int, Int)] = [
    (1, 1, 1), (1, 33, 17), (2, 5, 3), (5, 2, 65), (15, 16, 17), (16, 17, 15), (17, 15, 16),
    (31, 33, 63), (33, 31, 65), (63, 65, 31), (65, 63, 33), (12, 32, 5), (24, 64, 16), (36, 48, 20), (13, 31, 2),
    (197, 65, 17), (65, 197, 15), (197, 33, 31), (5, 33, 1500), (17, 40, 1100),
]

/// Four layouts per shape: every combination of transposition, padding, bias, accumulation and
/// threads appears across them.
private let layouts: [ProductLayout] = [
    ProductLayout(),
    ProductLayout(transposeA: true, transposeB: true, bias: true, accumulate: true, threads: 2),
    ProductLayout(padA: 3, padB: 5, padC: 2, bias: true, threads: 2),
    ProductLayout(transposeA: true, padA: 1, padB: 7, padC: 1, accumulate: true),
]

@Suite("GEMM")
struct GEMMTests {
    @Test func smallIntegerProductIsExact() {
        // (2, 3) · (3, 2): [[1,2,3],[4,5,6]] · [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12], bias: [Float] = [0.5, -1]
        var c = [Float](repeating: 0, count: 4)
        GEMM.multiply(
            m: 2, n: 2, k: 3, a: a, aRowStride: 3, aColStride: 1, b: b, bRowStride: 2, bColStride: 1,
            c: &c, cRowStride: 2)
        #expect(c == [58, 64, 139, 154])
        GEMM.multiply(
            m: 2, n: 2, k: 3, a: a, aRowStride: 3, aColStride: 1, b: b, bRowStride: 2, bColStride: 1,
            c: &c, cRowStride: 2, bias: bias, accumulate: true)
        #expect(c == [116.5, 127, 278.5, 307])
        // Aᵀ · Bᵀ read from the same memory: (3, 2) · (2, 3), element (i, j) = Σ a[p][i]·b[j][p].
        var d = [Float](repeating: 0, count: 9)
        GEMM.multiply(
            m: 3, n: 3, k: 2, a: a, aRowStride: 1, aColStride: 3, b: b, bRowStride: 1, bColStride: 2,
            c: &d, cRowStride: 3)
        #expect(d == [39, 49, 59, 54, 68, 82, 69, 87, 105])
    }

    @Test func integerProductsAreExactThroughEveryTile() {
        // Integers in -4...4 with k ≤ 64: every partial sum is an integer below 2²⁴, so any
        // summation order gives exactly the naive result.
        for (index, (m, n, k)) in [(29, 70, 40), (13, 37, 64), (4, 32, 1)].enumerated() {
            let fixture = ProductFixture(
                m: m, n: n, k: k, layout: ProductLayout(padA: 2, bias: true), seed: 40 + UInt64(index),
                integers: true)
            let actual = fixture.result { a, b, c, bias in
                GEMM.multiply(
                    m: m, n: n, k: k, a: a, aRowStride: fixture.aRowStride, aColStride: 1, b: b,
                    bRowStride: fixture.bRowStride, bColStride: 1, c: c, cRowStride: fixture.cRowStride, bias: bias)
            }
            let wrong = zip(actual, fixture.expected).filter { $0 != $1 }.count
            #expect(wrong == 0, "(\(m), \(k)) · (\(k), \(n)): \(wrong) elements differ from the exact result")
        }
    }

    @Test(arguments: shapes.indices)
    func multiplyMatchesNaive(shape: Int) {
        let (m, n, k) = shapes[shape]
        for (index, layout) in layouts.enumerated() {
            let fixture = ProductFixture(m: m, n: n, k: k, layout: layout, seed: UInt64(shape * 10 + index))
            let operands = { (a: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?) in
                ProductOperands(
                    m: m, n: n, k: k, a: a, aRowStride: fixture.aRowStride, aColStride: fixture.aColStride,
                    c: c, cRowStride: fixture.cRowStride, bias: bias, accumulate: layout.accumulate)
            }
            // minimumWork 1: two threads really split even these small products.
            let direct = fixture.result { a, b, c, bias in
                GEMM.product(
                    operands(a, c, bias), b: b, bRowStride: fixture.bRowStride, bColStride: fixture.bColStride,
                    threads: layout.threads, minimumWork: 1)
            }
            let viaPacked = fixture.result { a, b, c, bias in
                let packed = PackedMatrix(k: k, n: n, b: b, bRowStride: fixture.bRowStride, bColStride: fixture.bColStride)
                packed.product(operands(a, c, bias), threads: layout.threads, minimumWork: 1)
            }
            for (path, actual) in [("multiply", direct), ("PackedMatrix", viaPacked)] {
                let (count, first) = fixture.mismatches(actual)
                #expect(count == 0, "\(path) (\(m), \(k)) · (\(k), \(n)) \(layout): \(count) wrong, first \(first ?? "")")
            }
        }
    }

    /// Unpacking gives back every element of B exactly, through ragged slivers and two blocks of k.
    @Test(arguments: [(1, 1), (17, 33), (64, 96), (1100, 40)])
    func packedMatrixUnpacksToB(k: Int, n: Int) {
        let b = (0..<k * n).map { Float($0) - Float(k * n / 2) }
        // B read transposed, as a linear layer's weight (n, k) is.
        let packed = b.withUnsafeBufferPointer { PackedMatrix(k: k, n: n, b: $0.baseAddress!, bRowStride: 1, bColStride: k) }
        var unpacked = [Float](repeating: .nan, count: k * n)
        packed.unpack(into: &unpacked, bRowStride: 1, bColStride: k)
        #expect(unpacked == b)
        // And row-major into a padded layout: element (p, j) at p·(n + 3) + j, the padding untouched.
        var padded = [Float](repeating: -1, count: k * (n + 3))
        packed.unpack(into: &padded, bRowStride: n + 3, bColStride: 1)
        #expect((0..<k).allSatisfy { p in (0..<n).allSatisfy { j in padded[p * (n + 3) + j] == b[j * k + p] } })
        #expect((0..<k).allSatisfy { p in padded[p * (n + 3) + n..<(p + 1) * (n + 3)].allSatisfy { $0 == -1 } })
    }

    @Test func publicEntryPointsMatchNaive() {
        let fixture = ProductFixture(m: 40, n: 50, k: 30, layout: ProductLayout(padA: 1, bias: true, accumulate: true), seed: 7)
        let viaMultiply = fixture.result { a, b, c, bias in
            GEMM.multiply(
                m: 40, n: 50, k: 30, a: a, aRowStride: fixture.aRowStride, aColStride: 1, b: b,
                bRowStride: fixture.bRowStride, bColStride: 1, c: c, cRowStride: fixture.cRowStride,
                bias: bias, accumulate: true, threads: 2)
        }
        let viaPacked = fixture.result { a, b, c, bias in
            PackedMatrix(k: 30, n: 50, b: b, bRowStride: fixture.bRowStride, bColStride: 1)
                .multiply(
                    m: 40, a: a, aRowStride: fixture.aRowStride, aColStride: 1, c: c, cRowStride: fixture.cRowStride,
                    bias: bias, accumulate: true, threads: 2)
        }
        #expect(fixture.mismatches(viaMultiply).count == 0)
        #expect(fixture.mismatches(viaPacked).count == 0)
    }

    @Test func emptyDepthLeavesBiasOrC() {
        let bias: [Float] = [1, 2, 3], none: [Float] = [0]
        let packed = PackedMatrix(k: 0, n: 3, b: none, bRowStride: 3, bColStride: 1)
        for usePacked in [false, true] {
            func product(_ c: inout [Float], bias: [Float]?, accumulate: Bool) {
                if usePacked {
                    packed.multiply(m: 2, a: none, aRowStride: 0, aColStride: 1, c: &c, cRowStride: 4, bias: bias, accumulate: accumulate)
                } else {
                    GEMM.multiply(
                        m: 2, n: 3, k: 0, a: none, aRowStride: 0, aColStride: 1, b: none, bRowStride: 3, bColStride: 1,
                        c: &c, cRowStride: 4, bias: bias, accumulate: accumulate)
                }
            }
            var c: [Float] = [9, 9, 9, -1, 9, 9, 9, -1]
            product(&c, bias: bias, accumulate: false)
            #expect(c == [1, 2, 3, -1, 1, 2, 3, -1])
            product(&c, bias: bias, accumulate: true)
            #expect(c == [2, 4, 6, -1, 2, 4, 6, -1])
            product(&c, bias: nil, accumulate: true)
            #expect(c == [2, 4, 6, -1, 2, 4, 6, -1])
            product(&c, bias: nil, accumulate: false)
            #expect(c == [0, 0, 0, -1, 0, 0, 0, -1])
        }
        // No rows or no columns: C is not touched.
        var c: [Float] = [5]
        GEMM.multiply(
            m: 0, n: 3, k: 4, a: none, aRowStride: 4, aColStride: 1, b: none, bRowStride: 3, bColStride: 1,
            c: &c, cRowStride: 3, bias: bias)
        GEMM.multiply(
            m: 3, n: 0, k: 4, a: none, aRowStride: 4, aColStride: 1, b: none, bRowStride: 0, bColStride: 1,
            c: &c, cRowStride: 0, bias: bias)
        #expect(c == [5])
    }

    @Test func onePackedMatrixServesConcurrentCallers() {
        // Four products with the same B on two threads at once, each into its own C.
        let k = 70, n = 45, m = 30
        let fixtures = (0..<4).map { ProductFixture(m: m, n: n, k: k, layout: ProductLayout(bias: true), seed: 90 + UInt64($0)) }
        let shared = fixtures[0]
        let packed = shared.b.withUnsafeBufferPointer {
            PackedMatrix(k: k, n: n, b: $0.baseAddress!, bRowStride: shared.bRowStride, bColStride: 1)
        }
        let outputs = Tensor(zeros: [4, m * n])
        let tasks = fixtures.map { fixture in
            (a: fixture.a, bias: shared.bias)
        }
        Parallel.forEach(count: 4, threads: 2) { index in
            tasks[index].a.withUnsafeBufferPointer { a in
                _ = packed.multiply(
                    m: m, a: a.baseAddress!, aRowStride: k, aColStride: 1, c: outputs.data + index * m * n,
                    cRowStride: n, bias: tasks[index].bias)
            }
        }
        for (index, fixture) in fixtures.enumerated() {
            // Each fixture's own expectation used its own B and bias; recompute with the shared ones.
            var expected = [Float](repeating: 0, count: m * n)
            GEMM.naive(
                m: m, n: n, k: k, a: fixture.a, aRowStride: k, aColStride: 1, b: shared.b, bRowStride: n, bColStride: 1,
                c: &expected, cRowStride: n, bias: shared.bias)
            let actual = Array(UnsafeBufferPointer(start: outputs.data + index * m * n, count: m * n))
            let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 2 * Float(k + 2) * 0x1p-24 * Float(k + 1), "product \(index): difference \(worst)")
        }
    }
}
