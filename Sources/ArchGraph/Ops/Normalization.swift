import SizeAlgebra

/// Affine layer norm over the last axis of size `channels`.
struct LayerNormOp: OpDefinition {
    let channels: Int
    let eps: Double

    var name: String { "layer_norm" }
    var kind: OpKind { .layerNorm }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.equal(try checker.last(x), Expr(channels), "normalized size")
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { affine(channels) }
    var buffers: [ParameterTensor] { [] }

    /// One element of elementwise work per input element; fvcore counts 5 per element.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        let elements = Expr.product(inputs[0])
        return Work(fvcoreExtra: elements * 5, elementwise: elements)
    }

    var elementwiseKind: ElementwiseKind? { .norm }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Keeps its input and one float32 mean and reciprocal standard deviation per normalised
    /// row; the input gradient is one pass, the scale and shift gradients one reduction.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        normTraining(inputs[0], rows: Array(inputs[0].dropLast()), needs: needs)
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule {
        switch device {
        case .cuda: .float32
        case .cpu: .passThrough
        }
    }

    var outputIsView: Bool { false }
}

extension LayerNormOp {
    /// The norm written out as `(x − mean) / sqrt(var + eps) · g + b` (vit-pytorch's channel
    /// LayerNorm): `var` keeps the input, `sqrt` its output (one per row, in the input's type),
    /// the division both the centred input and that root, the scaling the normalised input; all
    /// in the input's type. The float32 scale and shift then promote the output, so under
    /// autocast it is float32.
    static func composedTraining(_ x: [Expr], needs: GradientNeeds) -> TrainingFacts {
        var facts = normTraining(x, rows: Array(x.dropLast()), needs: needs)
        facts.kept = [
            Kept("input", .input(0)), Kept("std", .made(Array(x.dropLast())), .ofInput),
            Kept("centered", .made(x), .ofInput), Kept("normalized", .made(x), .ofInput),
        ]
        return facts
    }

    /// Autocast's rule for the composed form: its operations are on no list, and the final
    /// products with the float32 parameters promote.
    static let composedAutocast = AutocastRule.promote
}

/// Affine layer norm over each head's `headDim` channels of `(B, N, heads · headDim)` tokens:
/// timm's `q_norm` and `k_norm`, which normalise `(B, heads, N, headDim)`.
struct HeadLayerNormOp: OpDefinition {
    let heads: Int
    let headDim: Int
    let eps: Double

    var name: String { "head_layer_norm" }
    var kind: OpKind { .headLayerNorm }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 3, "(B, N, C)")
        try checker.equal(x[2], Expr(heads * headDim), "channels (heads × head width)")
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { affine(headDim) }
    var buffers: [ParameterTensor] { [] }

    /// As ``LayerNormOp``: one element of elementwise work per input element, fvcore 5.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        let elements = Expr.product(inputs[0])
        return Work(fvcoreExtra: elements * 5, elementwise: elements)
    }

    var elementwiseKind: ElementwiseKind? { .norm }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Keeps its input and one float32 mean and reciprocal standard deviation per normalised
    /// row; the input gradient is one pass, the scale and shift gradients one reduction.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        normTraining(inputs[0], rows: Array(inputs[0].dropLast()) + [Expr(heads)], needs: needs)
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule {
        switch device {
        case .cuda: .float32
        case .cpu: .passThrough
        }
    }

    var outputIsView: Bool { false }
}

/// Affine batch norm in inference form over axis 1 of `(B, C, H, W)`.
struct BatchNormOp: OpDefinition {
    let channels: Int
    let eps: Double

    var name: String { "batch_norm" }
    var kind: OpKind { .batchNorm }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "(B, C, H, W)")
        try checker.equal(x[1], Expr(channels), "channels")
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { affine(channels) }

    /// The running statistics, read at inference and never counted as parameters.
    var buffers: [ParameterTensor] {
        [
            ParameterTensor("running_mean", [Expr(channels)], .frozen, initialization: .uniform(center: 0, spread: 0.1)),
            ParameterTensor("running_var", [Expr(channels)], .frozen, initialization: .uniform(center: 1, spread: 0.5)),
        ]
    }

    /// One element of elementwise work per input element; fvcore counts 2 per element (inference).
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        let elements = Expr.product(inputs[0])
        return Work(fvcoreExtra: elements * 2, elementwise: elements)
    }

    var elementwiseKind: ElementwiseKind? { .norm }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// In training, normalises with the batch's statistics: keeps its input and the per-channel
    /// float32 mean and inverse standard deviation.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        normTraining(inputs[0], rows: [Expr(channels)], needs: needs)
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}

/// A norm's scale and shift, initialised near 1 and 0 for random weights.
private func affine(_ channels: Int) -> [ParameterTensor] {
    [
        ParameterTensor("weight", [Expr(channels)], initialization: .uniform(center: 1, spread: 0.1)),
        ParameterTensor("bias", [Expr(channels)], initialization: .uniform(center: 0, spread: 0.1)),
    ]
}

/// A norm in training: keeps its input and one float32 mean and reciprocal standard deviation
/// per statistic (`rows` their shape); the input gradient is one pass over the input, the scale
/// and shift gradients one reduction over it.
func normTraining(_ x: [Expr], rows: [Expr], needs: GradientNeeds) -> TrainingFacts {
    let elements = Expr.product(x)
    return TrainingFacts(
        backward: BackwardWork(elementwise: when(needs.input(0), elements) + when(needs.parameters, elements)),
        kept: [
            Kept("input", .input(0)), Kept("mean", .made(rows), .fixed(.float32)),
            Kept("rstd", .made(rows), .fixed(.float32)),
        ])
}
