import SizeAlgebra

// The ops that only create, cut, join or reshape tensors: no MACs, no elementwise work.

/// The input image, `() → (B, channels, H, W)`.
struct InputOp: OpDefinition {
    let channels: Int

    var name: String { "input" }
    var kind: OpKind { .input }
    var arity: Arity { .exactly(0) }
    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        [size.batch, Expr(channels), size.height, size.width]
    }
    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    /// The image is the model's input, not an activation.
    var outputIsActivation: Bool { false }

    /// The image needs no gradient.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}

/// Learned tokens broadcast over the batch, `() → (B, count, channels)`.
struct LearnedTokensOp: OpDefinition {
    let count: Int
    let channels: Int

    var name: String { "learned_tokens" }
    var kind: OpKind { .learnedTokens }
    var arity: Arity { .exactly(0) }
    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        [size.batch, Expr(count), Expr(channels)]
    }
    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        [ParameterTensor("tokens", [1, Expr(count), Expr(channels)], initialization: .uniform(center: 0, spread: 0.5))]
    }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// The broadcast tokens' gradient sums the output gradient over the batch; keeps nothing.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(backward: BackwardWork(elementwise: when(needs.parameters, Expr.product(output))))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}

/// Concatenation along `axis`.
struct ConcatOp: OpDefinition {
    let axis: Int

    var name: String { "concat" }
    var kind: OpKind { .concat }
    var arity: Arity { .atLeast(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        guard axis >= 0, axis < x.count else { throw ShapeError("axis \(axis) out of range for \(format(x))") }
        var total = Expr.zero
        for other in inputs {
            guard other.count == x.count else {
                throw ShapeError("inputs of different rank: \(format(x)) and \(format(other))")
            }
            for index in x.indices where index != axis {
                try checker.equal(other[index], x[index], "axis \(index) of the concatenated inputs")
            }
            total += other[axis]
        }
        var shape = x
        shape[axis] = total
        return shape
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Layout only: the gradient is moved, nothing is computed or kept.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .promote }
    var outputIsView: Bool { false }
}

/// `length` entries from `start` along `axis`.
struct SliceOp: OpDefinition {
    let axis: Int
    let start: Expr
    let length: Expr

    var name: String { "slice" }
    var kind: OpKind { .slice }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        guard axis >= 0, axis < x.count else { throw ShapeError("axis \(axis) out of range for \(format(x))") }
        let end = start + length
        if let e = end.constant, let n = x[axis].constant, e > n {
            throw ShapeError("slice \(start)..<\(end) exceeds axis \(axis) of size \(n)")
        }
        var shape = x
        shape[axis] = length
        return shape
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Layout only: the gradient is moved, nothing is computed or kept.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { true }
}

/// `(B, h·w, C) → (B, C, h, w)`.
struct TokensToImageOp: OpDefinition {
    let height: Expr
    let width: Expr

    var name: String { "tokens_to_image" }
    var kind: OpKind { .tokensToImage }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 3, "(B, N, C)")
        try checker.equal(x[1], height * width, "token count and grid \(height)×\(width)")
        return [x[0], x[2], height, width]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Layout only: the gradient is moved, nothing is computed or kept.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { true }
}

/// `(B, C, H, W) → (B, H·W, C)`.
struct ImageToTokensOp: OpDefinition {
    var name: String { "image_to_tokens" }
    var kind: OpKind { .imageToTokens }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "(B, C, H, W)")
        return [x[0], x[2] * x[3], x[1]]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Layout only: the gradient is moved, nothing is computed or kept.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { true }
}

/// One token, `(B, N, C) → (B, C)`.
struct SelectTokenOp: OpDefinition {
    let index: Int

    var name: String { "select_token" }
    var kind: OpKind { .selectToken }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 3, "(B, N, C)")
        if let n = x[1].constant, index >= n {
            throw ShapeError("token \(index) requested from \(n) tokens")
        }
        return [x[0], x[2]]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Layout only: the gradient is moved, nothing is computed or kept.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { true }
}
