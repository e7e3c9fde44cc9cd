import ArchGraph
import Foundation

// Activations, sums, averages and position embeddings.

extension NaiveKernels {
    func activation(_ x: Tensor, _ kind: Activation, threads: Int, _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: x.shape)
        for i in 0..<x.count {
            let v = x.data[i]
            switch kind {
            case .gelu: out.data[i] = 0.5 * v * (1 + Foundation.erf(v / Float(2).squareRoot()))
            case .quickGELU: out.data[i] = v / (1 + Foundation.exp(-1.702 * v))
            // ½·v·(1 + tanh u) written as v·σ(2u), u = √(2/π)·(v + 0.044715·v³): no cancellation where tanh u ≈ −1.
            case .geluTanh: out.data[i] = v / (1 + Foundation.exp(-1.595_769_1 * (v + 0.044_715 * v * v * v)))
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

    func layerScale(_ x: Tensor, _ gamma: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: x.shape)
        for i in 0..<x.count { out.data[i] = x.data[i] * gamma.data[i % gamma.count] }
        counters.elementwise += x.count
        return out
    }
}

extension OptimizedKernels {
    /// Chunks of 4,096 elements in parallel, 16 lanes at a time.
    func activation(_ x: Tensor, _ kind: Activation, threads: Int, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let chunk = 4096
        counters.elementwise += Parallel.sum(count: (x.count + chunk - 1) / chunk, threads: x.count >= 2 * chunk ? threads : 1) { part in
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
            case .geluTanh:
                // ½·v·(1 + tanh u) = v·σ(2u), u = √(2/π)·(v + 0.044715·v³).
                VectorMath.map(x.data + start, out.data + start, count: count) { v in
                    v / (1 + VectorMath.exp(-1.595_769_1 * (v + 0.044_715 * v * v * v)))
                }
            case .relu:
                VectorMath.map(x.data + start, out.data + start, count: count) { v in
                    pointwiseMax(v, Vec())
                }
            }
            return count
        }
        return out
    }

    func add(_ a: Tensor, _ b: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: a.shape)
        counters.elementwise += Rows.zip(a.data, b.data, out.data, count: a.count, +)
        return out
    }

    func average(_ inputs: [Tensor], _ counters: inout Counters) -> Tensor {
        let out = Tensor(zeros: inputs[0].shape)
        for input in inputs { counters.elementwise += Rows.zip(out.data, input.data, out.data, count: out.count, +) }
        let scale = 1 / Float(inputs.count)
        VectorMath.map(out.data, out.data, count: out.count) { $0 * scale }
        return out
    }

    func positionEmbedding(_ x: Tensor, _ table: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        for b in 0..<(x.count / max(table.count, 1)) {
            counters.elementwise += Rows.zip(
                x.data + b * table.count, table.data, out.data + b * table.count,
                count: table.count, +)
        }
        return out
    }

    /// Each row times `γ`, 16 lanes at a time.
    func layerScale(_ x: Tensor, _ gamma: Tensor, _ counters: inout Counters) -> Tensor {
        let out = Tensor(uninitialized: x.shape)
        let width = gamma.count
        for r in 0..<(x.count / max(width, 1)) {
            counters.elementwise += Rows.zip(x.data + r * width, gamma.data, out.data + r * width, count: width, *)
        }
        return out
    }
}
