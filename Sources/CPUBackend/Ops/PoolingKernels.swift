import ArchGraph

// Max pooling, global average pooling and the token mean.

extension NaiveKernels {
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
                            counters.elementwise += 1
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

    func maxTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(zeros: [batch, channels])
        for b in 0..<batch {
            for c in 0..<channels {
                var largest = -Float.infinity
                for t in 0..<tokens { largest = max(largest, x.data[(b * tokens + t) * channels + c]) }
                out.data[b * channels + c] = largest
            }
        }
        counters.elementwise += x.count
        return out
    }
}

extension OptimizedKernels {
    /// Max pooling is one 3×3 window in ResNet's stem (well under 1% of its time), so the
    /// reference loop, which counts every tap it visits, serves both kernel sets.
    func maxPool2d(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> Tensor {
        NaiveKernels().maxPool2d(x, window, &counters)
    }

    func globalAveragePool(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let pixels = x.shape[2] * x.shape[3]
        let out = Tensor(uninitialized: [x.shape[0], x.shape[1]])
        for plane in 0..<out.count {
            out.data[plane] = Rows.sum(x.data + plane * pixels, pixels) / Float(pixels)
            counters.elementwise += pixels
        }
        return out
    }

    func meanTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(zeros: [batch, channels])
        for b in 0..<batch {
            for t in 0..<tokens {
                counters.elementwise += Rows.zip(
                    out.data + b * channels, x.data + (b * tokens + t) * channels,
                    out.data + b * channels, count: channels, +)
            }
        }
        VectorMath.map(out.data, out.data, count: out.count) { $0 / Float(tokens) }
        return out
    }

    /// Each token row folded into the running maximum, 16 lanes at a time.
    func maxTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(uninitialized: [batch, channels])
        for b in 0..<batch {
            let target = out.data + b * channels
            target.update(from: x.data + b * tokens * channels, count: channels)
            counters.elementwise += channels
            for t in 1..<max(tokens, 1) {
                counters.elementwise += Rows.zip(target, x.data + (b * tokens + t) * channels, target, count: channels) {
                    pointwiseMax($0, $1)
                }
            }
        }
        return out
    }
}
