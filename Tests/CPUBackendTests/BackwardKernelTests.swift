import ArchGraph
import Testing

@testable import CPUBackend

/// Every backward kernel against central differences of its forward, on small odd shapes, under
/// both kernel sets, with the exact counts of the convention in `BackwardKernelSet`.
@Suite struct BackwardKernelTests {
    static func random(_ shape: [Int], seed: UInt64, center: Float = 0, scale: Float = 1) -> Tensor {
        Tensor.random(shape, seed: seed, center: center, scale: scale)
    }

    /// Values 0.05 apart in a seeded order: no ties, and no two within a finite-difference step.
    static func distinct(_ shape: [Int], seed: UInt64) -> Tensor {
        let count = shape.reduce(1, *)
        var generator = SeededGenerator(seed: seed)
        let values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }.shuffled(using: &generator)
        return Tensor(shape: shape, values: values)
    }

    static let all = GradientNeeds(inputs: [true], parameters: true)

    @Test(arguments: [(1, 1, 7, 3), (2, 3, 17, 19)])
    func linear(_ batch: Int, _ rows: Int, _ inFeatures: Int, _ outFeatures: Int) {
        let x = Self.random([batch, rows, inFeatures], seed: 1), w = Self.random([outFeatures, inFeatures], seed: 2)
        let b = Self.random([outFeatures], seed: 3)
        let counters = GradientCheck.check(
            [x, w, b],
            forward: { t in
                var c = Counters()
                return NaiveKernels().linear(t[0], weight: .plain(t[1]), bias: t[2], threads: 1, &c)
            },
            backward: { k, g, c in
                let r = k.linearBackward(g, input: x, weight: w, bias: true, needs: Self.all, threads: 2, &c)
                return [r.input, r.weight, r.bias]
            })
        let macs = batch * rows * inFeatures * outFeatures
        #expect(counters == BackwardCounters(inputGradientMacs: macs, weightGradientMacs: macs, elementwise: batch * rows * outFeatures))
        // A first layer: no input gradient, no input-gradient MACs.
        let first = GradientCheck.check(
            [x, w], expected: [false, true],
            forward: { t in
                var c = Counters()
                return NaiveKernels().linear(t[0], weight: .plain(t[1]), bias: nil, threads: 1, &c)
            },
            backward: { k, g, c in
                let r = k.linearBackward(
                    g, input: x, weight: w, bias: false, needs: GradientNeeds(inputs: [false], parameters: true), threads: 2, &c)
                return [r.input, r.weight]
            })
        #expect(first == BackwardCounters(weightGradientMacs: macs))
    }

    @Test(arguments: [
        // (in, out, groups, kernel, stride, padding, height, width)
        (6, 9, 3, 3, 2, 1, 7, 6),  // grouped, strided
        (4, 8, 4, 3, 2, 1, 5, 6),  // depthwise with a channel multiplier
        (5, 5, 5, 3, 1, 1, 5, 5),  // depthwise
        (3, 5, 1, 5, 2, 2, 7, 9),  // a stem
        (7, 3, 1, 1, 1, 0, 4, 5),  // 1×1: no im2col
        (3, 4, 1, 2, 2, 0, 6, 4),  // patch embedding
    ])
    func conv2d(_ s: (Int, Int, Int, Int, Int, Int, Int, Int)) {
        let conv = Conv2d(s.0, s.1, Window(kernel: s.3, stride: s.4, padding: s.5), groups: s.2, bias: true)
        let x = Self.random([2, s.0, s.6, s.7], seed: 4), w = Self.random([s.1, s.0 / s.2, s.3, s.3], seed: 5)
        let b = Self.random([s.1], seed: 6)
        let counters = GradientCheck.check(
            [x, w, b],
            forward: { t in
                var c = Counters()
                return NaiveKernels().conv2d(t[0], weight: t[1], bias: t[2], conv, threads: 1, &c)
            },
            backward: { k, g, c in
                let r = k.conv2dBackward(g, input: x, weight: w, conv, needs: Self.all, threads: 2, &c)
                return [r.input, r.weight, r.bias]
            })
        let (outH, outW) = conv.window.outputSize(height: s.6, width: s.7)
        let outputs = 2 * s.1 * outH * outW, macs = outputs * (s.0 / s.2) * s.3 * s.3
        #expect(counters == BackwardCounters(inputGradientMacs: macs, weightGradientMacs: macs, elementwise: outputs))
    }

    /// Layer norm over the last axis and over each head's channels (qk-norm), and a first norm
    /// whose input needs no gradient.
    @Test(arguments: [(7, 7), (6, 3), (1, 1)])
    func layerNorm(_ channels: Int, _ width: Int) {
        let x = Self.random([2, 3, channels], seed: 7, center: 0.3, scale: 2)
        let w = Self.random([width], seed: 8, center: 1, scale: 0.2), b = Self.random([width], seed: 9, scale: 0.2)
        for input in [true, false] {
            let needs = GradientNeeds(inputs: [input], parameters: true)
            let counters = GradientCheck.check(
                [x, w, b], expected: [input, true, true],
                forward: { t in
                    var c = Counters()
                    return NaiveKernels().layerNorm(t[0], width: width, weight: t[1], bias: t[2], eps: 1e-5, threads: 1, &c)
                },
                backward: { k, g, c in
                    var f = Counters()
                    let s = k.layerNormTraining(x, width: width, weight: w, bias: b, eps: 1e-5, threads: 2, &f)
                    let r = k.layerNormBackward(
                        g, input: x, mean: s.mean, rstd: s.rstd, width: width, weight: w, needs: needs, threads: 2, &c)
                    return [r.input, r.weight, r.bias]
                })
            #expect(counters == BackwardCounters(elementwise: x.count * (input ? 2 : 1)))
        }
    }

    @Test func batchNorm() {
        let x = Self.random([2, 3, 4, 5], seed: 10, center: 0.2, scale: 2)
        let w = Self.random([3], seed: 11, center: 1, scale: 0.2), b = Self.random([3], seed: 12, scale: 0.2)
        let counters = GradientCheck.check(
            [x, w, b],
            forward: { t in
                var c = Counters()
                return NaiveKernels().batchNormTraining(t[0], weight: t[1], bias: t[2], eps: 1e-5, &c).output
            },
            backward: { k, g, c in
                var f = Counters()
                let s = k.batchNormTraining(x, weight: w, bias: b, eps: 1e-5, &f)
                let r = k.batchNormBackward(g, input: x, mean: s.mean, rstd: s.rstd, weight: w, needs: Self.all, &c)
                return [r.input, r.weight, r.bias]
            })
        #expect(counters == BackwardCounters(elementwise: 2 * x.count))
    }

    @Test(arguments: [Activation.gelu, .geluTanh, .quickGELU, .relu])
    func activation(_ kind: Activation) {
        let x = Self.random([37], seed: 13, scale: 3)
        // Away from ReLU's kink.
        for i in 0..<x.count { x.data[i] += x.data[i] < 0 ? -0.1 : 0.1 }
        let counters = GradientCheck.check(
            [x], step: 1e-3,
            forward: { t in
                var c = Counters()
                return NaiveKernels().activation(t[0], kind, threads: 1, &c)
            },
            backward: { k, g, c in
                var f = Counters()
                let kept: ActivationKept
                switch kind {
                case .gelu: kept = .gelu(input: x)
                case .geluTanh: kept = .geluTanh(input: x)
                case .relu: kept = .relu(output: k.activation(x, .relu, threads: 1, &f))
                case .quickGELU: kept = .quickGELU(input: x, sigmoid: k.quickGELUTraining(x, threads: 1, &f).sigmoid)
                }
                return [k.activationBackward(g, kept, threads: 2, &c)]
            })
        #expect(counters == BackwardCounters(elementwise: 37))
    }

    @Test func sumsScalesAndEmbeddings() {
        let x = Self.random([2, 3, 5], seed: 14), gamma = Self.random([5], seed: 15, center: 0.5, scale: 0.25)
        let scaled = GradientCheck.check(
            [x, gamma],
            forward: { t in
                var c = Counters()
                return NaiveKernels().layerScale(t[0], t[1], &c)
            },
            backward: { k, g, c in
                let r = k.layerScaleBackward(g, input: x, gamma: gamma, needs: Self.all, &c)
                return [r.input, r.gamma]
            })
        #expect(scaled == BackwardCounters(elementwise: 60))
        // An average shares one scaled gradient among its inputs.
        let y = Self.random([2, 3, 5], seed: 16), z = Self.random([2, 3, 5], seed: 17)
        let averaged = GradientCheck.check(
            [x, y, z],
            forward: { t in
                var c = Counters()
                return NaiveKernels().average(t, &c)
            },
            backward: { k, g, c in
                let share = k.averageBackward(g, count: 3, &c)
                return [share, share, share]
            })
        #expect(averaged == BackwardCounters(elementwise: 30))
        // The table's gradient sums over the batch; the input's passes through.
        let table = Self.random([1, 3, 5], seed: 18)
        let embedded = GradientCheck.check(
            [x, table],
            forward: { t in
                var c = Counters()
                return NaiveKernels().positionEmbedding(t[0], t[1], &c)
            },
            backward: { k, g, c in [g, k.batchSum(g, into: [1, 3, 5], &c)] })
        #expect(embedded == BackwardCounters(elementwise: 30))
        let tokens = GradientCheck.check(
            [table], forward: { t in Layout.broadcastTokens(t[0], batch: 4) },
            backward: { k, g, c in [k.batchSum(g, into: [1, 3, 5], &c)] })
        #expect(tokens == BackwardCounters(elementwise: 60))
    }

    @Test(arguments: [Window(kernel: 3, stride: 2, padding: 1), Window(kernel: 2, stride: 2), Window(kernel: 7, stride: 4, padding: 2)])
    func unfold(_ window: Window) {
        let x = Self.random([2, 3, 7, 6], seed: 19)
        let (outH, outW) = window.outputSize(height: 7, width: 6)
        let counters = GradientCheck.check(
            [x], forward: { t in NaiveKernels().unfold(t[0], window) },
            backward: { k, g, c in [k.unfoldBackward(g, window, inputShape: x.shape, &c)] })
        #expect(counters == BackwardCounters(elementwise: 2 * outH * outW * 3 * window.taps))
    }

    /// Eager scores, each place the scale can sit, for one head and two: 2 images, width 6,
    /// 5 queries and 7 keys. One head's operands that need no scale are the inputs themselves.
    @Test(arguments: [1, 2], [ScoreScaling.queries, .product, .both])
    func eagerScores(heads: Int, scaling: ScoreScaling) {
        let q = Self.random([2, 5, 6], seed: 20), k = Self.random([2, 7, 6], seed: 21)
        var f = Counters()
        let kept = NaiveKernels().attentionScoresTraining(q: q, k: k, heads: heads, scale: 0.4, scaling: scaling, threads: 1, &f)
        #expect((kept.queries === q) == (heads == 1 && scaling == .product))
        #expect((kept.keys === k) == (heads == 1 && scaling != .both))
        #expect(f.macs == 2 * 5 * 7 * 6)
        let scores = GradientCheck.check(
            [q, k],
            forward: { t in
                var c = Counters()
                return NaiveKernels().attentionScores(q: t[0], k: t[1], heads: heads, scale: 0.4, threads: 1, &c)
            },
            backward: { set, g, c in
                var f = Counters()
                let s = set.attentionScoresTraining(q: q, k: k, heads: heads, scale: 0.4, scaling: scaling, threads: 2, &f)
                let r = set.attentionScoresBackward(
                    g, queries: s.queries, keys: s.keys, heads: heads, scale: 0.4, scaling: scaling,
                    needs: GradientNeeds(inputs: [true, true], parameters: false), threads: 2, &c)
                return [r.q, r.k]
            })
        #expect(
            scores == BackwardCounters(inputGradientMacs: 2 * 2 * 5 * 7 * 6, elementwise: q.count + (scaling == .queries ? 0 : k.count)))
    }

    /// Eager softmax and context, one at a time: 2 images, 2 heads of width 3, 5 queries and 7
    /// keys; one head's values are kept as they are.
    @Test func eagerAttention() {
        let v = Self.random([2, 7, 6], seed: 22)
        let product = 2 * 2 * 5 * 7 * 3
        let x = Self.random([2, 2, 5, 7], seed: 23, scale: 2)
        let softmax = GradientCheck.check(
            [x],
            forward: { t in
                var c = Counters()
                return NaiveKernels().softmax(t[0], threads: 1, &c)
            },
            backward: { set, g, c in
                var f = Counters()
                return [set.softmaxBackward(g, output: set.softmax(x, threads: 1, &f), threads: 2, &c)]
            })
        #expect(softmax == BackwardCounters(elementwise: x.count))
        let context = GradientCheck.check(
            [x, v],
            forward: { t in
                var c = Counters()
                return NaiveKernels().attentionContext(attention: t[0], v: t[1], heads: 2, threads: 1, &c)
            },
            backward: { set, g, c in
                var f = Counters()
                let s = set.attentionContextTraining(attention: x, v: v, heads: 2, threads: 2, &f)
                let r = set.attentionContextBackward(
                    g, attention: x, values: s.values, heads: 2, needs: GradientNeeds(inputs: [true, true], parameters: false),
                    threads: 2, &c)
                return [r.attention, r.v]
            })
        #expect(context == BackwardCounters(inputGradientMacs: 2 * product))
        var f = Counters()
        let single = NaiveKernels().attentionContextTraining(
            attention: Self.random([2, 1, 5, 7], seed: 27), v: v, heads: 1, threads: 1, &f)
        #expect(single.values === v)
    }

    /// Fused attention against central differences of scores → softmax → context, with each
    /// part counted against its node, for every combination of operands needing gradients.
    @Test(arguments: [[true, true, true], [false, true, true], [true, false, false], [false, false, true]])
    func fusedAttention(_ wanted: [Bool]) {
        let q = Self.random([2, 5, 6], seed: 24), k = Self.random([2, 7, 6], seed: 25), v = Self.random([2, 7, 6], seed: 26)
        let needs = GradientNeeds(inputs: wanted, parameters: false)
        func attention(_ t: [Tensor], _ set: any KernelSet & BackwardKernelSet) -> (Tensor, Tensor) {
            var c = Counters()
            let s = set.attentionScores(q: t[0], k: t[1], heads: 2, scale: 0.4, threads: 1, &c)
            let p = set.softmaxTraining(s, threads: 1, &c)
            return (set.attentionContext(attention: p.output, v: t[2], heads: 2, threads: 1, &c), p.logSumExp)
        }
        var parts: [FusedAttentionCounters] = []
        GradientCheck.check(
            [q, k, v], expected: wanted, forward: { attention($0, NaiveKernels()).0 },
            backward: { set, g, c in
                let (output, lse) = attention([q, k, v], set)
                var fused = FusedAttentionCounters()
                let r = set.fusedAttentionBackward(
                    g, FusedAttentionSaved(q: q, k: k, v: v, output: output, logSumExp: lse), heads: 2, scale: 0.4, needs: needs,
                    threads: 2, &fused)
                parts.append(fused)
                c = fused.scores + fused.softmax + fused.context
                return [r.q, r.k, r.v]
            })
        let product = 2 * 2 * 5 * 7 * 3, probabilities = 2 * 2 * 5 * 7, scores = wanted[0] || wanted[1]
        func count(_ condition: Bool, _ value: Int) -> Int { condition ? value : 0 }
        var expected = FusedAttentionCounters()
        expected.scores = BackwardCounters(inputGradientMacs: count(wanted[0], product) + count(wanted[1], product))
        expected.softmax = BackwardCounters(elementwise: probabilities + count(scores, probabilities))
        expected.context = BackwardCounters(
            inputGradientMacs: count(wanted[2], product) + count(scores, product), elementwise: count(scores, 2 * 5 * 6))
        expected.recomputeMacs = product
        #expect(parts == [expected, expected])
    }

    @Test(arguments: [(1, 3, 4), (5, 3, 4), (6, 17, 5)])
    func performer(_ tokens: Int, _ e: Int, _ m: Int) {
        let kqv = Self.random([2, tokens, 3 * e], seed: 27, scale: 0.5), projection = Self.random([m, e], seed: 28)
        let counters = GradientCheck.check(
            [kqv], step: 1e-3,
            forward: { t in
                var c = Counters()
                return NaiveKernels().performerAttention(t[0], projection: projection, threads: 1, &c)
            },
            backward: { set, g, c in
                var f = Counters()
                let saved = set.performerTraining(kqv, projection: projection, threads: 2, &f).saved
                return [set.performerBackward(g, saved, projection: projection, threads: 2, &c)]
            })
        #expect(counters == BackwardCounters(inputGradientMacs: 2 * tokens * m * (6 * e + 2), elementwise: 2 * tokens * (3 * e + 2 * m)))
    }

    @Test func pools() {
        let image = Self.distinct([2, 2, 7, 6], seed: 29), window = Window(kernel: 3, stride: 2, padding: 1)
        let pooled = GradientCheck.check(
            [image],
            forward: { t in
                var c = Counters()
                return NaiveKernels().maxPool2d(t[0], window, &c)
            },
            backward: { set, g, c in
                var f = Counters()
                let indices = set.maxPool2dTraining(image, window, &f).indices
                return [set.maxPool2dBackward(g, indices: indices, inputShape: image.shape, &c)]
            })
        #expect(pooled == BackwardCounters(elementwise: 2 * 2 * 4 * 3))
        let averaged = GradientCheck.check(
            [image],
            forward: { t in
                var c = Counters()
                return NaiveKernels().globalAveragePool(t[0], &c)
            },
            backward: { set, g, c in [set.globalAveragePoolBackward(g, inputShape: image.shape, &c)] })
        #expect(averaged == BackwardCounters(elementwise: image.count))
        let tokens = Self.distinct([2, 5, 19], seed: 30)
        let mean = GradientCheck.check(
            [tokens],
            forward: { t in
                var c = Counters()
                return NaiveKernels().meanTokens(t[0], &c)
            },
            backward: { set, g, c in [set.meanTokensBackward(g, inputShape: tokens.shape, &c)] })
        #expect(mean == BackwardCounters(elementwise: tokens.count))
        let largest = GradientCheck.check(
            [tokens],
            forward: { t in
                var c = Counters()
                return NaiveKernels().maxTokens(t[0], &c)
            },
            backward: { set, g, c in
                var f = Counters()
                return [set.maxTokensBackward(g, input: tokens, output: set.maxTokens(tokens, &f), &c)]
            })
        #expect(largest == BackwardCounters(elementwise: tokens.count))
    }

    /// `amax` shares the gradient evenly between tied maxima, as PyTorch does.
    @Test func tiedMaxima() {
        let x = Tensor(shape: [1, 3, 2], values: [1, 5, 1, 2, 0, 5])
        GradientCheck.agree { set, c in
            var f = Counters()
            let g = Tensor(shape: [1, 2], values: [6, 4])
            let dx = set.maxTokensBackward(g, input: x, output: set.maxTokens(x, &f), &c)
            #expect(dx.values == [3, 2, 3, 0, 0, 2])
            return [dx]
        }
    }

    @Test(arguments: [(2, 2), (3, 1)])
    func relativePositionBias(_ window: Int, _ heads: Int) {
        let area = window * window
        let scores = Self.random([3, heads, area, area], seed: 31),
            table = Self.random([(2 * window - 1) * (2 * window - 1), heads], seed: 32)
        let counters = GradientCheck.check(
            [scores, table],
            forward: { t in
                var c = Counters()
                return NaiveKernels().relativePositionBias(t[0], table: t[1], window: window, &c)
            },
            backward: { set, g, c in [g, set.relativePositionBiasBackward(g, tableShape: table.shape, window: window, &c)] })
        #expect(counters == BackwardCounters(elementwise: scores.count))
    }

    /// Larger shapes that reach the GEMMs' threaded paths and every SIMD tail: the two kernel
    /// sets agree, counters exactly.
    @Test func largerShapesAgree() {
        let x = Self.random([1, 197, 64], seed: 33), w = Self.random([48, 64], seed: 34)
        GradientCheck.agree { set, c in
            let r = set.linearBackward(
                Self.random([1, 197, 48], seed: 35), input: x, weight: w, bias: true, needs: Self.all, threads: 2, &c)
            return [r.input, r.weight, r.bias]
        }
        let conv = Conv2d(3, 8, Window(kernel: 7, stride: 2, padding: 3), bias: false)
        let image = Self.random([2, 3, 33, 29], seed: 36), kernel = Self.random([8, 3, 7, 7], seed: 37)
        GradientCheck.agree { set, c in
            let r = set.conv2dBackward(
                Self.random([2, 8, 17, 15], seed: 38), input: image, weight: kernel, conv, needs: Self.all, threads: 2, &c)
            return [r.input, r.weight, r.bias]
        }
        let q = Self.random([2, 197, 24], seed: 39), k = Self.random([2, 197, 24], seed: 40), v = Self.random([2, 197, 24], seed: 41)
        let needs = GradientNeeds(inputs: [true, true, true], parameters: false)
        GradientCheck.agree(1e-3) { set, c in
            var f = Counters()
            let s = set.softmaxTraining(set.attentionScores(q: q, k: k, heads: 3, scale: 0.35, threads: 2, &f), threads: 2, &f)
            let o = set.attentionContext(attention: s.output, v: v, heads: 3, threads: 2, &f)
            var fused = FusedAttentionCounters()
            let r = set.fusedAttentionBackward(
                Self.random(o.shape, seed: 42), FusedAttentionSaved(q: q, k: k, v: v, output: o, logSumExp: s.logSumExp), heads: 3,
                scale: 0.35, needs: needs, threads: 2, &fused)
            c = fused.scores + fused.softmax + fused.context
            c.inputGradientMacs += fused.recomputeMacs
            return [r.q, r.k, r.v]
        }
        let norm = Self.random([3, 50, 384], seed: 43), gamma = Self.random([384], seed: 44, center: 1, scale: 0.1)
        GradientCheck.agree(1e-3) { set, c in
            var f = Counters()
            let s = set.layerNormTraining(norm, width: 384, weight: gamma, bias: gamma, eps: 1e-6, threads: 2, &f)
            let r = set.layerNormBackward(
                Self.random(norm.shape, seed: 45), input: norm, mean: s.mean, rstd: s.rstd, width: 384, weight: gamma, needs: Self.all,
                threads: 2, &c)
            return [r.input, r.weight, r.bias]
        }
    }
}
