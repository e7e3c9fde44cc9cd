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

// Training: max pooling with the index of each maximum, and the pools' backward.

extension Keeps {
    /// Max pooling keeps its input and the int64 index of every maximum.
    static let maxPool2d: [Keep] = [.input, .made("indices")]
    /// A mean keeps nothing but sizes.
    static let meanPool: [Keep] = []
    /// The maximum over tokens keeps its input and output (the gradient goes to every maximum).
    static let maxTokens: [Keep] = [.input, .output]
}

extension NaiveKernels {
    /// The forward's loop, remembering the first maximum of each window in scan order (as
    /// PyTorch does); a window of padding alone has index −1.
    func maxPool2dTraining(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> (output: Tensor, indices: [Int]) {
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outH, outW) = window.outputSize(height: height, width: width)
        let out = Tensor(zeros: [batch, channels, outH, outW])
        var indices = [Int](repeating: -1, count: out.count)
        for plane in 0..<(batch * channels) {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    var best = -Float.infinity, index = -1
                    for ky in 0..<window.kernelHeight {
                        for kx in 0..<window.kernelWidth {
                            counters.elementwise += 1
                            let iy = oy * window.strideHeight - window.paddingHeight + ky
                            let ix = ox * window.strideWidth - window.paddingWidth + kx
                            guard iy >= 0, iy < height, ix >= 0, ix < width else { continue }
                            let i = (plane * height + iy) * width + ix
                            if index < 0 || x.data[i] > best { (best, index) = (x.data[i], i) }
                        }
                    }
                    out.data[(plane * outH + oy) * outW + ox] = best
                    indices[(plane * outH + oy) * outW + ox] = index
                }
            }
        }
        return (out, indices)
    }

    func maxPool2dBackward(_ g: Tensor, indices: [Int], inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let dx = Tensor(zeros: shape)
        for o in 0..<g.count where indices[o] >= 0 { dx.data[indices[o]] += g.data[o] }
        counters.elementwise += g.count
        return dx
    }

    func globalAveragePoolBackward(_ g: Tensor, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let pixels = shape[2] * shape[3]
        let dx = Tensor(zeros: shape)
        for plane in 0..<g.count {
            for p in 0..<pixels { dx.data[plane * pixels + p] = g.data[plane] / Float(pixels) }
        }
        counters.elementwise += dx.count
        return dx
    }

    func meanTokensBackward(_ g: Tensor, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let (batch, tokens, channels) = (shape[0], shape[1], shape[2])
        let dx = Tensor(zeros: shape)
        for b in 0..<batch {
            for t in 0..<tokens {
                for c in 0..<channels { dx.data[(b * tokens + t) * channels + c] = g.data[b * channels + c] / Float(tokens) }
            }
        }
        counters.elementwise += dx.count
        return dx
    }

    /// `amax`'s gradient: each channel's output gradient shared evenly by its maximal tokens.
    func maxTokensBackward(_ g: Tensor, input x: Tensor, output y: Tensor, _ counters: inout BackwardCounters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let dx = Tensor(zeros: x.shape)
        for b in 0..<batch {
            for c in 0..<channels {
                let largest = y.data[b * channels + c]
                var ties = 0
                for t in 0..<tokens where x.data[(b * tokens + t) * channels + c] == largest { ties += 1 }
                for t in 0..<tokens {
                    let i = (b * tokens + t) * channels + c
                    dx.data[i] = x.data[i] == largest ? g.data[b * channels + c] / Float(ties) : 0
                }
            }
        }
        counters.elementwise += dx.count
        return dx
    }
}

extension OptimizedKernels {
    /// As the forward, the reference loop serves both kernel sets.
    func maxPool2dTraining(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> (output: Tensor, indices: [Int]) {
        NaiveKernels().maxPool2dTraining(x, window, &counters)
    }

    func maxPool2dBackward(_ g: Tensor, indices: [Int], inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        NaiveKernels().maxPool2dBackward(g, indices: indices, inputShape: shape, &counters)
    }

    func globalAveragePoolBackward(_ g: Tensor, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let pixels = shape[2] * shape[3]
        let dx = Tensor(uninitialized: shape)
        for plane in 0..<g.count {
            (dx.data + plane * pixels).initialize(repeating: g.data[plane] / Float(pixels), count: pixels)
            counters.elementwise += pixels
        }
        return dx
    }

    /// Each token's row is the output gradient over the token count, 16 lanes at a time.
    func meanTokensBackward(_ g: Tensor, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let (batch, tokens, channels) = (shape[0], shape[1], shape[2])
        let dx = Tensor(uninitialized: shape), scale = 1 / Float(tokens)
        for b in 0..<batch {
            for t in 0..<tokens {
                VectorMath.map(g.data + b * channels, dx.data + (b * tokens + t) * channels, count: channels) { $0 * scale }
                counters.elementwise += channels
            }
        }
        return dx
    }

    /// Per image: the maxima's tie counts over the token rows, then each row's gradient, 16
    /// lanes at a time.
    func maxTokensBackward(_ g: Tensor, input x: Tensor, output y: Tensor, _ counters: inout BackwardCounters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let dx = Tensor(uninitialized: x.shape), shares = Tensor(uninitialized: [channels])
        for b in 0..<batch {
            let largest = y.data + b * channels
            shares.data.initialize(repeating: 0, count: channels)
            for t in 0..<tokens {
                let row = x.data + (b * tokens + t) * channels
                for c in 0..<channels where row[c] == largest[c] { shares.data[c] += 1 }
            }
            Rows.zip(g.data + b * channels, shares.data, shares.data, count: channels, /)
            for t in 0..<tokens {
                let (row, target) = (x.data + (b * tokens + t) * channels, dx.data + (b * tokens + t) * channels)
                var c = 0
                while c + 16 <= channels {
                    Vec().replacing(with: Vec.load(shares.data + c), where: Vec.load(row + c) .== Vec.load(largest + c)).store(target + c)
                    c += 16
                }
                for j in c..<channels { target[j] = row[j] == largest[j] ? shares.data[j] : 0 }
                counters.elementwise += channels
            }
        }
        return dx
    }
}
