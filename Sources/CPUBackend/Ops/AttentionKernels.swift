import ArchGraph
import Foundation

// Softmax attention's three nodes: the scores q·kᵀ, the softmax and the context attn·v; and
// the three as one kernel, which the interpreter runs wherever nothing else reads the scores or
// the probabilities.

/// One of the three nodes softmax attention is analysed as.
enum AttentionPart: Hashable {
    case scores, softmax, context
}

/// What a fused attention forward made and counted: the context, and each node's counts, as
/// the loops that stand for it ran them.
struct FusedAttentionForward {
    let output: Tensor
    /// The shape the scores and probabilities have, `(B, h, Nq, Nk)`, though no tensor holds them.
    let weightsShape: [Int]
    var scores = Counters(), softmax = Counters(), context = Counters()
}

extension NaiveKernels {
    func attentionScores(q: Tensor, k: Tensor, heads: Int, scale: Float, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, nq, width, nk) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
        let d = width / heads
        let out = Tensor(zeros: [batch, heads, nq, nk])
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<nq {
                    for j in 0..<nk {
                        var sum: Float = 0
                        for p in 0..<d { sum += q.data[(b * nq + i) * width + h * d + p] * k.data[(b * nk + j) * width + h * d + p] }
                        counters.macs += d
                        out.data[((b * heads + h) * nq + i) * nk + j] = scale * sum
                    }
                }
            }
        }
        return out
    }

    func softmax(_ x: Tensor, threads: Int, _ counters: inout Counters) -> Tensor {
        let width = x.lastAxis
        let out = Tensor(zeros: x.shape)
        for r in 0..<x.rows {
            var largest = -Float.infinity
            for i in 0..<width { largest = max(largest, x.data[r * width + i]) }
            var sum: Float = 0
            for i in 0..<width {
                let e = Foundation.exp(x.data[r * width + i] - largest)
                out.data[r * width + i] = e
                sum += e
            }
            for i in 0..<width { out.data[r * width + i] /= sum }
        }
        counters.elementwise += x.count
        return out
    }

    func attentionContext(attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, nq, nk, width) = (attention.shape[0], attention.shape[2], attention.shape[3], v.shape[2])
        let d = width / heads
        let out = Tensor(zeros: [batch, nq, width])
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<nq {
                    for p in 0..<d {
                        var sum: Float = 0
                        for j in 0..<nk {
                            sum += attention.data[((b * heads + h) * nq + i) * nk + j] * v.data[(b * nk + j) * width + h * d + p]
                        }
                        counters.macs += nk
                        out.data[(b * nq + i) * width + h * d + p] = sum
                    }
                }
            }
        }
        return out
    }

    /// The plain reference of fused attention: the three kernels one after the other.
    /// Operands read in place are copied out first, as the slices they stand for.
    func fusedAttention(
        q: TokenRows, k: TokenRows, v: TokenRows, heads: Int, scale: Float, threads: Int, faulty: AttentionPart?
    ) -> FusedAttentionForward {
        var counts = (Counters(), Counters(), Counters())
        let scores = attentionScores(q: q.contiguous(), k: k.contiguous(), heads: heads, scale: scale, threads: threads, &counts.0)
        let weights = softmax(scores, threads: threads, &counts.1)
        let output = attentionContext(attention: weights, v: v.contiguous(), heads: heads, threads: threads, &counts.2)
        return FusedAttentionForward(
            output: output, weightsShape: weights.shape, scores: counts.0, softmax: counts.1, context: counts.2)
    }
}

