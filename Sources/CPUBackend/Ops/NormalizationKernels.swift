import ArchGraph
import Foundation

extension NaiveKernels {
    func layerNorm(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters
    ) -> Tensor {
        layerNormTraining(x, width: width, weight: weight, bias: bias, eps: eps, threads: threads, &counters).output
    }

    func layerNormTraining(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, mean: Tensor, rstd: Tensor) {
        let out = Tensor(zeros: x.shape)
        let rows = x.count / width
        let means = Tensor(zeros: [rows]), inverses = Tensor(zeros: [rows])
        for r in 0..<rows {
            let row = x.data + r * width
            var mean: Double = 0
            for i in 0..<width { mean += Double(row[i]) }
            mean /= Double(width)
            var variance: Double = 0
            for i in 0..<width { variance += (Double(row[i]) - mean) * (Double(row[i]) - mean) }
            variance /= Double(width)
            let inverse = 1 / (variance + Double(eps)).squareRoot()
            for i in 0..<width {
                out.data[r * width + i] = Float((Double(row[i]) - mean) * inverse) * weight.data[i] + bias.data[i]
            }
            means.data[r] = Float(mean)
            inverses.data[r] = Float(inverse)
        }
        counters.elementwise += x.count
        return (out, means, inverses)
    }

    func batchNorm(
        _ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: Float,
        _ counters: inout Counters
    ) -> Tensor {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let out = Tensor(zeros: x.shape)
        for b in 0..<batch {
            for c in 0..<channels {
                let scale = weight.data[c] / (variance.data[c] + eps).squareRoot()
                for p in 0..<pixels {
                    let i = (b * channels + c) * pixels + p
                    out.data[i] = (x.data[i] - mean.data[c]) * scale + bias.data[c]
                }
            }
        }
        counters.elementwise += x.count
        return out
    }
}

extension OptimizedKernels {
    /// Rows in parallel, 16 lanes at a time: the mean, the variance about it, then the affine map.
    func layerNorm(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters
    ) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        counters.elementwise += normalizeRows(x, width: width, weight: weight, bias: bias, eps: eps, into: out, threads: threads)
        return out
    }

    func layerNormTraining(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, mean: Tensor, rstd: Tensor) {
        let out = Tensor(uninitialized: x.shape)
        let means = Tensor(uninitialized: [x.count / width]), inverses = Tensor(uninitialized: [x.count / width])
        counters.elementwise += normalizeRows(
            x, width: width, weight: weight, bias: bias, eps: eps, into: out, mean: means.data, rstd: inverses.data,
            threads: threads)
        return (out, means, inverses)
    }

    /// Layer norm of each run of `width` into `out`, writing each run's statistics when asked.
    /// - Returns: the elements of the rows it ran.
    private func normalizeRows(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, into out: Tensor,
        mean means: UnsafeMutablePointer<Float>? = nil, rstd inverses: UnsafeMutablePointer<Float>? = nil, threads: Int
    ) -> Int {
        Rows.forEach(x.count / width, width: width, threads: threads) { r in
            let row = x.data + r * width, target = out.data + r * width
            let mean = Rows.sum(row, width) / Float(width)
            var squares = Vec(), i = 0
            while i + 16 <= width {
                let d = Vec.load(row + i) - mean
                squares += d * d
                i += 16
            }
            var variance = VectorMath.horizontalSum(squares)
            while i < width { variance += (row[i] - mean) * (row[i] - mean); i += 1 }
            let inverse = 1 / (variance / Float(width) + eps).squareRoot()
            means?[r] = mean
            inverses?[r] = inverse
            i = 0
            while i + 16 <= width {
                ((Vec.load(row + i) - mean) * inverse * Vec.load(weight.data + i) + Vec.load(bias.data + i)).store(target + i)
                i += 16
            }
            while i < width { target[i] = (row[i] - mean) * inverse * weight.data[i] + bias.data[i]; i += 1 }
        }
    }

    /// One scale and shift per channel, folded from the statistics, mapped over each plane.
    func batchNorm(
        _ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: Float,
        _ counters: inout Counters
    ) -> Tensor {
        let (channels, pixels) = (x.shape[1], x.shape[2] * x.shape[3])
        let out = Tensor(uninitialized: x.shape)
        for plane in 0..<(x.shape[0] * channels) {
            let c = plane % channels
            let scale = weight.data[c] / (variance.data[c] + eps).squareRoot()
            let shift = bias.data[c] - mean.data[c] * scale
            VectorMath.map(x.data + plane * pixels, out.data + plane * pixels, count: pixels) { $0 * scale + shift }
            counters.elementwise += pixels
        }
        return out
    }
}

