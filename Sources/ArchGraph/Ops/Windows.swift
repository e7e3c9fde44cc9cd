import SizeAlgebra

// Swin's window attention: the token grid cyclically shifted, cut into windows and put back,
// the relative position bias and the shifted windows' mask added to the scores, and the 2×2
// patch merging between stages. Tokens are `(B, h·w, C)` with the grid in row-major order (the
// memory order of timm's `(B, H, W, C)`); windows are `(B·nW, w·w, C)`, the windows of each
// image in row-major order of the window grid.

/// The number of `window`-sized windows along a side of `size` tokens.
private func windows(_ size: Expr, _ window: Int) -> Expr { size.floorDiv(window) }

/// Requires `(B, h·w, C)` tokens on an `h × w` grid.
private func checkGrid(_ x: [Expr], height: Expr, width: Expr, checker: inout ShapeChecker) throws(ShapeError) {
    try checker.rank(x, 3, "(B, N, C)")
    try checker.equal(x[1], height * width, "token count and grid \(height)×\(width)")
}

/// Requires a grid that `window`-sized windows tile exactly.
private func checkTiled(height: Expr, width: Expr, window: Int, checker: inout ShapeChecker) throws(ShapeError) {
    guard window >= 1 else { throw ShapeError("window size \(window) must be at least 1") }
    try checker.equal(windows(height, window) * Expr(window), height, "grid height \(height) and whole windows of \(window)")
    try checker.equal(windows(width, window) * Expr(window), width, "grid width \(width) and whole windows of \(window)")
}

/// `(B, h·w, C) → (B, h·w, C)`: the grid rolled by `shift` tokens along both axes, as
/// `torch.roll(x, shifts=(shift, shift), dims=(1, 2))`; a copy.
struct RollOp: OpDefinition {
    let height: Expr, width: Expr
    let shift: Int

    var name: String { "roll" }
    var kind: OpKind { .roll }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        try checkGrid(inputs[0], height: height, width: width, checker: &checker)
        return inputs[0]
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
    var outputIsView: Bool { false }
}

/// `(B, h·w, C) → (B·nW, w·w, C)` (`partition`) or back (`merge`): timm's `window_partition`
/// and `window_reverse`; a copy.
struct WindowLayoutOp: OpDefinition {
    let height: Expr, width: Expr
    let window: Int
    /// Whether windows are put back on the grid rather than cut from it.
    let merges: Bool

    var name: String { merges ? "window_merge" : "window_partition" }
    var kind: OpKind { merges ? .windowMerge : .windowPartition }
    var arity: Arity { .exactly(1) }

    /// `nW`, the windows of one image.
    var windowsPerImage: Expr { windows(height, window) * windows(width, window) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checkTiled(height: height, width: width, window: window, checker: &checker)
        if merges {
            try checker.rank(x, 3, "(B·nW, w·w, C)")
            try checker.equal(x[1], Expr(window * window), "tokens per window and window \(window)×\(window)")
            try checker.equal(x[0], size.batch * windowsPerImage, "windows and images × windows per image")
            return [size.batch, height * width, x[2]]
        }
        try checkGrid(x, height: height, width: width, checker: &checker)
        return [x[0] * windowsPerImage, Expr(window * window), x[2]]
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
    var outputIsView: Bool { false }
}

/// `(B, h·w, C) → (B, (h/2)·(w/2), 4C)`: each 2×2 neighbourhood's tokens concatenated, in
/// timm's order `(0,0), (1,0), (0,1), (1,1)` (row offset fastest); a copy.
struct PatchMergeOp: OpDefinition {
    let height: Expr, width: Expr

    var name: String { "patch_merge" }
    var kind: OpKind { .patchMerge }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checkGrid(x, height: height, width: width, checker: &checker)
        try checker.equal(height.floorDiv(2) * 2, height, "grid height \(height) (patch merging needs an even grid)")
        try checker.equal(width.floorDiv(2) * 2, width, "grid width \(width) (patch merging needs an even grid)")
        return [x[0], height.floorDiv(2) * width.floorDiv(2), x[2] * 4]
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
    var outputIsView: Bool { false }
}

/// Scores `(B·nW, h, w·w, w·w) +` the relative position bias: a learned table of
/// `(2w−1)² × heads` entries, indexed by each query–key pair's row and column offsets (the index
/// is fixed by the window, as timm's non-persistent `relative_position_index` buffer is, so the
/// kernels derive it). One add per score.
struct RelativePositionBiasOp: OpDefinition {
    let heads: Int
    let window: Int

    var name: String { "relative_position_bias" }
    var kind: OpKind { .relativePositionBias }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "scores (B, h, N, N)")
        try checker.equal(x[1], Expr(heads), "attention heads")
        try checker.equal(x[2], Expr(window * window), "queries and window \(window)×\(window)")
        try checker.equal(x[3], Expr(window * window), "keys and window \(window)×\(window)")
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        let offsets = (2 * window - 1) * (2 * window - 1)
        return [ParameterTensor("table", [Expr(offsets), Expr(heads)], initialization: .uniform(center: 0, spread: 0.5))]
    }

    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output)) }
    var elementwiseKind: ElementwiseKind? { .add }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// `scores + table[index]`: the table's gradient scatters the output gradient back (one
    /// addition per output element); keeps nothing (the index is a buffer).
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(backward: BackwardWork(elementwise: when(needs.parameters, Expr.product(output))))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .promote }
    var outputIsView: Bool { false }
}

/// Scores of shifted windows `(B·nW, h, w·w, w·w) +` timm's attention mask: −100 between two
/// tokens that came from different regions of the unshifted grid, 0 otherwise (a fixed
/// non-persistent buffer of `nW × w² × w²` in timm, derived by the kernels). One add per score.
struct WindowMaskOp: OpDefinition {
    let height: Expr, width: Expr
    let window: Int
    let shift: Int

    var name: String { "window_mask" }
    var kind: OpKind { .windowMask }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "scores (B, h, N, N)")
        try checkTiled(height: height, width: width, window: window, checker: &checker)
        guard shift > 0, shift < window else { throw ShapeError("shift \(shift) must be between 1 and the window \(window) − 1") }
        try checker.equal(x[0], size.batch * windows(height, window) * windows(width, window), "windows and images × windows per image")
        try checker.equal(x[2], Expr(window * window), "queries and window \(window)×\(window)")
        try checker.equal(x[3], Expr(window * window), "keys and window \(window)×\(window)")
        return x
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output)) }
    var elementwiseKind: ElementwiseKind? { .add }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Adding a constant mask passes the gradient on; keeps nothing.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts { TrainingFacts() }
    func autocast(_ device: AutocastDevice) -> AutocastRule { .promote }
    var outputIsView: Bool { false }
}
