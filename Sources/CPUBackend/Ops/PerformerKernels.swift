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
        performer(kqv, projection: projection, threads: threads, keeping: nil, &counters)
    }

    func performerTraining(
        _ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, saved: PerformerSaved) {
        let saved = PerformerSaved(kqv, features: projection.shape[0])
        return (performer(kqv, projection: projection, threads: threads, keeping: saved, &counters), saved)
    }

    /// The Performer, writing every image's exponentials, feature maps, sums and the final
    /// division's operands into `saved` when given; otherwise one image's scratch serves all.
    private func performer(
        _ kqv: Tensor, projection: Tensor, threads: Int, keeping saved: PerformerSaved?, _ counters: inout Counters
    ) -> Tensor {
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let out = Tensor(uninitialized: [batch, tokens, e])
        let kp = saved?.kp ?? Tensor(uninitialized: [1, tokens, m]), qp = saved?.qp ?? Tensor(uninitialized: [1, tokens, m])
        let kpSum = saved?.kpSum ?? Tensor(uninitialized: [1, m]), kptv = saved?.kptv ?? Tensor(uninitialized: [1, e, m])
        let (expK, expQ, numerator, denominator) = (saved?.expK, saved?.expQ, saved?.numerator, saved?.denominator)
        let root = Float(m).squareRoot()
        for b in 0..<batch {
            let slot = saved == nil ? 0 : b
            let base = kqv.data + b * tokens * 3 * e
            for (features, exponentials, offset) in [(kp, expK, 0), (qp, expQ, e)] {
                let target = features.data + slot * tokens * m
                // (T, e) · (e, m) with the projection (m, e) read transposed, then exp(· − |x|²/2)/√m.
                counters.macs += GEMM.multiply(
                    m: tokens, n: m, k: e, a: base + offset, aRowStride: 3 * e, aColStride: 1,
                    b: projection.data, bRowStride: 1, bColStride: e, c: target, cRowStride: m,
                    threads: threads, fault: b == 0 && offset == 0 ? fault : nil)
                for t in 0..<tokens {
                    let row = base + t * 3 * e + offset, feature = target + t * m
                    var norm: Float = 0
                    for i in 0..<e { norm += row[i] * row[i] }
                    let half = norm / 2
                    if let exponentials {
                        let exponential = exponentials.data + (b * tokens + t) * m
                        VectorMath.map(feature, exponential, count: m) { VectorMath.exp($0 - half) }
                        VectorMath.map(exponential, feature, count: m) { $0 / root }
                    } else {
                        VectorMath.map(feature, feature, count: m) { VectorMath.exp($0 - half) / root }
                    }
                    counters.elementwise += e + m
                }
            }
            let (keys, queries) = (kp.data + slot * tokens * m, qp.data + slot * tokens * m)
            let kSum = kpSum.data + slot * m, kvSum = kptv.data + slot * e * m
            kSum.initialize(repeating: 0, count: m)
            for t in 0..<tokens { for f in 0..<m { kSum[f] += keys[t * m + f] } }
            // Σₜ v⊗k': (e, T) · (T, m) with v's rows read as columns.
            counters.macs += GEMM.multiply(
                m: e, n: m, k: tokens, a: base + 2 * e, aRowStride: 1, aColStride: 3 * e,
                b: keys, bRowStride: m, bColStride: 1, c: kvSum, cRowStride: m, threads: threads)
            // q'·(Σₜ v⊗k')ᵀ: (T, m) · (m, e), then each row over q'·Σₜ k' + ε.
            let target = out.data + b * tokens * e
            counters.macs += GEMM.multiply(
                m: tokens, n: e, k: m, a: queries, aRowStride: m, aColStride: 1,
                b: kvSum, bRowStride: 1, bColStride: m, c: target, cRowStride: e, threads: threads)
            numerator?.data.advanced(by: b * tokens * e).update(from: target, count: tokens * e)
            for t in 0..<tokens {
                var normaliser: Float = 0
                for f in 0..<m { normaliser += queries[t * m + f] * kSum[f] }
                denominator?.data.advanced(by: (b * tokens + t) * e).initialize(repeating: normaliser + 1e-8, count: e)
                let inverse = 1 / (normaliser + 1e-8)
                VectorMath.map(target + t * e, target + t * e, count: e) { $0 * inverse }
                counters.macs += m
                counters.elementwise += e
            }
        }
        return out
    }
}

