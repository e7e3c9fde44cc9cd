import SizeAlgebra

/// Where eager attention scores apply their scale, which decides what the product keeps and
/// which gradients the scale multiplies.
public enum ScoreScaling: Hashable, Sendable {
    /// `(q·scale) @ kᵀ` (timm, T2T-ViT): the queries are scaled before the product.
    case queries
    /// `(q @ kᵀ)·scale` (vit-pytorch, the CvT authors): the product's output is scaled.
    case product
    /// PyTorch's math path of scaled-dot-product attention, `(q·√scale) @ (k·√scale)ᵀ`: what
    /// fused attention runs when a mask needing a gradient sits between the scores and the
    /// softmax.
    case both
}

/// Scaled dot products `scale · q·kᵀ` per head: `q (B, Nq, h·d)`, `k (B, Nk, h·d) → (B, h, Nq, Nk)`.
struct AttentionScoresOp: OpDefinition {
    let heads: Int
    let scale: Double

    var name: String { "attention_scores" }
    var kind: OpKind { .attentionScores }
    var arity: Arity { .exactly(2) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let (q, k) = (inputs[0], inputs[1])
        try checker.rank(q, 3, "q (B, N, C)")
        try checker.rank(k, 3, "k (B, N, C)")
        try checker.equal(k[2], q[2], "q and k widths")
        try checker.equal(k[0], q[0], "q and k batch")
        try checker.divisible(q[2], heads)
        return [q[0], Expr(heads), q[1], k[1]]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }

    /// `(B, h, Nq, Nk)` scores, each a dot product of width `C / h`; the scaling is not counted.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        let width = inputs[0][2].constant ?? 0
        return Work(macs: Expr.product(output) * Expr(width / heads))
    }

    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { true }
    var outputIsActivation: Bool { true }

    /// Eager attention as timm writes it, `(q · scale) @ kᵀ`; ``training(_:output:needs:scaling:)``
    /// for the others.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        training(inputs, output: output, needs: needs, scaling: .queries)
    }

    /// One product per operand needing a gradient, and one elementwise pass of the scale over
    /// each gradient it multiplies: q's always, k's too when the scale is not on the queries
    /// alone.
    ///
    /// The product keeps its operands as the batched matrix product sees them: regrouped per
    /// head, which is a copy for several heads and a view of the input for one. The queries
    /// scaled first (`q · scale`, timm) are a new tensor whatever the heads, and the math path
    /// makes both operands anew (`q·√scale`, `k·√scale`); scaled after the product
    /// (vit-pytorch, the CvT authors) the queries are kept like the keys.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds, scaling: ScoreScaling) -> TrainingFacts {
        let macs = work(inputs, output: output).macs
        let (queries, keys) = (Expr.product(inputs[0]), Expr.product(inputs[1]))
        let view = heads == 1 && scaling != .both
        return TrainingFacts(
            backward: BackwardWork(
                inputGradientMacs: when(needs.input(0), macs) + when(needs.input(1), macs),
                elementwise: when(needs.input(0), queries) + when(needs.input(1) && scaling != .queries, keys)),
            kept: [
                Kept("q", view && scaling == .product ? .input(0) : .made(inputs[0])),
                Kept("k", view ? .input(1) : .made(inputs[1])),
            ])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .lowPrecision }
    var outputIsView: Bool { false }
}

/// Softmax over the last axis.
struct SoftmaxOp: OpDefinition {
    var name: String { "softmax" }
    var kind: OpKind { .softmax }
    var arity: Arity { .exactly(1) }
    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] { inputs[0] }
    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work(elementwise: Expr.product(output)) }
    var elementwiseKind: ElementwiseKind? { .softmax }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Keeps its output; the input gradient is one pass over it.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(
            backward: BackwardWork(elementwise: when(needs.input(0), Expr.product(output))),
            kept: [Kept("output", .output)])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule {
        switch device {
        case .cuda: .float32
        case .cpu: .passThrough
        }
    }

    var outputIsView: Bool { false }
}

/// `attn·v` per head, heads merged: `attn (B, h, Nq, Nk)`, `v (B, Nk, h·d) → (B, Nq, h·d)`.
struct AttentionContextOp: OpDefinition {
    let heads: Int

    var name: String { "attention_context" }
    var kind: OpKind { .attentionContext }
    var arity: Arity { .exactly(2) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let (attention, v) = (inputs[0], inputs[1])
        try checker.rank(attention, 4, "attn (B, h, Nq, Nk)")
        try checker.rank(v, 3, "v (B, Nk, C)")
        try checker.equal(attention[1], Expr(heads), "attention heads")
        try checker.equal(attention[3], v[1], "attended tokens and value tokens")
        try checker.divisible(v[2], heads)
        return [attention[0], attention[2], v[2]]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }

