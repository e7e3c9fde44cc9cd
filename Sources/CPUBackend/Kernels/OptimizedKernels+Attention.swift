import ArchGraph

extension OptimizedKernels {
    func attentionScores(q: Tensor, k: Tensor, heads: Int, scale: Float, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, nq, width, nk) = (q.shape[0], q.shape[1], q.shape[2], k.shape[1])
        let d = width / heads
        let out = Tensor(uninitialized: [batch, heads, nq, nk])
        Parallel.forEach(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            let target = out.data + bh * nq * nk
            // (Nq, d) · (d, Nk): k's rows read as columns.
            GEMM.multiply(m: nq, n: nk, k: d, a: q.data + b * nq * width + h * d, aRowStride: width, aColStride: 1,
                          b: k.data + b * nk * width + h * d, bRowStride: 1, bColStride: width,
                          c: target, cRowStride: nk)
            VectorMath.map(target, target, count: nq * nk) { $0 * scale }
        }
        counters.macs += batch * heads * nq * nk * d
        return out
    }

    func softmax(_ x: Tensor, threads: Int, _ counters: inout Counters) -> Tensor {
        let width = x.lastAxis
        let out = Tensor(uninitialized: x.shape)
        Rows.forEach(x.rows, width: width, threads: threads) { r in
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
        }
        counters.elementwise += x.count
        return out
    }

    func attentionContext(attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, nq, nk, width) = (attention.shape[0], attention.shape[2], attention.shape[3], v.shape[2])
        let d = width / heads
        let out = Tensor(uninitialized: [batch, nq, width])
        Parallel.forEach(count: batch * heads, threads: threads) { bh in
            let (b, h) = (bh / heads, bh % heads)
            // (Nq, Nk) · (Nk, d) into the head's columns of (Nq, h·d).
            GEMM.multiply(m: nq, n: d, k: nk, a: attention.data + bh * nq * nk, aRowStride: nk, aColStride: 1,
                          b: v.data + b * nk * width + h * d, bRowStride: width, bColStride: 1,
                          c: out.data + b * nq * width + h * d, cRowStride: width)
        }
        counters.macs += batch * heads * nq * d * nk
        return out
    }

    func performerAttention(_ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let out = Tensor(uninitialized: [batch, tokens, e])
        let kp = Tensor(zeros: [tokens, m]), qp = Tensor(zeros: [tokens, m]), kptv = Tensor(zeros: [e, m])
        let root = Float(m).squareRoot()
        for b in 0..<batch {
            let base = kqv.data + b * tokens * 3 * e
            for (features, offset) in [(kp, 0), (qp, e)] {
                // (T, e) · (e, m) with the projection (m, e) read transposed, then exp(· − |x|²/2)/√m.
                GEMM.multiply(m: tokens, n: m, k: e, a: base + offset, aRowStride: 3 * e, aColStride: 1,
                              b: projection.data, bRowStride: 1, bColStride: e, c: features.data, cRowStride: m,
                              threads: threads)
                for t in 0..<tokens {
                    let row = base + t * 3 * e + offset
                    var norm: Float = 0
                    for i in 0..<e { norm += row[i] * row[i] }
                    let half = norm / 2
                    VectorMath.map(features.data + t * m, features.data + t * m, count: m) { VectorMath.exp($0 - half) / root }
                }
            }
            var kSum = [Float](repeating: 0, count: m)
            for t in 0..<tokens { for f in 0..<m { kSum[f] += kp.data[t * m + f] } }
            // Σₜ v⊗k': (e, T) · (T, m) with v's rows read as columns.
            GEMM.multiply(m: e, n: m, k: tokens, a: base + 2 * e, aRowStride: 1, aColStride: 3 * e,
                          b: kp.data, bRowStride: m, bColStride: 1, c: kptv.data, cRowStride: m, threads: threads)
            // q'·(Σₜ v⊗k')ᵀ: (T, m) · (m, e), then each row over q'·Σₜ k' + ε.
            let target = out.data + b * tokens * e
            GEMM.multiply(m: tokens, n: e, k: m, a: qp.data, aRowStride: m, aColStride: 1,
                          b: kptv.data, bRowStride: 1, bColStride: m, c: target, cRowStride: e, threads: threads)
            for t in 0..<tokens {
                var normaliser: Float = 0
                for f in 0..<m { normaliser += qp.data[t * m + f] * kSum[f] }
                let inverse = 1 / (normaliser + 1e-8)
                VectorMath.map(target + t * e, target + t * e, count: e) { $0 * inverse }
            }
            counters.macs += 2 * tokens * m * e + tokens * m + e * m * tokens + tokens * e * m
        }
        counters.elementwise += batch * tokens * (2 * m + 3 * e)
        return out
    }
}