// Training. T2T's `single_attn` as autograd records it:
//   k', q' = exp(x·wᵀ − |x|²/2) / √m       (B, T, m)      keeps exp(·) and, for the products, k', q'
//   D = q'·Σₜ k'                            (B, T)         keeps q', Σₜ k'
//   kptv = Σₜ v⊗k'                          (B, e, m)      keeps v (kqv), k'
//   y = (q'·kptvᵀ) / (D + ε)                (B, T, e)      keeps q', kptv, numerator, denominator
// The projection w is frozen: only x's gradient flows through x·wᵀ.

extension Keeps {
    /// The Performer keeps its kqv input and what each of its products and its division keep.
    static let performerAttention: [Keep] = [
        Keep("kqv", .input(0)), .made("exp_k"), .made("exp_q"), .made("kp"), .made("qp"), .made("kp_sum"), .made("kptv"),
        .made("numerator"), .made("denominator"),
    ]
}

extension PerformerSaved {
    /// Tensors to be filled for the input `kqv` `(B, T, 3e)` and `m` features.
    init(_ kqv: Tensor, features m: Int) {
        let (batch, tokens, e) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3)
        self.init(
            kqv: kqv, expK: Tensor(zeros: [batch, tokens, m]), expQ: Tensor(zeros: [batch, tokens, m]),
            kp: Tensor(zeros: [batch, tokens, m]), qp: Tensor(zeros: [batch, tokens, m]), kpSum: Tensor(zeros: [batch, m]),
            kptv: Tensor(zeros: [batch, e, m]), numerator: Tensor(zeros: [batch, tokens, e]),
            denominator: Tensor(zeros: [batch, tokens, e]))
    }

    /// The made tensors by the names `Keeps.performerAttention` gives them.
    var made: [String: Tensor] {
        [
            "exp_k": expK, "exp_q": expQ, "kp": kp, "qp": qp, "kp_sum": kpSum, "kptv": kptv, "numerator": numerator,
            "denominator": denominator,
        ]
    }
}

extension NaiveKernels {
    func performerTraining(
        _ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, saved: PerformerSaved) {
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let out = Tensor(zeros: [batch, tokens, e])
        let saved = PerformerSaved(kqv, features: m)
        let (expK, expQ, kp, qp, kpSum, kptv) = (saved.expK, saved.expQ, saved.kp, saved.qp, saved.kpSum, saved.kptv)
        let (numerator, denominator) = (saved.numerator, saved.denominator)
        for b in 0..<batch {
            func x(_ t: Int, _ column: Int) -> Float { kqv.data[(b * tokens + t) * 3 * e + column] }
            for (exponentials, features, offset) in [(expK, kp, 0), (expQ, qp, e)] {
                for t in 0..<tokens {
                    var norm: Float = 0
                    for i in 0..<e { norm += x(t, offset + i) * x(t, offset + i) }
                    for f in 0..<m {
                        var dot: Float = 0
                        for i in 0..<e { dot += projection.data[f * e + i] * x(t, offset + i) }
                        counters.macs += e
                        let index = (b * tokens + t) * m + f
                        exponentials.data[index] = Foundation.exp(dot - norm / 2)
                        features.data[index] = exponentials.data[index] / Float(m).squareRoot()
                    }
                    counters.elementwise += e + m
                }
            }
            for f in 0..<m { for t in 0..<tokens { kpSum.data[b * m + f] += kp.data[(b * tokens + t) * m + f] } }
            for n in 0..<e {
                for f in 0..<m {
                    var sum: Float = 0
                    for t in 0..<tokens { sum += x(t, 2 * e + n) * kp.data[(b * tokens + t) * m + f] }
                    counters.macs += tokens
                    kptv.data[(b * e + n) * m + f] = sum
                }
            }
            for t in 0..<tokens {
                var normaliser: Float = 0
                for f in 0..<m { normaliser += qp.data[(b * tokens + t) * m + f] * kpSum.data[b * m + f] }
                counters.macs += m
                for n in 0..<e {
                    var sum: Float = 0
                    for f in 0..<m { sum += qp.data[(b * tokens + t) * m + f] * kptv.data[(b * e + n) * m + f] }
                    counters.macs += m
                    let index = (b * tokens + t) * e + n
                    numerator.data[index] = sum
                    denominator.data[index] = normaliser + 1e-8
                    out.data[index] = sum / denominator.data[index]
                }
                counters.elementwise += e
            }
        }
        return (out, saved)
    }

