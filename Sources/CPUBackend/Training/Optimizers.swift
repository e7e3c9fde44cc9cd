import ArchGraph

/// Applies a training step's gradients to ``Weights`` in place, as `torch.optim` does.
///
/// Parameters without a gradient (frozen ones, and any that no gradient reached) are left as
/// they are and get no state. State is made at a parameter's first step, as PyTorch makes it.
public protocol Optimizer {
    /// One update of every parameter that has a gradient.
    /// - Parameters:
    ///   - weights: the weights the gradients were computed for; changed in place.
    ///   - gradients: per node, one gradient per parameter (``TrainingExecution/parameterGradients``).
    mutating func step(_ weights: Weights, gradients: [Int: [Tensor?]])
    /// Bytes of the state the optimizer holds (float32).
    var stateBytes: Int { get }
}

/// Where a parameter is: its node and position.
private struct ParameterKey: Hashable {
    let node: Int, position: Int
}

/// Runs `body(start, count)` over `0..<count` in parts of 16,384 elements, on up to `threads`
/// threads when there are at least two parts.
private func parts(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
    let part = 16_384
    Parallel.forEach(count: (count + part - 1) / part, threads: count >= 2 * part ? threads : 1) { index in
        let start = index * part
        body(start, min(part, count - start))
    }
}

/// The parameters with gradients, in node and position order, with their gradient.
private func each(_ gradients: [Int: [Tensor?]], _ body: (ParameterKey, Tensor) -> Void) {
    for node in gradients.keys.sorted() {
        for (position, gradient) in (gradients[node] ?? []).enumerated() {
            if let gradient { body(ParameterKey(node: node, position: position), gradient) }
        }
    }
}

/// AdamW (`torch.optim.AdamW`): Adam with decoupled weight decay and bias correction. Keeps
/// two float32 tensors (the moving averages of the gradient and of its square) per parameter.
///
/// Per step `t`: `p ← p·(1 − lr·λ)`, `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`,
/// `p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`.
public final class AdamW: Optimizer {
    public let learningRate: Float
    public let betas: (Float, Float)
    public let eps: Float
    public let weightDecay: Float
    /// Threads each parameter's update is split over.
    public var threads = 1
    /// Steps taken (each parameter's `t`: every parameter here steps together).
    public private(set) var steps = 0
    private var moments: [ParameterKey: (m: Tensor, v: Tensor)] = [:]

    /// PyTorch's defaults but the learning rate: betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
    public init(learningRate: Float, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
    }

    public func step(_ weights: Weights, gradients: [Int: [Tensor?]]) {
        steps += 1
        let (beta1, beta2) = betas
        let correction1 = 1 - pow(beta1, steps), correction2 = 1 - pow(beta2, steps)
        let stepSize = learningRate / correction1, root2 = correction2.squareRoot()
        let decay = 1 - learningRate * weightDecay
        each(gradients) { key, g in
            let state = moments[key] ?? (Tensor(zeros: g.shape, pooled: false), Tensor(zeros: g.shape, pooled: false))
            moments[key] = state
            // 16 lanes at a time, each lane the same operations in the same order as the tail's.
            weights.update(key.node, key.position) { p, count in
                let (m, v, g) = (state.m.data, state.v.data, g.data)
                parts(min(count, state.m.count), threads: threads) { start, length in
                    var i = start
                    let end = start + length
                    while i + 16 <= end {
                        let gi = Vec.load(g + i)
                        var pi = Vec.load(p + i) * decay
                        let mi = beta1 * Vec.load(m + i) + (1 - beta1) * gi
                        let vi = beta2 * Vec.load(v + i) + (1 - beta2) * gi * gi
                        pi -= stepSize * mi / (vi.squareRoot() / root2 + eps)
                        mi.store(m + i)
                        vi.store(v + i)
                        pi.store(p + i)
                        i += 16
                    }
                    while i < end {
                        p[i] *= decay
                        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                        p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                        i += 1
                    }
                }
            }
        }
    }

    public var stateBytes: Int { moments.values.reduce(0) { $0 + ($1.m.count + $1.v.count) * ScalarType.float32.bytes } }
}

/// Stochastic gradient descent (`torch.optim.SGD`), with momentum when `momentum > 0`: then
/// one float32 buffer per parameter, the gradient itself at the first step and
/// `μ·buffer + g` after. Weight decay, when set, is added to the gradient (`g + λp`), as
/// PyTorch's SGD does.
public final class SGD: Optimizer {
    public let learningRate: Float
    public let momentum: Float
    public let weightDecay: Float
    /// Threads each parameter's update is split over.
    public var threads = 1
    private var buffers: [ParameterKey: Tensor] = [:]

    public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public func step(_ weights: Weights, gradients: [Int: [Tensor?]]) {
        each(gradients) { key, g in
            let existing = buffers[key]
            let buffer = momentum > 0 ? existing ?? Tensor(zeros: g.shape, pooled: false) : nil
            if let buffer { buffers[key] = buffer }
            let first = existing == nil
            weights.update(key.node, key.position) { p, count in
                parts(min(count, g.count), threads: threads) { start, length in
                    for i in start..<(start + length) {
                        var d = g.data[i] + weightDecay * p[i]
                        if let buffer {
                            buffer.data[i] = first ? d : momentum * buffer.data[i] + d
                            d = buffer.data[i]
                        }
                        p[i] -= learningRate * d
                    }
                }
            }
        }
    }

    public var stateBytes: Int { buffers.values.reduce(0) { $0 + $1.count * ScalarType.float32.bytes } }
}

/// `base` to the power `exponent` by repeated squaring (no Foundation `pow` on floats here).
private func pow(_ base: Float, _ exponent: Int) -> Float {
    var (result, factor, n) = (Float(1), base, exponent)
    while n > 0 {
        if n & 1 == 1 { result *= factor }
        factor *= factor
        n >>= 1
    }
    return result
}