extension OptimizedKernels {
    /// Flash-style attention without the N×N matrix: per (image, head, block of queries), the
    /// block's rows of scores (one GEMM into a scratch buffer of at most 64 Ki floats), their
    /// softmax in place, and one GEMM of those rows with the values into the head's columns of
    /// the output, each row then divided by its sum. The blocks run in parallel; each keeps
    /// whole rows of scores, so the softmax is exact, not an online rescaling. The queries, keys
    /// and values are read where they lie, a fused qkv projection's columns included.
    func fusedAttention(
        q: TokenRows, k: TokenRows, v: TokenRows, heads: Int, scale: Float, threads: Int, faulty: AttentionPart?
    ) -> FusedAttentionForward {
        let (batch, nq, width, nk) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
        let (qData, kData, vData) = (q.data, k.data, v.data)
        let d = width / heads
        let rows = Swift.min(Swift.max(nq, 1), Swift.max(12, (1 << 16) / Swift.max(nk, 1) / 12 * 12))
        let blocks = (nq + rows - 1) / rows
        let out = Tensor(uninitialized: [batch, nq, width])
        let scoreMacs = Tally(), rowElements = Tally()
        let contextMacs = Parallel.sum(count: batch * heads * blocks, threads: threads) { task in
            let (bh, block) = (task / blocks, task % blocks)
            let (b, h) = (bh / heads, bh % heads)
            let start = block * rows, count = Swift.min(rows, nq - start)
            let fault = task == 0 ? self.fault : nil
            return ScratchPool.shared.withBuffer(count: count * nk) { scores in
                // (rows, d) · (d, Nk): k's rows read as columns.
                scoreMacs.add(
                    GEMM.multiply(
                        m: count, n: nk, k: d, a: qData + (b * nq + start) * q.rowStride + h * d, aRowStride: q.rowStride, aColStride: 1,
                        b: kData + b * nk * k.rowStride + h * d, bRowStride: 1, bColStride: k.rowStride, c: scores, cRowStride: nk,
                        fault: faulty == .scores ? fault : nil))
                var sums = [Float](repeating: 0, count: count)
                var elements = 0
                for r in 0..<count {
                    sums[r] = Self.exponentiate(scores + r * nk, count: nk, scale: scale)
                    elements += nk
                }
                rowElements.add(elements)
                // (rows, Nk) · (Nk, d) into the head's columns, then each row over its sum.
                let target = out.data + (b * nq + start) * width + h * d
                let macs = GEMM.multiply(
                    m: count, n: d, k: nk, a: scores, aRowStride: nk, aColStride: 1, b: vData + b * nk * v.rowStride + h * d,
                    bRowStride: v.rowStride, bColStride: 1, c: target, cRowStride: width, fault: faulty == .context ? fault : nil)
                for r in 0..<count {
                    let inverse = 1 / sums[r]
                    VectorMath.map(target + r * width, target + r * width, count: d) { $0 * inverse }
                }
                return macs
            }
        }
        var result = FusedAttentionForward(output: out, weightsShape: [batch, heads, nq, nk])
        result.scores.macs = scoreMacs.value
        result.softmax.elementwise = rowElements.value
        result.context.macs = contextMacs
        return result
    }

    /// `row ← exp(scale·row − max(scale·row))` in place over one row of raw products.
    /// - Returns: the row's sum.
    static func exponentiate(_ row: UnsafeMutablePointer<Float>, count: Int, scale: Float) -> Float {
        // The largest scaled value is |scale| times the largest of sign(scale)·row.
        let sign: Float = scale >= 0 ? 1 : -1
        var peak = Vec(repeating: -.infinity), i = 0
        while i + 16 <= count { peak = VectorMath.max(peak, sign * Vec.load(row + i)); i += 16 }
        var largest = VectorMath.horizontalMax(peak)
        while i < count { largest = Swift.max(largest, sign * row[i]); i += 1 }
        probabilities(row, count: count, scale: scale, shift: Swift.abs(scale) * largest)
        return Rows.sum(row, count)
    }
}

extension OptimizedKernels {
    /// One GEMM per (image, head), the heads in parallel; the MACs are the GEMMs' counts of
    /// the tiles they ran.
    func attentionScores(q: Tensor, k: Tensor, heads: Int, scale: Float, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, nq, width, nk) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
        let d = width / heads
        let out = Tensor(uninitialized: [batch, heads, nq, nk])
        counters.macs += Parallel.sum(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            let target = out.data + bh * nq * nk
            // (Nq, d) · (d, Nk): k's rows read as columns.
            let macs = GEMM.multiply(
                m: nq, n: nk, k: d, a: q.data + b * nq * width + h * d, aRowStride: width, aColStride: 1,
                b: k.data + b * nk * width + h * d, bRowStride: 1, bColStride: width,
                c: target, cRowStride: nk, fault: bh == 0 ? fault : nil)
            VectorMath.map(target, target, count: nq * nk) { $0 * scale }
            return macs
        }
        return out
    }

    /// Rows in parallel: the row maximum, then eˣ⁻ᵐᵃˣ and its sum in one pass, then the scaling.
    func softmax(_ x: Tensor, threads: Int, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        counters.elementwise += softmaxRows(x, into: out, threads: threads)
        return out
    }

    /// Softmax of each row into `out`, writing each row's log-sum-exp when asked.
    /// - Returns: the elements of the rows it ran.
    func softmaxRows(_ x: Tensor, into out: Tensor, logSumExp: UnsafeMutablePointer<Float>? = nil, threads: Int) -> Int {
        let width = x.lastAxis
        return Rows.forEach(x.rows, width: width, threads: threads) { r in
            let row = x.data + r * width, target = out.data + r * width
            var peak = Vec(repeating: -.infinity), i = 0
            while i + 16 <= width { peak = VectorMath.max(peak, Vec.load(row + i)); i += 16 }
            var largest = VectorMath.horizontalMax(peak)
            while i < width { largest = Swift.max(largest, row[i]); i += 1 }
            // eˣ⁻ᵐᵃˣ and its running sum in one pass, summed in the order `Rows.sum` uses.
            let shift = Vec(repeating: largest)
            var sum = Vec()
            i = 0
            while i + 16 <= width {
                let e = VectorMath.exp(Vec.load(row + i) - shift)
                e.store(target + i)
                sum += e
                i += 16
            }
            var total = VectorMath.horizontalSum(sum)
            if i < width {
                VectorMath.store(VectorMath.exp(VectorMath.load(row + i, count: width - i) - shift), target + i, count: width - i)
                while i < width { total += target[i]; i += 1 }
            }
            let inverse = 1 / total
            VectorMath.map(target, target, count: width) { $0 * inverse }
            logSumExp?[r] = largest + Foundation.log(total)
        }
    }

    /// One GEMM per (image, head) into the head's columns, the heads in parallel.
    func attentionContext(attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, nq, nk, width) = (attention.shape[0], attention.shape[2], attention.shape[3], v.shape[2])
        let d = width / heads
        let out = Tensor(uninitialized: [batch, nq, width])
        counters.macs += Parallel.sum(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            // (Nq, Nk) · (Nk, d) into the head's columns of (Nq, h·d).
            return GEMM.multiply(
                m: nq, n: d, k: nk, a: attention.data + bh * nq * nk, aRowStride: nk, aColStride: 1,
                b: v.data + b * nk * width + h * d, bRowStride: width, bColStride: 1,
                c: out.data + b * nq * width + h * d, cRowStride: width, fault: bh == 0 ? fault : nil)
        }
        return out
    }
}