// Training: batch norm with the batch's statistics, and the norms' backward. Each norm keeps
// its input and one mean and reciprocal standard deviation per statistic (float32).

extension Keeps {
    /// Layer norm (and qk-norm's per-head layer norm) keeps its input and each row's statistics.
    static let layerNorm: [Keep] = [.input, .made("mean"), .made("rstd")]
    /// Batch norm in training keeps its input and each channel's statistics.
    static let batchNorm: [Keep] = [.input, .made("mean"), .made("rstd")]
}

extension NaiveKernels {
    func batchNormTraining(
        _ x: Tensor, weight: Tensor, bias: Tensor, eps: Float, _ counters: inout Counters
    ) -> (output: Tensor, mean: Tensor, rstd: Tensor) {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let out = Tensor(zeros: x.shape), means = Tensor(zeros: [channels]), inverses = Tensor(zeros: [channels])
        let samples = Double(batch * pixels)
        for c in 0..<channels {
            var mean: Double = 0
            for b in 0..<batch { for p in 0..<pixels { mean += Double(x.data[(b * channels + c) * pixels + p]) } }
            mean /= samples
            var variance: Double = 0
            for b in 0..<batch {
                for p in 0..<pixels {
                    let d = Double(x.data[(b * channels + c) * pixels + p]) - mean
                    variance += d * d
                }
            }
            let inverse = 1 / (variance / samples + Double(eps)).squareRoot()
            for b in 0..<batch {
                for p in 0..<pixels {
                    let i = (b * channels + c) * pixels + p
                    out.data[i] = Float((Double(x.data[i]) - mean) * inverse) * weight.data[c] + bias.data[c]
                }
            }
            means.data[c] = Float(mean)
            inverses.data[c] = Float(inverse)
        }
        counters.elementwise += x.count
        return (out, means, inverses)
    }

    func layerNormBackward(
        _ g: Tensor, input x: Tensor, mean: Tensor, rstd: Tensor, width: Int, weight: Tensor, needs: GradientNeeds,
        threads: Int, _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let rows = x.count / width
        let dx = needs.input(0) ? Tensor(zeros: x.shape) : nil
        let dw = needs.parameters ? Tensor(zeros: [width]) : nil, db = needs.parameters ? Tensor(zeros: [width]) : nil
        for r in 0..<rows {
            let (mu, inverse) = (Double(mean.data[r]), Double(rstd.data[r]))
            func normalized(_ i: Int) -> Double { (Double(x.data[r * width + i]) - mu) * inverse }
            if let dx {
                var sum: Double = 0, dot: Double = 0
                for i in 0..<width {
                    let d = Double(g.data[r * width + i]) * Double(weight.data[i])
                    sum += d
                    dot += d * normalized(i)
                }
                for i in 0..<width {
                    let d = Double(g.data[r * width + i]) * Double(weight.data[i])
                    dx.data[r * width + i] = Float(inverse * (d - sum / Double(width) - normalized(i) * dot / Double(width)))
                }
                counters.elementwise += width
            }
            if let dw, let db {
                for i in 0..<width {
                    dw.data[i] += Float(Double(g.data[r * width + i]) * normalized(i))
                    db.data[i] += g.data[r * width + i]
                }
                counters.elementwise += width
            }
        }
        return (dx, dw, db)
    }