    func performerBackward(
        _ g: Tensor, _ saved: PerformerSaved, projection: Tensor, threads: Int, _ counters: inout BackwardCounters
    ) -> Tensor {
        let kqv = saved.kqv
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let dkqv = Tensor(zeros: kqv.shape)
        let root = Float(m).squareRoot()
        for b in 0..<batch {
            func x(_ t: Int, _ column: Int) -> Float { kqv.data[(b * tokens + t) * 3 * e + column] }
            func at(_ tensor: Tensor, _ t: Int, _ f: Int, _ width: Int) -> Float { tensor.data[(b * tokens + t) * width + f] }
            // The division y = num / den.
            var dnum = [Float](repeating: 0, count: tokens * e), dD = [Float](repeating: 0, count: tokens)
            for t in 0..<tokens {
                for n in 0..<e {
                    let (gradient, den) = (at(g, t, n, e), at(saved.denominator, t, n, e))
                    dnum[t * e + n] = gradient / den
                    dD[t] -= gradient * at(saved.numerator, t, n, e) / (den * den)
                    counters.elementwise += 1
                }
            }
            // num = q'·kptvᵀ.
            var dqp = [Float](repeating: 0, count: tokens * m), dkptv = [Float](repeating: 0, count: e * m)
            for t in 0..<tokens {
                for f in 0..<m {
                    for n in 0..<e { dqp[t * m + f] += dnum[t * e + n] * saved.kptv.data[(b * e + n) * m + f] }
                    counters.inputGradientMacs += e
                }
            }
            for n in 0..<e {
                for f in 0..<m {
                    for t in 0..<tokens { dkptv[n * m + f] += dnum[t * e + n] * at(saved.qp, t, f, m) }
                    counters.inputGradientMacs += tokens
                }
            }
            // D = q'·Σₜ k'.
            var dkSum = [Float](repeating: 0, count: m)
            for t in 0..<tokens {
                for f in 0..<m {
                    dqp[t * m + f] += dD[t] * saved.kpSum.data[b * m + f]
                    counters.inputGradientMacs += 1
                }
            }
            for f in 0..<m {
                for t in 0..<tokens { dkSum[f] += dD[t] * at(saved.qp, t, f, m) }
                counters.inputGradientMacs += tokens
            }
            // kptv = Σₜ v⊗k'.
            var dkp = [Float](repeating: 0, count: tokens * m)
            for t in 0..<tokens {
                for n in 0..<e {
                    var sum: Float = 0
                    for f in 0..<m { sum += at(saved.kp, t, f, m) * dkptv[n * m + f] }
                    counters.inputGradientMacs += m
                    dkqv.data[(b * tokens + t) * 3 * e + 2 * e + n] = sum
                }
            }
            for t in 0..<tokens {
                for f in 0..<m {
                    for n in 0..<e { dkp[t * m + f] += x(t, 2 * e + n) * dkptv[n * m + f] }
                    counters.inputGradientMacs += e
                }
            }
            // The feature maps: k' also receives Σₜ k''s gradient on every token.
            for (features, exponentials, offset, broadcast) in [(dkp, saved.expK, 0, dkSum), (dqp, saved.expQ, e, [])] {
                for t in 0..<tokens {
                    var dz = [Float](repeating: 0, count: m), total: Float = 0
                    for f in 0..<m {
                        let incoming = features[t * m + f] + (broadcast.isEmpty ? 0 : broadcast[f])
                        dz[f] = incoming * at(exponentials, t, f, m) / root
                        total += dz[f]
                        counters.elementwise += 1
                    }
                    for i in 0..<e {
                        var sum: Float = 0
                        for f in 0..<m { sum += dz[f] * projection.data[f * e + i] }
                        counters.inputGradientMacs += m
                        dkqv.data[(b * tokens + t) * 3 * e + offset + i] = sum - total * x(t, offset + i)
                        counters.elementwise += 1
                    }
                }
            }
        }
        return dkqv
    }
}

