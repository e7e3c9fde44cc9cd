import SizeAlgebra

/// An elementwise nonlinearity, any shape.
public enum Activation: String, Hashable, Sendable, OpDefinition {
    /// GELU with the exact erf form (`nn.GELU`).
    case gelu
    /// `x · σ(1.702 x)`, CvT's QuickGELU.
    case quickGELU = "quick_gelu"
    /// GELU with the tanh approximation (`nn.GELU(approximate='tanh')`, timm's `gelu_tanh`).
    case geluTanh = "gelu_tanh"
    case relu

    var name: String { rawValue }
    var kind: OpKind { .activation }
    var arity: Arity { .exactly(1) }
    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] { inputs[0] }
    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output)) }
    var elementwiseKind: ElementwiseKind? { .activation }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// GELU keeps its input, ReLU its output, QuickGELU its input and `σ(1.702 x)`; the input
    /// gradient is one pass.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        let kept: [Kept]
        switch self {
        case .gelu, .geluTanh: kept = [Kept("input", .input(0))]
        case .relu: kept = [Kept("output", .output)]
        case .quickGELU: kept = [Kept("input", .input(0)), Kept("sigmoid", .made(output))]
        }
        return TrainingFacts(backward: BackwardWork(elementwise: when(needs.input(0), Expr.product(output))), kept: kept)
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}

/// The elementwise sum of two tensors of one shape (`add`), or the mean of one or more
/// (`average`, DeiT's two heads at inference).
struct CombineOp: OpDefinition {
    /// Whether the inputs are averaged rather than added.
    let averages: Bool

    var name: String { averages ? "average" : "add" }
    var kind: OpKind { averages ? .average : .add }
    var arity: Arity { averages ? .atLeast(1) : .exactly(2) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        for (index, other) in inputs.enumerated().dropFirst() where other.count != x.count {
            throw ShapeError("input \(index) has shape \(format(other)), input 0 has \(format(x))")
        }
        for other in inputs.dropFirst() {
            for axis in x.indices { try checker.equal(other[axis], x[axis], "axis \(axis) of the operands") }
        }
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }

    /// One per output element for a sum; one per input element for an average.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        Work(elementwise: Expr.product(output) * Expr(averages ? inputs.count : 1))
    }

    var elementwiseKind: ElementwiseKind? { .add }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// A sum passes its gradient on unchanged and keeps nothing; an average scales it once
    /// (`g/n`, shared by every input needing it).
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        guard averages else { return TrainingFacts() }
        return TrainingFacts(backward: BackwardWork(elementwise: when(needs.inputs.contains(true), Expr.product(output))))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .promote }
    var outputIsView: Bool { false }
}

/// `x + P` for a parameter `P` of shape `shape`, equal to `x`'s shape without the batch axis.
struct PositionEmbeddingOp: OpDefinition {
    let shape: [Expr]
    let role: ParameterRole

    var name: String { "position_embedding" }
    var kind: OpKind { .positionEmbedding }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        guard x.count == shape.count + 1 else {
            throw ShapeError("embedding of shape \(format(shape)) does not fit input \(format(x))")
        }
        for axis in shape.indices {
            let what =
                x.count == 3 && axis == 0
                ? "input tokens and table length (the table is sized for the image when the model is built)"
                : "axis \(axis + 1) of the input and of the position embedding (fixed when the model is built)"
            try checker.equal(x[axis + 1], shape[axis], what)
        }
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        [ParameterTensor("embedding", [1] + shape, role, initialization: .uniform(center: 0, spread: 0.5))]
    }

    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output)) }
    var elementwiseKind: ElementwiseKind? { .add }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// `x + P`: the table's gradient sums the output gradient over the batch; keeps nothing.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(backward: BackwardWork(elementwise: when(needs.parameters, Expr.product(output))))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .promote }
    var outputIsView: Bool { false }
}

/// `x · γ` for a learned `γ` over the last axis (timm's `LayerScale`, whose `init_values` only
/// sets the initial `γ`).
struct LayerScaleOp: OpDefinition {
    let channels: Int

    var name: String { "layer_scale" }
    var kind: OpKind { .layerScale }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.equal(try checker.last(x), Expr(channels), "scaled channels")
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        [ParameterTensor("gamma", [Expr(channels)], initialization: .uniform(center: 0.5, spread: 0.25))]
    }

    var buffers: [ParameterTensor] { [] }
    /// One multiply per element; neither counter counts it.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output)) }
    var elementwiseKind: ElementwiseKind? { .scale }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// `x · γ`: keeps x (for γ's gradient, a reduction over the output) and γ (for x's).
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        let elements = Expr.product(output)
        return TrainingFacts(
            backward: BackwardWork(elementwise: when(needs.input(0), elements) + when(needs.parameters, elements)),
            kept: [Kept("input", .input(0)), Kept("gamma", .parameter(0))])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .promote }
    var outputIsView: Bool { false }
}