    func batchNormBackward(
        _ g: Tensor, input x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor, needs: GradientNeeds,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let dx = needs.input(0) ? Tensor(zeros: x.shape) : nil
        let dw = needs.parameters ? Tensor(zeros: [channels]) : nil, db = needs.parameters ? Tensor(zeros: [channels]) : nil
        let samples = Double(batch * pixels)
        for c in 0..<channels {
            let (mu, inverse) = (Double(mean.data[c]), Double(rstd.data[c]))
            var sum: Double = 0, dot: Double = 0
            for b in 0..<batch {
                for p in 0..<pixels {
                    let i = (b * channels + c) * pixels + p
                    sum += Double(g.data[i])
                    dot += Double(g.data[i]) * (Double(x.data[i]) - mu) * inverse
                }
            }
            if let dw, let db {
                dw.data[c] = Float(dot)
                db.data[c] = Float(sum)
                counters.elementwise += batch * pixels
            }
            if let dx {
                let scale = Double(weight.data[c]) * inverse
                for b in 0..<batch {
                    for p in 0..<pixels {
                        let i = (b * channels + c) * pixels + p
                        let normalized = (Double(x.data[i]) - mu) * inverse
                        dx.data[i] = Float(scale * (Double(g.data[i]) - sum / samples - normalized * dot / samples))
                    }
                }
                counters.elementwise += batch * pixels
            }
        }
        return (dx, dw, db)
    }
}

extension OptimizedKernels {
    /// Per channel: the mean and variance over the batch's planes, 16 lanes at a time, then one
    /// scale and shift mapped over each plane.
    func batchNormTraining(
        _ x: Tensor, weight: Tensor, bias: Tensor, eps: Float, _ counters: inout Counters
    ) -> (output: Tensor, mean: Tensor, rstd: Tensor) {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let out = Tensor(uninitialized: x.shape)
        let means = Tensor(uninitialized: [channels]), inverses = Tensor(uninitialized: [channels])
        let samples = Float(batch * pixels)
        for c in 0..<channels {
            var total: Float = 0
            for b in 0..<batch { total += Rows.sum(x.data + (b * channels + c) * pixels, pixels) }
            let mean = total / samples
            var variance: Float = 0
            for b in 0..<batch { variance += Self.squaredDeviations(x.data + (b * channels + c) * pixels, pixels, about: mean) }
            let inverse = 1 / (variance / samples + eps).squareRoot()
            let scale = weight.data[c] * inverse, shift = bias.data[c] - mean * scale
            for b in 0..<batch {
                let plane = (b * channels + c) * pixels
                VectorMath.map(x.data + plane, out.data + plane, count: pixels) { $0 * scale + shift }
                counters.elementwise += pixels
            }
            means.data[c] = mean
            inverses.data[c] = inverse
        }
        return (out, means, inverses)
    }

    /// `Σ (p[i] − mean)²` over `count` elements, 16 lanes at a time.
    private static func squaredDeviations(_ p: UnsafePointer<Float>, _ count: Int, about mean: Float) -> Float {
        var squares = Vec(), i = 0
        while i + 16 <= count {
            let d = Vec.load(p + i) - mean
            squares += d * d
            i += 16
        }
        var total = VectorMath.horizontalSum(squares)
        while i < count { total += (p[i] - mean) * (p[i] - mean); i += 1 }
        return total
    }