extension OptimizedKernels {
    /// Per image: the division's pass, the products' gradients by GEMM (the outer products
    /// with `D` by direct loops), the feature maps' pass, and x's gradient through the frozen
    /// projection by GEMM, each written into its third of kqv's gradient.
    func performerBackward(
        _ g: Tensor, _ saved: PerformerSaved, projection: Tensor, threads: Int, _ counters: inout BackwardCounters
    ) -> Tensor {
        let kqv = saved.kqv
        let (batch, tokens, e, m) = (kqv.shape[0], kqv.shape[1], kqv.shape[2] / 3, projection.shape[0])
        let dkqv = Tensor(uninitialized: kqv.shape)
        let root = Float(m).squareRoot()
        let dnum = Tensor(uninitialized: [tokens, e]), dD = Tensor(uninitialized: [tokens])
        let dqp = Tensor(uninitialized: [tokens, m]), dkp = Tensor(uninitialized: [tokens, m])
        let dkptv = Tensor(uninitialized: [e, m]), dkSum = Tensor(uninitialized: [m]), dz = Tensor(uninitialized: [tokens, m])
        for b in 0..<batch {
            let base = kqv.data + b * tokens * 3 * e, target = dkqv.data + b * tokens * 3 * e
            let (qp, kp) = (saved.qp.data + b * tokens * m, saved.kp.data + b * tokens * m)
            let (kSum, kvSum) = (saved.kpSum.data + b * m, saved.kptv.data + b * e * m)
            for t in 0..<tokens {
                let row = (b * tokens + t) * e
                let (gradient, num, den) = (g.data + row, saved.numerator.data + row, saved.denominator.data + row)
                var total: Float = 0
                for n in 0..<e {
                    dnum.data[t * e + n] = gradient[n] / den[n]
                    total -= gradient[n] * num[n] / (den[n] * den[n])
                }
                dD.data[t] = total
                counters.elementwise += e
            }
            // num = q'·kptvᵀ: dq' = dnum·kptv (T, e)·(e, m); dkptv = dnumᵀ·q' (e, T)·(T, m).
            counters.inputGradientMacs += GEMM.multiply(
                m: tokens, n: m, k: e, a: dnum.data, aRowStride: e, aColStride: 1, b: kvSum, bRowStride: m, bColStride: 1,
                c: dqp.data, cRowStride: m, threads: threads)
            counters.inputGradientMacs += GEMM.multiply(
                m: e, n: m, k: tokens, a: dnum.data, aRowStride: 1, aColStride: e, b: qp, bRowStride: m, bColStride: 1,
                c: dkptv.data, cRowStride: m, threads: threads)
            // D = q'·Σₜ k': dq' += dD ⊗ Σₜ k'; dΣₜ k' = dDᵀ·q'.
            dkSum.data.initialize(repeating: 0, count: m)
            for t in 0..<tokens {
                let (row, d) = (dqp.data + t * m, dD.data[t])
                for f in 0..<m {
                    row[f] += d * kSum[f]
                    dkSum.data[f] += d * qp[t * m + f]
                }
                counters.inputGradientMacs += 2 * m
            }
            // kptv = Σₜ v⊗k': dv = k'·dkptvᵀ (T, m)·(m, e); dk' = v·dkptv (T, e)·(e, m).
            counters.inputGradientMacs += GEMM.multiply(
                m: tokens, n: e, k: m, a: kp, aRowStride: m, aColStride: 1, b: dkptv.data, bRowStride: 1, bColStride: m,
                c: target + 2 * e, cRowStride: 3 * e, threads: threads)
            counters.inputGradientMacs += GEMM.multiply(
                m: tokens, n: m, k: e, a: base + 2 * e, aRowStride: 3 * e, aColStride: 1, b: dkptv.data, bRowStride: m,
                bColStride: 1, c: dkp.data, cRowStride: m, threads: threads)
            for (features, exponentials, offset, broadcast) in [(dkp, saved.expK, 0, true), (dqp, saved.expQ, e, false)] {
                var totals = [Float](repeating: 0, count: tokens)
                for t in 0..<tokens {
                    let (incoming, exponential) = (features.data + t * m, exponentials.data + (b * tokens + t) * m)
                    let row = dz.data + t * m
                    if broadcast { Rows.zip(incoming, dkSum.data, row, count: m, +) } else { row.update(from: incoming, count: m) }
                    Rows.zip(row, exponential, row, count: m) { $0 * $1 / root }
                    totals[t] = Rows.sum(row, m)
                    counters.elementwise += m
                }
                // dx = dz·w (T, m)·(m, e), then the |x|²/2 term: − Σ dz · x.
                counters.inputGradientMacs += GEMM.multiply(
                    m: tokens, n: e, k: m, a: dz.data, aRowStride: m, aColStride: 1, b: projection.data, bRowStride: e,
                    bColStride: 1, c: target + offset, cRowStride: 3 * e, threads: threads)
                for t in 0..<tokens {
                    let (row, x, total) = (target + t * 3 * e + offset, base + t * 3 * e + offset, totals[t])
                    Rows.zip(row, x, row, count: e) { $0 - total * $1 }
                    counters.elementwise += e
                }
            }
        }
        return dkqv
    }
}
