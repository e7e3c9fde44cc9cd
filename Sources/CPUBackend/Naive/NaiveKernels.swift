import ArchGraph
import Foundation

/// The reference kernels: direct loops in the order the definitions read, scalar libm functions,
/// no blocking, no threads. Tests compare every optimised kernel against these.
struct NaiveKernels: KernelSet {
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, _ conv: Conv2d, threads: Int,
                _ counters: inout Counters) -> Tensor {
        let (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3])
        let w = conv.window
        let (outH, outW) = w.outputSize(height: height, width: width)
        let groups = conv.groups, inPerGroup = conv.inChannels / groups, outPerGroup = conv.outChannels / groups
        let out = Tensor(zeros: [batch, conv.outChannels, outH, outW])
        for b in 0..<batch {
            for oc in 0..<conv.outChannels {
                let g = oc / outPerGroup
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var sum: Float = bias?.data[oc] ?? 0
                        for ic in 0..<inPerGroup {
                            for ky in 0..<w.kernelHeight {
                                for kx in 0..<w.kernelWidth {
                                    counters.macs += 1
                                    let iy = oy * w.strideHeight - w.paddingHeight + ky
                                    let ix = ox * w.strideWidth - w.paddingWidth + kx
                                    guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                    let input = x.data[((b * conv.inChannels + g * inPerGroup + ic) * height + iy) * width + ix]
                                    sum += input * weight.data[((oc * inPerGroup + ic) * w.kernelHeight + ky) * w.kernelWidth + kx]
                                }
                            }
                        }
                        out.data[((b * conv.outChannels + oc) * outH + oy) * outW + ox] = sum
                    }
                }
            }
        }
        return out
    }

    func linear(_ x: Tensor, weight: LinearWeight, bias: Tensor?, threads: Int, _ counters: inout Counters) -> Tensor {
        let weight = weight.tensor
        let (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0])
        let rows = x.rows
        let out = Tensor(zeros: x.shape.dropLast() + [outFeatures])
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum: Float = bias?.data[o] ?? 0
                for i in 0..<inFeatures { sum += x.data[r * inFeatures + i] * weight.data[o * inFeatures + i] }
                counters.macs += inFeatures
                out.data[r * outFeatures + o] = sum
            }
        }
        return out
    }

    func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters) -> Tensor {
        let width = x.lastAxis
        let out = Tensor(zeros: x.shape)
        for r in 0..<x.rows {
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

    func batchNorm(_ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: Float,
                   _ counters: inout Counters) -> Tensor {
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

    func activation(_ x: Tensor, _ kind: Activation, threads: Int, _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: x.shape)
        for i in 0..<x.count {
            let v = x.data[i]
            switch kind {
            case .gelu: out.data[i] = 0.5 * v * (1 + Foundation.erf(v / Float(2).squareRoot()))
            case .quickGELU: out.data[i] = v / (1 + Foundation.exp(-1.702 * v))
            case .relu: out.data[i] = max(v, 0)
            }
        }
        counters.elementwise += x.count
        return out
    }

    func add(_ a: Tensor, _ b: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: a.shape)
        for i in 0..<a.count { out.data[i] = a.data[i] + b.data[i] }
        counters.elementwise += a.count
        return out
    }

    func average(_ inputs: [Tensor], _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: inputs[0].shape)
        for i in 0..<out.count {
            var sum: Float = 0
            for input in inputs { sum += input.data[i] }
            out.data[i] = sum / Float(inputs.count)
        }
        counters.elementwise += out.count * inputs.count
        return out
    }

    func positionEmbedding(_ x: Tensor, _ table: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: x.shape)
        for i in 0..<x.count { out.data[i] = x.data[i] + table.data[i % table.count] }
        counters.elementwise += x.count
        return out
    }

    func unfold(_ x: Tensor, _ window: Window) -> Tensor {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let (kh, kw) = window.kernel
        let features = channels * kh * kw
        let out = Tensor(zeros: [batch, outH * outW, features])
        for b in 0..<batch {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    for c in 0..<channels {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * window.strideHeight - window.paddingHeight + ky
                                let ix = ox * window.strideWidth - window.paddingWidth + kx
                                guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                                let token = oy * outW + ox, feature = (c * kh + ky) * kw + kx
                                out.data[(b * outH * outW + token) * features + feature] =
                                    x.data[((b * channels + c) * height + iy) * width + ix]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
