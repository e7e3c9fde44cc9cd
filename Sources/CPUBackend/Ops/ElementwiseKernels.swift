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
            let start = part * chunk
            return Self.activate(kind, x.data + start, out.data + start, count: min(chunk, x.count - start))
        }
        return out
    }

    /// `y = kind(x)` over `count` elements (`y` may be `x`). - Returns: `count`.
    static func activate(_ kind: Activation, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) -> Int {
        switch kind {
        case .gelu:
            VectorMath.geluRows(x, y, count: count)
        case .quickGELU:
            VectorMath.map(x, y, count: count) { v in v / (1 + VectorMath.exp(-1.702 * v)) }
        case .geluTanh:
            // ½·v·(1 + tanh u) = v·σ(2u), u = √(2/π)·(v + 0.044715·v³).
            VectorMath.map(x, y, count: count) { v in v / (1 + VectorMath.exp(-1.595_769_1 * (v + 0.044_715 * v * v * v))) }
        case .relu:
            VectorMath.map(x, y, count: count) { v in pointwiseMax(v, Vec()) }
        }
        return count
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

// Training: QuickGELU with its sigmoid, and the backward of activations, sums, averages,
// position embeddings and LayerScale.

extension Keeps {
    /// GELU (erf or tanh) keeps its input, ReLU its output, QuickGELU its input and `σ(1.702 x)`.
    static func activation(_ kind: Activation) -> [Keep] {
        switch kind {
        case .gelu, .geluTanh: [.input]
        case .relu: [.output]
        case .quickGELU: [.input, .made("sigmoid")]
        }
    }
    /// Sums, averages, broadcast tokens and position embeddings keep nothing.
    static let combine: [Keep] = []
    /// LayerScale keeps its input (γ's gradient reads it); γ is a parameter.
    static let layerScale: [Keep] = [.input]
}

/// The derivatives of the activations, `dy/dx`, in float32 (`Vec` for the optimised kernels).
private enum Derivative {
    static let tanhScale: Float = 1.595_769_1, cubic: Float = 0.044_715, quick: Float = 1.702

    static func gelu(_ v: Float) -> Float {
        0.5 * (1 + Foundation.erf(v / Float(2).squareRoot())) + v * Foundation.exp(-0.5 * v * v) * 0.398_942_28
    }

    /// `y = v·s`, `s = σ(2u)`: `s + v·s·(1 − s)·2u′`.
    static func geluTanh(_ v: Float) -> Float {
        let s = 1 / (1 + Foundation.exp(-tanhScale * (v + cubic * v * v * v)))
        return s + v * s * (1 - s) * tanhScale * (1 + 3 * cubic * v * v)
    }

    static func quickGELU(_ v: Float, sigmoid s: Float) -> Float { s + quick * v * s * (1 - s) }

    static func geluTanh(_ v: Vec) -> Vec {
        let s = 1 / (1 + VectorMath.exp(-tanhScale * (v + cubic * v * v * v)))
        return s + v * s * (1 - s) * tanhScale * (1 + 3 * cubic * v * v)
    }

    static func quickGELU(_ v: Vec, sigmoid s: Vec) -> Vec { s + quick * v * s * (1 - s) }
}

extension NaiveKernels {
    func quickGELUTraining(_ x: Tensor, threads: Int, _ counters: inout Counters) -> (output: Tensor, sigmoid: Tensor) {
        let out = Tensor(zeros: x.shape), sigmoid = Tensor(zeros: x.shape)
        for i in 0..<x.count {
            sigmoid.data[i] = 1 / (1 + Foundation.exp(-1.702 * x.data[i]))
            out.data[i] = x.data[i] * sigmoid.data[i]
        }
        counters.elementwise += x.count
        return (out, sigmoid)
    }

    func activationBackward(_ g: Tensor, _ kept: ActivationKept, threads: Int, _ counters: inout BackwardCounters) -> Tensor {
        let dx = Tensor(zeros: g.shape)
        for i in 0..<g.count {
            let slope: Float =
                switch kept {
                case .gelu(let x): Derivative.gelu(x.data[i])
                case .geluTanh(let x): Derivative.geluTanh(x.data[i])
                case .quickGELU(let x, let sigmoid): Derivative.quickGELU(x.data[i], sigmoid: sigmoid.data[i])
                case .relu(let y): y.data[i] > 0 ? 1 : 0
                }
            dx.data[i] = g.data[i] * slope
        }
        counters.elementwise += g.count
        return dx
    }

    func layerScaleBackward(
        _ g: Tensor, input x: Tensor, gamma: Tensor, needs: GradientNeeds, _ counters: inout BackwardCounters
    ) -> (input: Tensor?, gamma: Tensor?) {
        let dx = needs.input(0) ? Tensor(zeros: x.shape) : nil, dgamma = needs.parameters ? Tensor(zeros: gamma.shape) : nil
        for i in 0..<g.count {
            dx?.data[i] = g.data[i] * gamma.data[i % gamma.count]
            dgamma?.data[i % gamma.count] += g.data[i] * x.data[i]
        }
        if dx != nil { counters.elementwise += g.count }
        if dgamma != nil { counters.elementwise += g.count }
        return (dx, dgamma)
    }

    func averageBackward(_ g: Tensor, count: Int, _ counters: inout BackwardCounters) -> Tensor {
        let dx = Tensor(zeros: g.shape)
        for i in 0..<g.count { dx.data[i] = g.data[i] / Float(count) }
        counters.elementwise += g.count
        return dx
    }

    func batchSum(_ g: Tensor, into shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let sum = Tensor(zeros: shape)
        for i in 0..<g.count { sum.data[i % sum.count] += g.data[i] }
        counters.elementwise += g.count
        return sum
    }
}

extension OptimizedKernels {
    /// Chunks of 4,096 elements in parallel, 16 lanes at a time.
    func quickGELUTraining(_ x: Tensor, threads: Int, _ counters: inout Counters) -> (output: Tensor, sigmoid: Tensor) {
        let out = Tensor(uninitialized: x.shape), sigmoid = Tensor(uninitialized: x.shape)
        counters.elementwise += Self.chunks(x.count, threads: threads) { start, count in
            VectorMath.map(x.data + start, sigmoid.data + start, count: count) { 1 / (1 + VectorMath.exp(-1.702 * $0)) }
            Rows.zip(x.data + start, sigmoid.data + start, out.data + start, count: count, *)
        }
        return (out, sigmoid)
    }

    /// `g · dy/dx` from what the activation kept, 4,096 elements per part, 16 lanes at a time.
    func activationBackward(_ g: Tensor, _ kept: ActivationKept, threads: Int, _ counters: inout BackwardCounters) -> Tensor {
        let dx = Tensor(uninitialized: g.shape)
        counters.elementwise += Self.chunks(g.count, threads: threads) { start, count in
            let (gradient, target) = (g.data + start, dx.data + start)
            switch kept {
            case .gelu(let x): VectorMath.geluBackwardRows(gradient, x.data + start, target, count: count)
            case .geluTanh(let x): Rows.zip(gradient, x.data + start, target, count: count) { $0 * Derivative.geluTanh($1) }
            case .quickGELU(let x, let sigmoid):
                Rows.zip(x.data + start, sigmoid.data + start, target, count: count) { Derivative.quickGELU($0, sigmoid: $1) }
                Rows.zip(gradient, target, target, count: count, *)
            case .relu(let y):
                Rows.zip(gradient, y.data + start, target, count: count) { d, y in
                    var masked = d
                    masked.replace(with: 0, where: y .<= 0)
                    return masked
                }
            }
        }
        return dx
    }

    /// Row by row against γ, 16 lanes at a time.
    func layerScaleBackward(
        _ g: Tensor, input x: Tensor, gamma: Tensor, needs: GradientNeeds, _ counters: inout BackwardCounters
    ) -> (input: Tensor?, gamma: Tensor?) {
        let width = gamma.count
        let dx = needs.input(0) ? Tensor(uninitialized: x.shape) : nil, dgamma = needs.parameters ? Tensor(zeros: gamma.shape) : nil
        for r in 0..<(g.count / max(width, 1)) {
            let (gradient, row) = (g.data + r * width, x.data + r * width)
            if let dx { counters.elementwise += Rows.zip(gradient, gamma.data, dx.data + r * width, count: width, *) }
            if let dgamma {
                var i = 0
                while i + 16 <= width {
                    (Vec.load(dgamma.data + i) + Vec.load(gradient + i) * Vec.load(row + i)).store(dgamma.data + i)
                    i += 16
                }
                for j in i..<width { dgamma.data[j] += gradient[j] * row[j] }
                counters.elementwise += width
            }
        }
        return (dx, dgamma)
    }

    func averageBackward(_ g: Tensor, count: Int, _ counters: inout BackwardCounters) -> Tensor {
        let dx = Tensor(uninitialized: g.shape), scale = 1 / Float(count)
        VectorMath.map(g.data, dx.data, count: g.count) { $0 * scale }
        counters.elementwise += g.count
        return dx
    }

    /// Each batch entry added to the sum, 16 lanes at a time.
    func batchSum(_ g: Tensor, into shape: [Int], _ counters: inout BackwardCounters) -> Tensor {
        let sum = Tensor(zeros: shape)
        for b in 0..<(g.count / max(sum.count, 1)) {
            counters.elementwise += Rows.zip(sum.data, g.data + b * sum.count, sum.data, count: sum.count, +)
        }
        return sum
    }

    /// Runs `body(start, count)` on chunks of 4,096 elements, in parallel when there are two or more.
    /// - Returns: the elements of the chunks it ran.
    static func chunks(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) -> Int {
        let chunk = 4096
        return Parallel.sum(count: (count + chunk - 1) / chunk, threads: count >= 2 * chunk ? threads : 1) { part in
            let start = part * chunk, length = min(chunk, count - start)
            body(start, length)
            return length
        }
    }
}
