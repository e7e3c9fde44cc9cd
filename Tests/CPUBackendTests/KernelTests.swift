import ArchGraph
import Foundation
import Testing

@testable import CPUBackend

/// Every optimised kernel against its naive reference, on shapes that are not multiples of the
/// SIMD width, grouped and strided convs, and 1- and 3136-token inputs. Both must report the
/// same counters.
@Suite struct KernelTests {
    static let fast = OptimizedKernels(), naive = NaiveKernels()

    static func random(_ shape: [Int], seed: UInt64, center: Float = 0, scale: Float = 1) -> Tensor {
        Tensor.random(shape, seed: seed, center: center, scale: scale)
    }

    /// Runs both kernels; their outputs must agree within `tolerance` (relative to the largest
    /// magnitude) and their counters exactly.
    static func agree(
        _ tolerance: Float = 2e-6, _ body: (any KernelSet, inout Counters) -> Tensor,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var fastCounters = Counters(), naiveCounters = Counters()
        let a = body(fast, &fastCounters), b = body(naive, &naiveCounters)
        #expect(a.shape == b.shape, sourceLocation: sourceLocation)
        #expect(Numerics.relativeError(a, b) <= tolerance, sourceLocation: sourceLocation)
        #expect(fastCounters == naiveCounters, sourceLocation: sourceLocation)
    }

    @Test(arguments: [
        // (in, out, groups, kernel, stride, padding, height, width)
        (6, 9, 3, 3, 2, 1, 13, 11),  // grouped, strided
        (4, 8, 4, 3, 2, 1, 9, 10),  // depthwise with a channel multiplier (PiT's pooling)
        (5, 5, 5, 3, 1, 1, 7, 7),  // depthwise (CvT's projections)
        (3, 5, 1, 7, 2, 3, 17, 19),  // ResNet's stem
        (7, 3, 1, 1, 1, 0, 5, 6),  // 1×1: no im2col
        (3, 4, 1, 4, 4, 0, 16, 12),  // patch embedding
        (2, 3, 1, 5, 3, 2, 1, 1),  // a 1×1 image with padding
    ])
    func conv2d(_ c: (Int, Int, Int, Int, Int, Int, Int, Int)) {
        let conv = Conv2d(c.0, c.1, Window(kernel: c.3, stride: c.4, padding: c.5), groups: c.2, bias: true)
        let x = Self.random([2, c.0, c.6, c.7], seed: 1)
        let weight = Self.random([c.1, c.0 / c.2, c.3, c.3], seed: 2), bias = Self.random([c.1], seed: 3)
        Self.agree { $0.conv2d(x, weight: weight, bias: bias, conv, threads: 2, &$1) }
    }

    @Test(arguments: [(1, 17, 33), (3136, 17, 5), (197, 64, 48), (5, 1, 1)])
    func linear(_ rows: Int, _ inFeatures: Int, _ outFeatures: Int) {
        let x = Self.random([1, rows, inFeatures], seed: 4)
        let weight = Self.random([outFeatures, inFeatures], seed: 5), bias = Self.random([outFeatures], seed: 6)
        Self.agree { $0.linear(x, weight: .plain(weight), bias: bias, threads: 2, &$1) }
        Self.agree { $0.linear(x, weight: .plain(weight), bias: nil, threads: 1, &$1) }
        // Held packed, as after `Interpreter.prepare()`: the naive kernel reads it unpacked.
        let packed = LinearWeight.packed(LinearWeight.plain(weight).matrix)
        Self.agree { $0.linear(x, weight: packed, bias: bias, threads: 2, &$1) }
    }

    /// A linear layer with its activation, or a residual sum, in the GEMM's store, against the
    /// two plain kernels: one row, rows split over threads, a ragged last sliver, every activation.
    @Test(arguments: [(1, 17, 33), (197, 64, 200), (3136, 17, 5)])
    func linearWithItsReaderInTheStore(_ rows: Int, _ inFeatures: Int, _ outFeatures: Int) {
        let x = Self.random([1, rows, inFeatures], seed: 24, scale: 3)
        let weight = Self.random([outFeatures, inFeatures], seed: 25), bias = Self.random([outFeatures], seed: 26)
        let residual = Self.random([1, rows, outFeatures], seed: 27, scale: 2)
        let packed = LinearWeight.packed(LinearWeight.plain(weight).matrix)
        let epilogues: [StoreEpilogue] = [Activation.gelu, .quickGELU, .geluTanh, .relu].map { .activation($0) } + [.add(residual)]
        for epilogue in epilogues {
            var fast = (Counters(), Counters()), naive = (Counters(), Counters())
            let a = Self.fast.linearFused(
                x, weight: packed, bias: bias, then: epilogue, threads: 2, storeFault: nil, &fast.0, &fast.1)
            let b = Self.naive.linearFused(
                x, weight: .plain(weight), bias: bias, then: epilogue, threads: 1, storeFault: nil, &naive.0, &naive.1)
            #expect(a.shape == [1, rows, outFeatures])
            #expect(Numerics.relativeError(a, b) <= 1e-5, "\(epilogue)")
            #expect(fast.0 == naive.0 && fast.1 == naive.1)
            #expect(fast.0.macs == rows * inFeatures * outFeatures && fast.1.elementwise == rows * outFeatures)
        }
        // The residual sum is the plain sum of the linear output and the residual, element for element.
        var counters = (Counters(), Counters())
        let sum = Self.fast.linearFused(
            x, weight: packed, bias: nil, then: .add(residual), threads: 2, storeFault: nil, &counters.0, &counters.1)
        let plain = Self.fast.linear(x, weight: packed, bias: nil, threads: 2, &counters.0)
        #expect((0..<sum.count).allSatisfy { sum.data[$0] == plain.data[$0] + residual.data[$0] })
    }

