import ArchGraph
import Foundation

// T2T's Performer attention: positive random features instead of the N×N attention matrix.

extension NaiveKernels {
    /// T2T's Performer: `k', q' = exp(w·x − |x|²/2)/√m`, `y = q'·(Σₜ v⊗k') / (q'·Σₜ k' + ε)`.
    func performerAttention(_ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let out = Tensor(zeros: [batch, tokens, e])
        func features(_ row: UnsafePointer<Float>) -> [Float] {
            var norm: Float = 0
            for i in 0..<e { norm += row[i] * row[i] }
            return (0..<m).map { f in
                var dot: Float = 0
                for i in 0..<e { dot += projection.data[f * e + i] * row[i] }
                return Foundation.exp(dot - norm / 2) / Float(m).squareRoot()
            }
        }
        for b in 0..<batch {
            let base = kqv.data + b * tokens * 3 * e
            let kp = (0..<tokens).map { features(base + $0 * 3 * e) }
            let qp = (0..<tokens).map { features(base + $0 * 3 * e + e) }
            counters.macs += 2 * tokens * m * e
            let kSum = (0..<m).map { f in kp.reduce(0) { $0 + $1[f] } }
            for t in 0..<tokens {
                var normaliser: Float = 0
                for f in 0..<m { normaliser += qp[t][f] * kSum[f] }
                counters.macs += m
                for n in 0..<e {
                    var y: Float = 0
                    for f in 0..<m {
                        var kptv: Float = 0
                        for s in 0..<tokens { kptv += base[s * 3 * e + 2 * e + n] * kp[s][f] }
                        y += qp[t][f] * kptv
                    }
                    out.data[(b * tokens + t) * e + n] = y / (normaliser + 1e-8)
                }
            }
            // Σₜ v⊗k' is (e, m) products over T tokens, then q'·that is (T, e) over m.
            counters.macs += e * m * tokens + tokens * e * m
        }
        counters.elementwise += batch * tokens * (2 * m + 3 * e)
        return out
    }
}

extension OptimizedKernels {
    /// Per image: the feature maps k' and q' by GEMM, `Σₜ v⊗k'` and `q'·(Σₜ v⊗k')ᵀ` by GEMM,
    /// the normaliser `q'·Σₜ k'` by direct loops. Every count comes from the GEMMs' tiles and
    /// the loops' extents.
    func performerAttention(_ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let out = Tensor(uninitialized: [batch, tokens, e])
        let kp = Tensor(zeros: [tokens, m]), qp = Tensor(zeros: [tokens, m]), kptv = Tensor(zeros: [e, m])
        let root = Float(m).squareRoot()
        for b in 0..<batch {
            let base = kqv.data + b * tokens * 3 * e
            for (features, offset) in [(kp, 0), (qp, e)] {
                // (T, e) · (e, m) with the projection (m, e) read transposed, then exp(· − |x|²/2)/√m.
                counters.macs += GEMM.multiply(
                    m: tokens, n: m, k: e, a: base + offset, aRowStride: 3 * e, aColStride: 1,
                    b: projection.data, bRowStride: 1, bColStride: e, c: features.data, cRowStride: m,
                    threads: threads, fault: b == 0 && offset == 0 ? fault : nil)
                for t in 0..<tokens {
                    let row = base + t * 3 * e + offset
                    var norm: Float = 0
                    for i in 0..<e { norm += row[i] * row[i] }
                    let half = norm / 2
                    VectorMath.map(features.data + t * m, features.data + t * m, count: m) { VectorMath.exp($0 - half) / root }
                    counters.elementwise += e + m
                }
            }
            var kSum = [Float](repeating: 0, count: m)
            for t in 0..<tokens { for f in 0..<m { kSum[f] += kp.data[t * m + f] } }
            // Σₜ v⊗k': (e, T) · (T, m) with v's rows read as columns.
            counters.macs += GEMM.multiply(
                m: e, n: m, k: tokens, a: base + 2 * e, aRowStride: 1, aColStride: 3 * e,
                b: kp.data, bRowStride: m, bColStride: 1, c: kptv.data, cRowStride: m, threads: threads)
            // q'·(Σₜ v⊗k')ᵀ: (T, m) · (m, e), then each row over q'·Σₜ k' + ε.
            let target = out.data + b * tokens * e
            counters.macs += GEMM.multiply(
                m: tokens, n: e, k: m, a: qp.data, aRowStride: m, aColStride: 1,
                b: kptv.data, bRowStride: 1, bColStride: m, c: target, cRowStride: e, threads: threads)
            for t in 0..<tokens {
                var normaliser: Float = 0
                for f in 0..<m { normaliser += qp.data[t * m + f] * kSum[f] }
                let inverse = 1 / (normaliser + 1e-8)
                VectorMath.map(target + t * e, target + t * e, count: e) { $0 * inverse }
                counters.macs += m
                counters.elementwise += e
            }
        }
        return out
    }
}
