import ArchGraph
import Foundation

extension NaiveKernels {
    func layerNorm(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters
    ) -> Tensor {
        let out = Tensor(zeros: x.shape)
        for r in 0..<(x.count / width) {
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
        }
        counters.elementwise += x.count
        return out
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
        counters.elementwise += Rows.forEach(x.count / width, width: width, threads: threads) { r in
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
            i = 0
            while i + 16 <= width {
                ((Vec.load(row + i) - mean) * inverse * Vec.load(weight.data + i) + Vec.load(bias.data + i)).store(target + i)
                i += 16
            }
            while i < width { target[i] = (row[i] - mean) * inverse * weight.data[i] + bias.data[i]; i += 1 }
        }
        return out
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
