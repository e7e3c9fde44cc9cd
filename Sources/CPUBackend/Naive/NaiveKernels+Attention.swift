import ArchGraph
import Foundation

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

    func maxPool2d(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let out = Tensor(zeros: [batch, channels, outH, outW])
        for plane in 0..<(batch * channels) {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var best = -Float.infinity
                    for ky in 0..<window.kernelHeight {
                        for kx in 0..<window.kernelWidth {
                            let iy = oy * window.strideHeight - window.paddingHeight + ky
                            let ix = ox * window.strideWidth - window.paddingWidth + kx
                            guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                            best = max(best, x.data[(plane * height + iy) * width + ix])
                        }
                    }
                    out.data[(plane * outH + oy) * outW + ox] = best
                }
            }
        }
        counters.elementwise += out.count * window.kernelHeight * window.kernelWidth
        return out
    }

    func globalAveragePool(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let pixels = x.shape[2] * x.shape[3]
        let out = Tensor(zeros: [x.shape[0], x.shape[1]])
        for plane in 0..<out.count {
            var sum: Float = 0
            for p in 0..<pixels { sum += x.data[plane * pixels + p] }
            out.data[plane] = sum / Float(pixels)
        }
        counters.elementwise += x.count
        return out
    }

    func meanTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(zeros: [batch, channels])
        for b in 0..<batch {
            for c in 0..<channels {
                var sum: Float = 0
                for t in 0..<tokens { sum += x.data[(b * tokens + t) * channels + c] }
                out.data[b * channels + c] = sum / Float(tokens)
            }
        }
        counters.elementwise += x.count
        return out
    }
}