// Training. Eager attention, `(q·scale) @ kᵀ` (or scaled after the product), softmax,
// `attn @ v`: the products read per-head contiguous operands `(B, h, N, d)`, which are what they
// keep. For several heads these are copies; for one head, an operand that needs no scaling is
// already in that layout, so the kernel reads and keeps the input itself and its storage is the
// input's. Fused attention keeps q, k, v, its output and one log-sum-exp per query row, and
// rebuilds the probabilities in backward.

extension Keeps {
    /// Eager scores keep their two operands as the product read them, per head: the queries
    /// (scaled when they are scaled first) and the keys.
    static let attentionScores: [Keep] = [.made("q"), .made("k")]
    /// Softmax keeps its output.
    static let softmax: [Keep] = [.output]
    /// Eager `attn·v` keeps the attention weights and the values as the product read them.
    static let attentionContext: [Keep] = [Keep("attn", .input(0)), .made("v")]
    /// Fused attention, kept by its context node: q and k (the scores' inputs `q`, `k`, views of
    /// their storages), v, the output and the log-sum-exps (made by the softmax node).
    static func fusedAttention(q: Int, k: Int) -> [Keep] {
        [Keep("q", .value(q)), Keep("k", .value(k)), Keep("v", .input(1)), .output, .made("lse")]
    }
}

/// The factors each scaling of eager scores applies in the kernels.
extension ScoreScaling {
    /// The factors on the queries and the keys before the product, and on its output.
    func factors(_ scale: Float) -> (queries: Float, keys: Float, output: Float) {
        switch self {
        case .queries: (scale, 1, 1)
        case .product: (1, 1, scale)
        case .both: (scale.squareRoot(), scale.squareRoot(), 1)
        }
    }

    /// The factors on the gradients of q and of k after the two backward products
    /// (`nil` where none is applied).
    func gradientFactors(_ scale: Float) -> (queries: Float, keys: Float?) {
        switch self {
        case .queries: (scale, nil)
        case .product: (scale, scale)
        case .both: (scale.squareRoot(), scale.squareRoot())
        }
    }
}

/// A `(B, N, C)` operand of attention read in place: each token's `C` floats start `offset`
/// floats into its row of `storage`, whose rows are `rowStride` floats apart. A whole tensor is
/// the view with offset 0 and stride `C`; `C` columns from `offset` of a `(B, N, 3C)` qkv
/// projection are its q, k or v slice, never copied out.
struct TokenRows {
    let storage: Tensor
    let offset: Int
    let rowStride: Int
    /// `[B, N, C]`.
    let shape: [Int]

    /// The whole of a `(B, N, C)` tensor.
    init(_ tensor: Tensor) {
        precondition(tensor.shape.count == 3, "attention operand of shape \(tensor.shape)")
        self.init(tensor, columns: 0, count: tensor.shape[2])
    }

    /// `count` columns of `tensor`'s last axis from `start`: the slice `tensor[:, :, start:start+count]`.
    init(_ tensor: Tensor, columns start: Int, count: Int) {
        precondition(tensor.shape.count == 3 && start >= 0 && count >= 0 && start + count <= tensor.shape[2])
        storage = tensor
        offset = start
        rowStride = tensor.shape[2]
        shape = [tensor.shape[0], tensor.shape[1], count]
    }

    /// The first token's first element.
    var data: UnsafeMutablePointer<Float> { storage.data + offset }

    /// The operand as a tensor of its own: `storage` itself when the view is all of it, a copy
    /// of the columns otherwise.
    func contiguous() -> Tensor {
        rowStride == shape[2] ? storage : Layout.slice(storage, axis: 2, start: offset, length: shape[2])
    }
}