    /// `(B, Nq, h·d)` outputs, each a sum over `Nk` tokens.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        Work(macs: Expr.product(output) * inputs[0][3])
    }

    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { true }
    var outputIsActivation: Bool { true }

    /// `attn @ v`: keeps the attention weights and the values regrouped per head (a copy for
    /// several heads, a view of the input for one); one product per operand needing a gradient.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        let macs = work(inputs, output: output).macs
        return TrainingFacts(
            backward: BackwardWork(inputGradientMacs: when(needs.input(0), macs) + when(needs.input(1), macs)),
            kept: [Kept("attn", .input(0)), Kept("v", heads == 1 ? .input(1) : .made(inputs[1]))])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .lowPrecision }
    var outputIsView: Bool { false }
}

/// T2T's single-head Performer attention with `features` positive random features:
/// `kqv (B, T, 3e) → (B, T, e)` with a frozen projection of shape `(features, e)`.
struct PerformerAttentionOp: OpDefinition {
    let features: Int

    var name: String { "performer_attention" }
    var kind: OpKind { .performerAttention }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 3, "kqv (B, T, 3e)")
        guard let width = x[2].constant, width % 3 == 0 else {
            throw ShapeError("kqv width \(x[2]) is not a multiple of 3")
        }
        return [x[0], x[1], Expr(width / 3)]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        let width = inputs.first?.last.flatMap(\.constant).map { $0 / 3 } ?? 0
        return [
            ParameterTensor(
                "projection", [Expr(features), Expr(width)], .frozen,
                initialization: .uniform(center: 0, spread: 1))
        ]
    }

    var buffers: [ParameterTensor] { [] }

    /// Per token: kᵀw and qᵀw (2·m·e), `D = q'·Σk'` (m), `Σ v⊗k'` (e·m) and `q'·(Σ v⊗k')` (m·e)
    /// MACs; the feature maps' exponentials (2m) and the row norms and normalisation (3e)
    /// elementwise.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        let tokens = inputs[0][0] * inputs[0][1]
        let e = output[2]
        return Work(macs: tokens * Expr(features) * (e * 4 + 1), elementwise: tokens * (Expr(2 * features) + e * 3))
    }

    var elementwiseKind: ElementwiseKind? { .performer }
    var isAttentionProduct: Bool { true }
    var outputIsActivation: Bool { true }

    /// T2T's `single_attn` as autograd records it. Products: `x·wᵀ` for k and q (the
    /// projection is frozen, so only x's gradient: m·e each), `D = q'·Σk'` (m, both operands),
    /// `Σ v⊗k'` (e·m, both) and `q'·(Σ v⊗k')` (m·e, both): `m·(6e + 2)` per token. Kept: the
    /// kqv input (the squares `x·x` and `v` read it), both exponentials and both feature maps
    /// (`T·m` each), `Σk'` (m), `Σ v⊗k'` (e·m) and the numerator and denominator of the final
    /// division (`T·e` each). Under autocast the products run in low precision and keep two
    /// low-precision copies of the frozen projection (one per product) and of `vᵀ`, which in
    /// float32 is a view of the input.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        guard needs.input(0) else { return TrainingFacts() }
        let (batch, tokens) = (inputs[0][0], inputs[0][1])
        let e = output[2]
        let m = Expr(features)
        let features = [batch, tokens, m]
        return TrainingFacts(
            backward: BackwardWork(
                inputGradientMacs: batch * tokens * m * (e * 6 + 2),
                elementwise: batch * tokens * (m * 2 + e * 3)),
            kept: [
                Kept("kqv", .input(0)), Kept("w for k", .parameter(0)), Kept("w for q", .parameter(0)),
                Kept("exp_k", .made(features)), Kept("exp_q", .made(features)),
                Kept("kp", .made(features)), Kept("qp", .made(features)),
                Kept("kp_sum", .made([batch, m])), Kept("v transposed", .autocastCopy([batch, e, tokens])),
                Kept("kptv", .made([batch, e, m])), Kept("numerator", .made(output)),
                Kept("denominator", .made(output)),
            ])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .lowPrecision }
    var outputIsView: Bool { false }
}

/// Facts of PyTorch's fused attention kernel that depend on its operands' layout.
public enum FusedAttentionLayout {
    /// Whether the kernel's output is a storage of its own rather than the one the output
    /// projection reads. The output is laid out like the queries: queries sliced from a fused
    /// qkv projection are token-major, so `out.transpose(1, 2).reshape(B, N, C)` is a view and
    /// the projection reads the kernel's storage; queries made head-major by an op of their own
    /// (timm's `q_norm`) make that reshape a copy, and both storages are kept.
    /// - Parameter queries: the node the attention scores read their queries from.
    public static func outputIsCopy(queries: Node) -> Bool {
        if case .slice = queries.op { return false }
        return true
    }
}
