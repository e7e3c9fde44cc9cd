import ArchGraph
import Foundation

// Softmax attention's three nodes: the scores q·kᵀ, the softmax and the context attn·v.

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
        let width = x.lastAxis
        let out = Tensor(uninitialized: x.shape)
        counters.elementwise += Rows.forEach(x.rows, width: width, threads: threads) { r in
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
        return out
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