/// Attention operands per head: `(B, N, h·d) → (B, h, N, d)`, times `scale`.
enum HeadLayout {
    /// A contiguous `(B, h, N, d)` operand: `x` itself for one head and no scaling (its layout
    /// already) unless `copy` asks for a new tensor, a copy otherwise.
    static func split(_ x: Tensor, heads: Int, scale: Float = 1, copy: Bool = false) -> Tensor {
        if heads == 1 && scale == 1 && !copy { return x }
        let (batch, tokens, width) = (x.shape[0], x.shape[1], x.shape[2])
        let d = width / heads
        let out = Tensor(uninitialized: [batch, heads, tokens, d])
        for b in 0..<batch {
            for h in 0..<heads {
                for t in 0..<tokens {
                    let source = x.data + (b * tokens + t) * width + h * d, target = out.data + ((b * heads + h) * tokens + t) * d
                    for p in 0..<d { target[p] = source[p] * scale }
                }
            }
        }
        return out
    }

    /// The two operands of eager scores as `scaling` makes them, per head; the math path's
    /// scaled operands are always new tensors (as PyTorch's `q·√scale` and `k·√scale` are).
    static func operands(
        q: Tensor, k: Tensor, heads: Int, scale: Float, scaling: ScoreScaling
    ) -> (queries: Tensor, keys: Tensor) {
        let factors = scaling.factors(scale), copy = scaling == .both
        return (split(q, heads: heads, scale: factors.queries, copy: copy), split(k, heads: heads, scale: factors.keys, copy: copy))
    }
}

