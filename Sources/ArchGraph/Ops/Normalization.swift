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
}

/// A norm's scale and shift, initialised near 1 and 0 for random weights.
private func affine(_ channels: Int) -> [ParameterTensor] {
    [
        ParameterTensor("weight", [Expr(channels)], initialization: .uniform(center: 1, spread: 0.1)),
        ParameterTensor("bias", [Expr(channels)], initialization: .uniform(center: 0, spread: 0.1)),
    ]
}
