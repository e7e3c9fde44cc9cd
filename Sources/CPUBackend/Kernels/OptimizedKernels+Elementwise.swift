import ArchGraph

extension OptimizedKernels {
    func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters) -> Tensor {
        let width = x.lastAxis
        let out = Tensor(uninitialized: x.shape)
        Rows.forEach(x.rows, width: width, threads: threads) { r in
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
        counters.elementwise += x.count
        return out
    }

    func batchNorm(_ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: Float,
                   _ counters: inout Counters) -> Tensor {
        let (channels, pixels) = (x.shape[1], x.shape[2] * x.shape[3])
        let out = Tensor(uninitialized: x.shape)
        for plane in 0..<(x.shape[0] * channels) {
            let c = plane % channels
            let scale = weight.data[c] / (variance.data[c] + eps).squareRoot()
            let shift = bias.data[c] - mean.data[c] * scale
            VectorMath.map(x.data + plane * pixels, out.data + plane * pixels, count: pixels) { $0 * scale + shift }
        }
        counters.elementwise += x.count
        return out
    }

    func activation(_ x: Tensor, _ kind: Activation, threads: Int, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let chunk = 4096
        Parallel.forEach(count: (x.count + chunk - 1) / chunk, threads: x.count >= 2 * chunk ? threads : 1) { part in
            let start = part * chunk, count = min(chunk, x.count - start)
            switch kind {
            case .gelu:
                VectorMath.map(x.data + start, out.data + start, count: count) { v in
                    0.5 * v * (1 + VectorMath.erf(v * 0.707_106_77))
                }
            case .quickGELU:
                VectorMath.map(x.data + start, out.data + start, count: count) { v in
                    v / (1 + VectorMath.exp(-1.702 * v))
                }
            case .relu:
                VectorMath.map(x.data + start, out.data + start, count: count) { v in
                    pointwiseMax(v, Vec())
                }
            }
        }
        counters.elementwise += x.count
        return out
    }

    func add(_ a: Tensor, _ b: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        Rows.zip(a.data, b.data, out.data, count: a.count, +)
        counters.elementwise += a.count
        return out
    }

    func average(_ inputs: [Tensor], _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: inputs[0].shape)
        for input in inputs { Rows.zip(out.data, input.data, out.data, count: out.count, +) }
        let scale = 1 / Float(inputs.count)
        VectorMath.map(out.data, out.data, count: out.count) { $0 * scale }
        counters.elementwise += out.count * inputs.count
        return out
    }

    func positionEmbedding(_ x: Tensor, _ table: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        for b in 0..<(x.count / max(table.count, 1)) {
            Rows.zip(x.data + b * table.count, table.data, out.data + b * table.count, count: table.count, +)
        }
        counters.elementwise += x.count
        return out
    }

    /// Max pooling is one 3×3 window in ResNet's stem (well under 1% of its time), so the
    /// reference loop serves both kernel sets.
    func maxPool2d(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> Tensor {
        NaiveKernels().maxPool2d(x, window, &counters)
    }

    func globalAveragePool(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let pixels = x.shape[2] * x.shape[3]
        let out = Tensor(uninitialized: [x.shape[0], x.shape[1]])
        for plane in 0..<out.count { out.data[plane] = Rows.sum(x.data + plane * pixels, pixels) / Float(pixels) }
        counters.elementwise += x.count
        return out
    }

    func meanTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor {
        let (batch, tokens, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let out = Tensor(zeros: [batch, channels])
        for b in 0..<batch {
            for t in 0..<tokens {
                Rows.zip(out.data + b * channels, x.data + (b * tokens + t) * channels, out.data + b * channels,
                         count: channels, +)
            }
        }
        VectorMath.map(out.data, out.data, count: out.count) { $0 / Float(tokens) }
        counters.elementwise += x.count
        return out
    }
}

extension SIMD16 where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }

    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
}

/// Row loops shared by the SIMD kernels.
enum Rows {
    /// Runs `body` for each of `rows` rows, split across threads when there is enough work.
    static func forEach(_ rows: Int, width: Int, threads: Int, _ body: (Int) -> Void) {
        let useThreads = threads > 1 && rows * width >= 16_384 ? threads : 1
        let chunk = (rows + useThreads * 4 - 1) / (useThreads * 4)
        guard chunk > 0 else { return }
        Parallel.forEach(count: (rows + chunk - 1) / chunk, threads: useThreads) { part in
            for r in (part * chunk)..<min(rows, (part + 1) * chunk) { body(r) }
        }
    }

    @inline(__always) static func sum(_ p: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc = Vec(), i = 0
        while i + 16 <= count { acc += Vec.load(p + i); i += 16 }
        var total = VectorMath.horizontalSum(acc)
        while i < count { total += p[i]; i += 1 }
        return total
    }

    @inline(__always) static func zip(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                      count: Int, _ f: (Vec, Vec) -> Vec) {
        var i = 0
        while i + 16 <= count { f(Vec.load(a + i), Vec.load(b + i)).store(y + i); i += 16 }
        if i < count {
            VectorMath.store(f(VectorMath.load(a + i, count: count - i), VectorMath.load(b + i, count: count - i)),
                             y + i, count: count - i)
        }
    }
}