extension NaiveKernels {
    func attentionScoresTraining(
        q: Tensor, k: Tensor, heads: Int, scale: Float, scaling: ScoreScaling, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, queries: Tensor, keys: Tensor) {
        let (queries, keys) = HeadLayout.operands(q: q, k: k, heads: heads, scale: scale, scaling: scaling)
        let (batch, nq, nk, d) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2] / heads)
        let factor = scaling.factors(scale).output
        let out = Tensor(zeros: [batch, heads, nq, nk])
        for bh in 0..<(batch * heads) {
            for i in 0..<nq {
                for j in 0..<nk {
                    var sum: Float = 0
                    for p in 0..<d { sum += queries.data[(bh * nq + i) * d + p] * keys.data[(bh * nk + j) * d + p] }
                    counters.macs += d
                    out.data[(bh * nq + i) * nk + j] = sum * factor
                }
            }
        }
        return (out, queries, keys)
    }

    func softmaxTraining(_ x: Tensor, threads: Int, _ counters: inout Counters) -> (output: Tensor, logSumExp: Tensor) {
        let width = x.lastAxis
        let out = softmax(x, threads: threads, &counters)
        let lse = Tensor(zeros: Array(x.shape.dropLast()))
        for r in 0..<x.rows {
            var largest = -Float.infinity
            for i in 0..<width { largest = max(largest, x.data[r * width + i]) }
            var sum: Float = 0
            for i in 0..<width { sum += Foundation.exp(x.data[r * width + i] - largest) }
            lse.data[r] = largest + Foundation.log(sum)
        }
        return (out, lse)
    }

    func attentionContextTraining(
        attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, values: Tensor) {
        let values = HeadLayout.split(v, heads: heads)
        let (batch, nq, nk, width) = (attention.shape[0], attention.shape[2], attention.shape[3], v.shape[2])
        let d = width / heads
        let out = Tensor(zeros: [batch, nq, width])
        for b in 0..<batch {
            for h in 0..<heads {
                let bh = b * heads + h
                for i in 0..<nq {
                    for p in 0..<d {
                        var sum: Float = 0
                        for j in 0..<nk { sum += attention.data[(bh * nq + i) * nk + j] * values.data[(bh * nk + j) * d + p] }
                        counters.macs += nk
                        out.data[(b * nq + i) * width + h * d + p] = sum
                    }
                }
            }
        }
        return (out, values)
    }

    func attentionScoresBackward(
        _ g: Tensor, queries: Tensor, keys: Tensor, heads: Int, scale: Float, scaling: ScoreScaling, needs: GradientNeeds,
        threads: Int, _ counters: inout BackwardCounters
    ) -> (q: Tensor?, k: Tensor?) {
        let (batch, nq, nk) = (g.shape[0], g.shape[2], g.shape[3])
        let d = queries.count / (batch * heads * nq), width = heads * d
        let dq = needs.input(0) ? Tensor(zeros: [batch, nq, width]) : nil
        let dk = needs.input(1) ? Tensor(zeros: [batch, nk, width]) : nil
        for b in 0..<batch {
            for h in 0..<heads {
                let bh = b * heads + h
                if let dq {
                    // g·k, per head, before the scale.
                    for i in 0..<nq {
                        for p in 0..<d {
                            var sum: Float = 0
                            for j in 0..<nk { sum += g.data[(bh * nq + i) * nk + j] * keys.data[(bh * nk + j) * d + p] }
                            counters.inputGradientMacs += nk
                            dq.data[(b * nq + i) * width + h * d + p] = sum
                        }
                    }
                }
                if let dk {
                    // gᵀ·q as kept, per head, before any scale.
                    for j in 0..<nk {
                        for p in 0..<d {
                            var sum: Float = 0
                            for i in 0..<nq { sum += g.data[(bh * nq + i) * nk + j] * queries.data[(bh * nq + i) * d + p] }
                            counters.inputGradientMacs += nq
                            dk.data[(b * nk + j) * width + h * d + p] = sum
                        }
                    }
                }
            }
        }
        let factors = scaling.gradientFactors(scale)
        if let dq {
            for i in 0..<dq.count { dq.data[i] *= factors.queries }
            counters.elementwise += dq.count
        }
        if let dk, let factor = factors.keys {
            for i in 0..<dk.count { dk.data[i] *= factor }
            counters.elementwise += dk.count
        }
        return (dq, dk)
    }

    func softmaxBackward(_ g: Tensor, output y: Tensor, threads: Int, _ counters: inout BackwardCounters) -> Tensor {
        let width = y.lastAxis
        let dx = Tensor(zeros: y.shape)
        for r in 0..<y.rows {
            var dot: Float = 0
            for i in 0..<width { dot += g.data[r * width + i] * y.data[r * width + i] }
            for i in 0..<width { dx.data[r * width + i] = y.data[r * width + i] * (g.data[r * width + i] - dot) }
        }
        counters.elementwise += y.count
        return dx
    }

    func attentionContextBackward(
        _ g: Tensor, attention: Tensor, values: Tensor, heads: Int, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (attention: Tensor?, v: Tensor?) {
        let (batch, nq, nk) = (attention.shape[0], attention.shape[2], attention.shape[3])
        let d = values.count / (batch * heads * nk), width = heads * d
        let da = needs.input(0) ? Tensor(zeros: attention.shape) : nil
        let dv = needs.input(1) ? Tensor(zeros: [batch, nk, width]) : nil
        for b in 0..<batch {
            for h in 0..<heads {
                let bh = b * heads + h
                if let da {
                    // d attn = g·vᵀ, per head.
                    for i in 0..<nq {
                        for j in 0..<nk {
                            var sum: Float = 0
                            for p in 0..<d { sum += g.data[(b * nq + i) * width + h * d + p] * values.data[(bh * nk + j) * d + p] }
                            counters.inputGradientMacs += d
                            da.data[(bh * nq + i) * nk + j] = sum
                        }
                    }
                }
                if let dv {
                    // dv = attnᵀ·g, per head.
                    for j in 0..<nk {
                        for p in 0..<d {
                            var sum: Float = 0
                            for i in 0..<nq { sum += attention.data[(bh * nq + i) * nk + j] * g.data[(b * nq + i) * width + h * d + p] }
                            counters.inputGradientMacs += nq
                            dv.data[(b * nk + j) * width + h * d + p] = sum
                        }
                    }
                }
            }
        }
        return (da, dv)
    }

    func fusedAttentionBackward(
        _ g: Tensor, _ saved: FusedAttentionSaved, heads: Int, scale: Float, needs: GradientNeeds, threads: Int,
        _ counters: inout FusedAttentionCounters
    ) -> (q: Tensor?, k: Tensor?, v: Tensor?) {
        let (q, k, v, o) = (saved.q, saved.k, saved.v, saved.output)
        let (batch, nq, nk, width) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2])
        let d = width / heads
        let scores = needs.input(0) || needs.input(1)
        let dq = needs.input(0) ? Tensor(zeros: q.shape) : nil, dk = needs.input(1) ? Tensor(zeros: k.shape) : nil
        let dv = needs.input(2) ? Tensor(zeros: v.shape) : nil
        func at(_ t: Tensor, _ b: Int, _ n: Int, _ token: Int, _ h: Int, _ p: Int) -> Float { t.data[(b * n + token) * width + h * d + p] }
        for b in 0..<batch {
            for h in 0..<heads {
                let bh = b * heads + h
                // The probabilities, rebuilt: P = exp(scale·q·kᵀ − lse).
                var probabilities = [Float](repeating: 0, count: nq * nk)
                for i in 0..<nq {
                    for j in 0..<nk {
                        var sum: Float = 0
                        for p in 0..<d { sum += at(q, b, nq, i, h, p) * at(k, b, nk, j, h, p) }
                        counters.recomputeMacs += d
                        probabilities[i * nk + j] = Foundation.exp(scale * sum - saved.logSumExp.data[bh * nq + i])
                        counters.softmax.elementwise += 1
                    }
                }
                if let dv {
                    for j in 0..<nk {
                        for p in 0..<d {
                            var sum: Float = 0
                            for i in 0..<nq { sum += probabilities[i * nk + j] * at(g, b, nq, i, h, p) }
                            counters.context.inputGradientMacs += nq
                            dv.data[(b * nk + j) * width + h * d + p] = sum
                        }
                    }
                }
                guard scores else { continue }
                // dS = scale · P ∘ (dO·vᵀ − rowsum(dO ∘ O)).
                var ds = [Float](repeating: 0, count: nq * nk)
                for i in 0..<nq {
                    var rowDot: Float = 0
                    for p in 0..<d { rowDot += at(g, b, nq, i, h, p) * at(o, b, nq, i, h, p) }
                    counters.context.elementwise += d
                    for j in 0..<nk {
                        var sum: Float = 0
                        for p in 0..<d { sum += at(g, b, nq, i, h, p) * at(v, b, nk, j, h, p) }
                        counters.context.inputGradientMacs += d
                        ds[i * nk + j] = scale * probabilities[i * nk + j] * (sum - rowDot)
                        counters.softmax.elementwise += 1
                    }
                }
                if let dq {
                    for i in 0..<nq {
                        for p in 0..<d {
                            var sum: Float = 0
                            for j in 0..<nk { sum += ds[i * nk + j] * at(k, b, nk, j, h, p) }
                            counters.scores.inputGradientMacs += nk
                            dq.data[(b * nq + i) * width + h * d + p] = sum
                        }
                    }
                }
                if let dk {
                    for j in 0..<nk {
                        for p in 0..<d {
                            var sum: Float = 0
                            for i in 0..<nq { sum += ds[i * nk + j] * at(q, b, nq, i, h, p) }
                            counters.scores.inputGradientMacs += nq
                            dk.data[(b * nk + j) * width + h * d + p] = sum
                        }
                    }
                }
            }
        }
        return (dq, dk, dv)
    }
}