    /// The input's gradient rows in parallel (two row sums, then one pass), 16 lanes at a time;
    /// the scale and shift gradients by one pass over the rows.
    func layerNormBackward(
        _ g: Tensor, input x: Tensor, mean: Tensor, rstd: Tensor, width: Int, weight: Tensor, needs: GradientNeeds,
        threads: Int, _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let rows = x.count / width
        var dx: Tensor? = nil, dw: Tensor? = nil, db: Tensor? = nil
        let gamma = weight.data
        if needs.input(0) {
            let grad = Tensor(uninitialized: x.shape)
            counters.elementwise += Rows.forEach(rows, width: width, threads: threads) { r in
                let (row, gradient, target) = (x.data + r * width, g.data + r * width, grad.data + r * width)
                let (mu, inverse) = (mean.data[r], rstd.data[r])
                var sums = Vec(), dots = Vec(), i = 0
                while i + 16 <= width {
                    let d = Vec.load(gradient + i) * Vec.load(gamma + i)
                    sums += d
                    dots += d * (Vec.load(row + i) - mu) * inverse
                    i += 16
                }
                var sum = VectorMath.horizontalSum(sums), dot = VectorMath.horizontalSum(dots)
                for j in i..<width {
                    let d = gradient[j] * gamma[j]
                    sum += d
                    dot += d * (row[j] - mu) * inverse
                }
                let (a, b) = (sum / Float(width), dot / Float(width))
                i = 0
                while i + 16 <= width {
                    let normalized = (Vec.load(row + i) - mu) * inverse
                    (inverse * (Vec.load(gradient + i) * Vec.load(gamma + i) - a - normalized * b)).store(target + i)
                    i += 16
                }
                for j in i..<width { target[j] = inverse * (gradient[j] * gamma[j] - a - (row[j] - mu) * inverse * b) }
            }
            dx = grad
        }
        if needs.parameters {
            let (scale, shift) = (Tensor(zeros: [width]), Tensor(zeros: [width]))
            for r in 0..<rows {
                let (row, gradient) = (x.data + r * width, g.data + r * width)
                let (mu, inverse) = (mean.data[r], rstd.data[r])
                var i = 0
                while i + 16 <= width {
                    let d = Vec.load(gradient + i)
                    (Vec.load(scale.data + i) + d * (Vec.load(row + i) - mu) * inverse).store(scale.data + i)
                    (Vec.load(shift.data + i) + d).store(shift.data + i)
                    i += 16
                }
                for j in i..<width {
                    scale.data[j] += gradient[j] * (row[j] - mu) * inverse
                    shift.data[j] += gradient[j]
                }
                counters.elementwise += width
            }
            (dw, db) = (scale, shift)
        }
        return (dx, dw, db)
    }

    /// Per channel: the two sums over its planes, then the input's gradient plane by plane.
    func batchNormBackward(
        _ g: Tensor, input x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor, needs: GradientNeeds,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let (batch, channels, pixels) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        let dx = needs.input(0) ? Tensor(uninitialized: x.shape) : nil
        let dw = needs.parameters ? Tensor(uninitialized: [channels]) : nil
        let db = needs.parameters ? Tensor(uninitialized: [channels]) : nil
        let samples = Float(batch * pixels)
        for c in 0..<channels {
            let (mu, inverse) = (mean.data[c], rstd.data[c])
            var sum: Float = 0, dot: Float = 0
            for b in 0..<batch {
                let plane = (b * channels + c) * pixels
                let (gradient, row) = (g.data + plane, x.data + plane)
                var sums = Vec(), dots = Vec(), i = 0
                while i + 16 <= pixels {
                    let d = Vec.load(gradient + i)
                    sums += d
                    dots += d * (Vec.load(row + i) - mu)
                    i += 16
                }
                sum += VectorMath.horizontalSum(sums)
                var tail = VectorMath.horizontalSum(dots)
                for j in i..<pixels {
                    sum += gradient[j]
                    tail += gradient[j] * (row[j] - mu)
                }
                dot += tail * inverse
            }
            if let dw, let db {
                dw.data[c] = dot
                db.data[c] = sum
                counters.elementwise += batch * pixels
            }
            if let dx {
                let scale = weight.data[c] * inverse, a = sum / samples, b = dot / samples
                for image in 0..<batch {
                    let plane = (image * channels + c) * pixels
                    Rows.zip(g.data + plane, x.data + plane, dx.data + plane, count: pixels) { d, v in
                        scale * (d - a - (v - mu) * inverse * b)
                    }
                    counters.elementwise += pixels
                }
            }
        }
        return (dx, dw, db)
    }
}