    @Test(arguments: [(1, 1), (3136, 17), (7, 33), (2, 384)])
    func normsAndSoftmax(_ rows: Int, _ width: Int) {
        let x = Self.random([rows, width], seed: 7, center: 0.3, scale: 3)
        let weight = Self.random([width], seed: 8, center: 1, scale: 0.1), bias = Self.random([width], seed: 9, scale: 0.1)
        Self.agree(1e-5) { $0.layerNorm(x, width: x.lastAxis, weight: weight, bias: bias, eps: 1e-6, threads: 2, &$1) }
        Self.agree { $0.softmax(x, threads: 2, &$1) }
        Self.agree { $0.layerScale(x, weight, &$1) }
    }

    /// LayerNorm of each head's channels (qk-norm) and the maximum over tokens.
    @Test(arguments: [(1, 1, 1), (2, 197, 3), (3, 5, 17)])
    func headNormsAndMaxima(_ heads: Int, _ tokens: Int, _ headDim: Int) {
        let x = Self.random([2, tokens, heads * headDim], seed: 17, center: 0.3, scale: 3)
        let weight = Self.random([headDim], seed: 18, center: 1, scale: 0.1), bias = Self.random([headDim], seed: 19, scale: 0.1)
        Self.agree(1e-5) { $0.layerNorm(x, width: headDim, weight: weight, bias: bias, eps: 1e-6, threads: 2, &$1) }
        Self.agree { $0.maxTokens(x, &$1) }
    }

    @Test func batchNorm() {
        let x = Self.random([2, 3, 5, 7], seed: 10)
        let weight = Self.random([3], seed: 11, center: 1, scale: 0.1), bias = Self.random([3], seed: 12)
        let mean = Self.random([3], seed: 13, scale: 0.1), variance = Self.random([3], seed: 14, center: 1, scale: 0.5)
        Self.agree { $0.batchNorm(x, weight: weight, bias: bias, mean: mean, variance: variance, eps: 1e-5, &$1) }
    }

    @Test(arguments: [1, 15, 17, 8197])
    func activationsAndAdds(_ count: Int) {
        let x = Self.random([count], seed: 15, scale: 6), y = Self.random([count], seed: 16)
        for kind in [Activation.gelu, .quickGELU, .geluTanh, .relu] { Self.agree { $0.activation(x, kind, threads: 2, &$1) } }
        Self.agree { $0.add(x, y, &$1) }
        Self.agree { $0.average([x, y, x], &$1) }
    }

    @Test(arguments: [(1, 1, 1, 2), (3136, 17, 2, 8), (197, 197, 3, 24), (5, 50, 1, 3)])
    func attention(_ nq: Int, _ nk: Int, _ heads: Int, _ width: Int) {
        let q = Self.random([2, nq, width], seed: 17), k = Self.random([2, nk, width], seed: 18)
        let v = Self.random([2, nk, width], seed: 19), weights = Self.random([2, heads, nq, nk], seed: 20)
        Self.agree { $0.attentionScores(q: q, k: k, heads: heads, scale: 0.125, threads: 2, &$1) }
        Self.agree { $0.attentionContext(attention: weights, v: v, heads: heads, threads: 2, &$1) }
    }

    /// Fused attention against the three plain kernels: one block of queries and several
    /// (1,500 keys make blocks of 36 rows), one head and several, a negative scale; the same
    /// output, and each node's counts the same.
    @Test(arguments: [(1, 1, 1, 2, 0.5), (197, 197, 3, 24, 0.125), (100, 1500, 1, 5, 0.3), (77, 50, 2, 6, -0.7)])
    func fusedAttention(_ nq: Int, _ nk: Int, _ heads: Int, _ width: Int, _ scale: Float) {
        let q = Self.random([2, nq, width], seed: 21, scale: 2), k = Self.random([2, nk, width], seed: 22, scale: 2)
        let v = Self.random([2, nk, width], seed: 23)
        let (qs, ks, vs) = (TokenRows(q), TokenRows(k), TokenRows(v))
        let a = Self.fast.fusedAttention(q: qs, k: ks, v: vs, heads: heads, scale: scale, threads: 2, faulty: nil)
        let b = Self.naive.fusedAttention(q: qs, k: ks, v: vs, heads: heads, scale: scale, threads: 2, faulty: nil)
        #expect(a.output.shape == [2, nq, width] && a.weightsShape == [2, heads, nq, nk] && b.weightsShape == a.weightsShape)
        #expect(Numerics.relativeError(a.output, b.output) <= 1e-5)
        #expect(a.scores == b.scores && a.softmax == b.softmax && a.context == b.context)
        #expect(a.scores.macs == 2 * nq * nk * width && a.softmax.elementwise == 2 * heads * nq * nk)
    }