extension OptimizedKernels {
    /// The per-head operands, then one GEMM per (image, head) on them, the heads in parallel;
    /// a scale after the product, 16 lanes at a time over each head's scores.
    func attentionScoresTraining(
        q: Tensor, k: Tensor, heads: Int, scale: Float, scaling: ScoreScaling, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, queries: Tensor, keys: Tensor) {
        let (queries, keys) = HeadLayout.operands(q: q, k: k, heads: heads, scale: scale, scaling: scaling)
        let (batch, nq, nk, d) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2] / heads)
        let factor = scaling.factors(scale).output
        let out = Tensor(uninitialized: [batch, heads, nq, nk])
        counters.macs += Parallel.sum(count: batch * heads, threads: threads) { bh in
            // (Nq, d) · (d, Nk): the keys' rows read as columns.
            let c = out.data + bh * nq * nk
            let macs = GEMM.multiply(
                m: nq, n: nk, k: d, a: queries.data + bh * nq * d, aRowStride: d, aColStride: 1,
                b: keys.data + bh * nk * d, bRowStride: 1, bColStride: d, c: c, cRowStride: nk)
            if factor != 1 { VectorMath.map(c, c, count: nq * nk) { $0 * factor } }
            return macs
        }
        return (out, queries, keys)
    }

    func softmaxTraining(_ x: Tensor, threads: Int, _ counters: inout Counters) -> (output: Tensor, logSumExp: Tensor) {
        let out = Tensor(uninitialized: x.shape), lse = Tensor(uninitialized: Array(x.shape.dropLast()))
        counters.elementwise += softmaxRows(x, into: out, logSumExp: lse.data, threads: threads)
        return (out, lse)
    }

    /// The values' per-head copy, then one GEMM per (image, head) into the head's columns.
    func attentionContextTraining(
        attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, values: Tensor) {
        let values = HeadLayout.split(v, heads: heads)
        let (batch, nq, nk, width) = (attention.shape[0], attention.shape[2], attention.shape[3], v.shape[2])
        let d = width / heads
        let out = Tensor(uninitialized: [batch, nq, width])
        counters.macs += Parallel.sum(count: batch * heads, threads: threads) { bh in
            let b = bh / heads, h = bh % heads
            return GEMM.multiply(
                m: nq, n: d, k: nk, a: attention.data + bh * nq * nk, aRowStride: nk, aColStride: 1,
                b: values.data + bh * nk * d, bRowStride: d, bColStride: 1,
                c: out.data + b * nq * width + h * d, cRowStride: width)
        }
        return (out, values)
    }

    /// Two GEMMs per (image, head) into the heads' columns, the heads in parallel, then the
    /// scale on q's gradient, 16 lanes at a time.
    func attentionScoresBackward(
        _ g: Tensor, queries: Tensor, keys: Tensor, heads: Int, scale: Float, scaling: ScoreScaling, needs: GradientNeeds,
        threads: Int, _ counters: inout BackwardCounters
    ) -> (q: Tensor?, k: Tensor?) {
        let (batch, nq, nk) = (g.shape[0], g.shape[2], g.shape[3])
        let d = queries.count / (batch * heads * nq), width = heads * d
        let dq = needs.input(0) ? Tensor(uninitialized: [batch, nq, width]) : nil
        let dk = needs.input(1) ? Tensor(uninitialized: [batch, nk, width]) : nil
        counters.inputGradientMacs += Parallel.sum(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            let gradient = g.data + bh * nq * nk
            var macs = 0
            if let dq {
                // (Nq, Nk) · (Nk, d)
                macs += GEMM.multiply(
                    m: nq, n: d, k: nk, a: gradient, aRowStride: nk, aColStride: 1, b: keys.data + bh * nk * d,
                    bRowStride: d, bColStride: 1, c: dq.data + b * nq * width + h * d, cRowStride: width)
            }
            if let dk {
                // (Nk, Nq) · (Nq, d): the gradient read transposed.
                macs += GEMM.multiply(
                    m: nk, n: d, k: nq, a: gradient, aRowStride: 1, aColStride: nk, b: queries.data + bh * nq * d,
                    bRowStride: d, bColStride: 1, c: dk.data + b * nk * width + h * d, cRowStride: width)
            }
            return macs
        }
        let factors = scaling.gradientFactors(scale)
        if let dq {
            VectorMath.map(dq.data, dq.data, count: dq.count) { $0 * factors.queries }
            counters.elementwise += dq.count
        }
        if let dk, let factor = factors.keys {
            VectorMath.map(dk.data, dk.data, count: dk.count) { $0 * factor }
            counters.elementwise += dk.count
        }
        return (dq, dk)
    }

    /// Rows in parallel: `Σ g∘y`, then `y∘(g − Σ)`, 16 lanes at a time.
    func softmaxBackward(_ g: Tensor, output y: Tensor, threads: Int, _ counters: inout BackwardCounters) -> Tensor {
        let width = y.lastAxis
        let dx = Tensor(uninitialized: y.shape)
        counters.elementwise += Rows.forEach(y.rows, width: width, threads: threads) { r in
            let (gradient, row, target) = (g.data + r * width, y.data + r * width, dx.data + r * width)
            let dot = Self.dot(gradient, row, width)
            Rows.zip(gradient, row, target, count: width) { d, p in p * (d - dot) }
        }
        return dx
    }

    /// `Σ a[i]·b[i]` over `count` elements, 16 lanes at a time.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = Vec(), i = 0
        while i + 16 <= count { acc += Vec.load(a + i) * Vec.load(b + i); i += 16 }
        var total = VectorMath.horizontalSum(acc)
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    /// Two GEMMs per (image, head), the heads in parallel.
    func attentionContextBackward(
        _ g: Tensor, attention: Tensor, values: Tensor, heads: Int, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (attention: Tensor?, v: Tensor?) {
        let (batch, nq, nk) = (attention.shape[0], attention.shape[2], attention.shape[3])
        let d = values.count / (batch * heads * nk), width = heads * d
        let da = needs.input(0) ? Tensor(uninitialized: attention.shape) : nil
        let dv = needs.input(1) ? Tensor(uninitialized: [batch, nk, width]) : nil
        counters.inputGradientMacs += Parallel.sum(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            let gradient = g.data + b * nq * width + h * d
            var macs = 0
            if let da {
                // (Nq, d) · (d, Nk): the values' rows read as columns.
                macs += GEMM.multiply(
                    m: nq, n: nk, k: d, a: gradient, aRowStride: width, aColStride: 1, b: values.data + bh * nk * d,
                    bRowStride: 1, bColStride: d, c: da.data + bh * nq * nk, cRowStride: nk)
            }
            if let dv {
                // (Nk, Nq) · (Nq, d): the weights read transposed.
                macs += GEMM.multiply(
                    m: nk, n: d, k: nq, a: attention.data + bh * nq * nk, aRowStride: 1, aColStride: nk, b: gradient,
                    bRowStride: width, bColStride: 1, c: dv.data + b * nk * width + h * d, cRowStride: width)
            }
            return macs
        }
        return (da, dv)
    }

    /// `row ← exp(scale·row − shift)` in place, two vectors per iteration with `exp` inlined so
    /// their dependency chains overlap.
    @inline(never)
    static func probabilities(_ row: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float) {
        let (s, m) = (Vec(repeating: scale), Vec(repeating: -shift))
        var i = 0
        while i + 32 <= count {
            let a = VectorMath.exp(VectorMath.fma(Vec.load(row + i), s, m))
            let b = VectorMath.exp(VectorMath.fma(Vec.load(row + i + 16), s, m))
            a.store(row + i)
            b.store(row + i + 16)
            i += 32
        }
        while i < count {
            let n = Swift.min(16, count - i)
            VectorMath.store(VectorMath.exp(VectorMath.fma(VectorMath.load(row + i, count: n), s, m)), row + i, count: n)
            i += n
        }
    }

    /// `dS ← scale·P∘(dP − rowDot)` in place over one row of `count`.
    @inline(never)
    static func scoreGradient(
        _ p: UnsafePointer<Float>, _ ds: UnsafeMutablePointer<Float>, count: Int, scale: Float, rowDot: Float
    ) {
        let dot = Vec(repeating: rowDot)
        var i = 0
        while i + 16 <= count {
            (scale * Vec.load(p + i) * (Vec.load(ds + i) - dot)).store(ds + i)
            i += 16
        }
        if i < count {
            let n = count - i
            VectorMath.store(scale * VectorMath.load(p + i, count: n) * (VectorMath.load(ds + i, count: n) - dot), ds + i, count: n)
        }
    }

    /// Per (image, head), the heads in parallel: `S = q·kᵀ` again by GEMM, `P = exp(scale·S −
    /// lse)`, `dv = Pᵀ·dO` and `dP = dO·vᵀ` by GEMM, `dS = scale·P∘(dP − rowsum(dO∘O))`, then
    /// `dq = dS·k` and `dk = dSᵀ·q` by GEMM. Each part is counted against its node.
    func fusedAttentionBackward(
        _ g: Tensor, _ saved: FusedAttentionSaved, heads: Int, scale: Float, needs: GradientNeeds, threads: Int,
        _ counters: inout FusedAttentionCounters
    ) -> (q: Tensor?, k: Tensor?, v: Tensor?) {
        let (q, k, v, o) = (saved.q, saved.k, saved.v, saved.output)
        let (batch, nq, nk, width) = (q.shape[0], q.shape[1], k.shape[1], q.shape[2])
        let d = width / heads
        let scores = needs.input(0) || needs.input(1)
        let dq = needs.input(0) ? Tensor(uninitialized: q.shape) : nil, dk = needs.input(1) ? Tensor(uninitialized: k.shape) : nil
        let dv = needs.input(2) ? Tensor(uninitialized: v.shape) : nil
        let parts = UnsafeMutableBufferPointer<FusedAttentionCounters>.allocate(capacity: batch * heads)
        defer { parts.deallocate() }
        Parallel.forEach(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            var part = FusedAttentionCounters()
            let (qh, kh, vh) = (q.data + b * nq * width + h * d, k.data + b * nk * width + h * d, v.data + b * nk * width + h * d)
            let (gh, oh) = (g.data + b * nq * width + h * d, o.data + b * nq * width + h * d)
            let probabilities = Tensor(uninitialized: [nq, nk])
            // (Nq, d) · (d, Nk): the keys' rows read as columns.
            part.recomputeMacs += GEMM.multiply(
                m: nq, n: nk, k: d, a: qh, aRowStride: width, aColStride: 1, b: kh, bRowStride: 1, bColStride: width,
                c: probabilities.data, cRowStride: nk)
            for i in 0..<nq {
                Self.probabilities(probabilities.data + i * nk, count: nk, scale: scale, shift: saved.logSumExp.data[bh * nq + i])
                part.softmax.elementwise += nk
            }
            if let dv {
                // (Nk, Nq) · (Nq, d): the probabilities read transposed.
                part.context.inputGradientMacs += GEMM.multiply(
                    m: nk, n: d, k: nq, a: probabilities.data, aRowStride: 1, aColStride: nk, b: gh, bRowStride: width,
                    bColStride: 1, c: dv.data + b * nk * width + h * d, cRowStride: width)
            }
            if scores {
                let ds = Tensor(uninitialized: [nq, nk])
                // (Nq, d) · (d, Nk): the values' rows read as columns.
                part.context.inputGradientMacs += GEMM.multiply(
                    m: nq, n: nk, k: d, a: gh, aRowStride: width, aColStride: 1, b: vh, bRowStride: 1, bColStride: width,
                    c: ds.data, cRowStride: nk)
                for i in 0..<nq {
                    let rowDot = Self.dot(gh + i * width, oh + i * width, d)
                    part.context.elementwise += d
                    Self.scoreGradient(probabilities.data + i * nk, ds.data + i * nk, count: nk, scale: scale, rowDot: rowDot)
                    part.softmax.elementwise += nk
                }
                if let dq {
                    part.scores.inputGradientMacs += GEMM.multiply(
                        m: nq, n: d, k: nk, a: ds.data, aRowStride: nk, aColStride: 1, b: kh, bRowStride: width, bColStride: 1,
                        c: dq.data + b * nq * width + h * d, cRowStride: width)
                }
                if let dk {
                    // (Nk, Nq) · (Nq, d): dS read transposed.
                    part.scores.inputGradientMacs += GEMM.multiply(
                        m: nk, n: d, k: nq, a: ds.data, aRowStride: 1, aColStride: nk, b: qh, bRowStride: width, bColStride: 1,
                        c: dk.data + b * nk * width + h * d, cRowStride: width)
                }
            }
            parts[bh] = part
        }
        for part in parts {
            counters.scores += part.scores
            counters.softmax += part.softmax
            counters.context += part.context
            counters.recomputeMacs += part.recomputeMacs
        }
        return (dq, dk, dv)
    }
}
