import SizeAlgebra

/// Max pooling on `(B, C, H, W)`.
struct MaxPool2dOp: OpDefinition {
    let window: Window

    var name: String { "max_pool2d" }
    var kind: OpKind { .maxPool2d }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "(B, C, H, W)")
        let (h, w) = try window.outputGrid(x, checker: checker)
        return [x[0], x[1], h, w]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    /// Every output compares the `kh · kw` taps of its window, padding included.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output) * Expr(window.taps)) }
    var elementwiseKind: ElementwiseKind? { .pool }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Keeps its input and the int64 index of every maximum; the input gradient scatters one
    /// value per output element.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(
            backward: BackwardWork(elementwise: when(needs.input(0), Expr.product(output))),
            kept: [Kept("input", .input(0)), Kept("indices", .made(output), .fixed(.int64))])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}

/// A mean over the spatial axes, `(B, C, H, W) → (B, C)` (`globalAveragePool`), or over the
/// tokens, `(B, N, C) → (B, C)` (`meanTokens`).
struct MeanPoolOp: OpDefinition {
    /// Whether the input is a token sequence rather than an image.
    let overTokens: Bool

    var name: String { overTokens ? "mean_tokens" : "global_average_pool" }
    var kind: OpKind { overTokens ? .meanTokens : .globalAveragePool }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        if overTokens {
            try checker.rank(x, 3, "(B, N, C)")
            return [x[0], x[2]]
        }
        try checker.rank(x, 4, "(B, C, H, W)")
        return [x[0], x[1]]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }

    /// One per input element; fvcore counts adaptive average pooling (not the token mean) at 1
    /// per input element.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        let elements = Expr.product(inputs[0])
        return Work(fvcoreExtra: overTokens ? .zero : elements, elementwise: elements)
    }

    var elementwiseKind: ElementwiseKind? { .pool }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// A mean keeps nothing but sizes; the input gradient spreads each output over its inputs.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(backward: BackwardWork(elementwise: when(needs.input(0), Expr.product(inputs[0]))))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}

/// `(B, N, C) → (B, C)`: the maximum over tokens of each channel (timm's `amax(dim=1)`).
struct MaxTokensOp: OpDefinition {
    var name: String { "max_tokens" }
    var kind: OpKind { .maxTokens }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 3, "(B, N, C)")
        return [x[0], x[2]]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    /// One comparison per input element; neither counter counts it.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(inputs[0])) }
    var elementwiseKind: ElementwiseKind? { .pool }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// `amax` keeps its input and output (the gradient goes to every maximal element).
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(
            backward: BackwardWork(elementwise: when(needs.input(0), Expr.product(inputs[0]))),
            kept: [Kept("input", .input(0)), Kept("output", .output)])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}