    /// Fused attention reading its queries, keys and values in place as columns of one
    /// `(B, N, 3C)` projection (in the order q, k, v, and shuffled), against the plain kernels on
    /// the three slices copied out: the same output and counts.
    @Test(arguments: [(1, 1, 2), (197, 3, 24), (50, 2, 6)])
    func fusedAttentionReadsSlicesInPlace(_ tokens: Int, _ heads: Int, _ width: Int) {
        let qkv = Self.random([2, tokens, 3 * width], seed: 29, scale: 2)
        for order in [[0, 1, 2], [2, 0, 1]] {
            let views = order.map { TokenRows(qkv, columns: $0 * width, count: width) }
            #expect(views.allSatisfy { $0.shape == [2, tokens, width] && $0.rowStride == 3 * width })
            let copies = order.map { TokenRows(Layout.slice(qkv, axis: 2, start: $0 * width, length: width)) }
            let a = Self.fast.fusedAttention(q: views[0], k: views[1], v: views[2], heads: heads, scale: 0.25, threads: 2, faulty: nil)
            let b = Self.naive.fusedAttention(
                q: copies[0], k: copies[1], v: copies[2], heads: heads, scale: 0.25, threads: 1, faulty: nil)
            let c = Self.naive.fusedAttention(q: views[0], k: views[1], v: views[2], heads: heads, scale: 0.25, threads: 1, faulty: nil)
            #expect(a.output.shape == [2, tokens, width])
            #expect(Numerics.relativeError(a.output, b.output) <= 1e-5)
            #expect(c.output.values == b.output.values)
            #expect(a.scores == b.scores && a.softmax == b.softmax && a.context == b.context)
            #expect(a.context.macs == 2 * tokens * tokens * width)
        }
    }

    /// Swin's additions to window scores: the bias table and the shifted-window mask, on odd
    /// windows (3×3 on a 6×9 grid, 7×7 on 14×14) and a one-token window.
    @Test(arguments: [(6, 9, 3, 1, 2), (14, 14, 7, 3, 3), (2, 2, 1, 0, 1)])
    func windowScores(_ height: Int, _ width: Int, _ window: Int, _ shift: Int, _ heads: Int) {
        let planes = 2 * (height / window) * (width / window), area = window * window
        let scores = Self.random([planes, heads, area, area], seed: 27)
        let table = Self.random([(2 * window - 1) * (2 * window - 1), heads], seed: 28)
        Self.agree { $0.relativePositionBias(scores, table: table, window: window, &$1) }
        if shift > 0 {
            Self.agree { $0.windowMask(scores, height: height, width: width, window: window, shift: shift, &$1) }
        }
    }

    @Test(arguments: [(1, 5, 3), (17, 5, 3), (50, 16, 8)])
    func performer(_ tokens: Int, _ e: Int, _ m: Int) {
        let kqv = Self.random([2, tokens, 3 * e], seed: 21, scale: 0.5), projection = Self.random([m, e], seed: 22)
        Self.agree(1e-5) { $0.performerAttention(kqv, projection: projection, threads: 2, &$1) }
    }

    @Test func poolingAndTokens() {
        let image = Self.random([2, 3, 9, 7], seed: 23), tokens = Self.random([2, 1, 17], seed: 24)
        Self.agree { $0.maxPool2d(image, Window(kernel: 3, stride: 2, padding: 1), &$1) }
        Self.agree { $0.globalAveragePool(image, &$1) }
        Self.agree { $0.meanTokens(Self.random([2, 3136, 5], seed: 25), &$1) }
        Self.agree { $0.meanTokens(tokens, &$1) }
        Self.agree { $0.positionEmbedding(tokens, Self.random([1, 1, 17], seed: 26), &$1) }
        for window in [Window(kernel: 3, stride: 2, padding: 1), Window(kernel: 7, stride: 4, padding: 2), Window(kernel: 2, stride: 2)] {
            Self.agree { kernels, _ in kernels.unfold(image, window) }
        }
    }

    @Test func vectorMathMatchesLibm() {
        var worstExp: Float = 0, worstErf: Float = 0
        for i in -2000...2000 {
            let x = Float(i) / 50  // −40 … 40
            let e = VectorMath.exp(Vec(repeating: x))[0], reference = Foundation.exp(x)
            worstExp = max(worstExp, abs(e - reference) / reference)
            worstErf = max(worstErf, abs(VectorMath.erf(Vec(repeating: x / 8))[0] - Foundation.erf(x / 8)))
        }
        #expect(worstExp < 3e-7)
        #expect(worstErf < 4e-7)
    }
}
