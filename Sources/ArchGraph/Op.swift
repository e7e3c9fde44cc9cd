import SizeAlgebra

/// The closed set of primitive operations.
///
/// Each case is defined once, in one file under `Ops/`: a type conforming to `OpDefinition`
/// states its shape inference, arity, parameter and buffer tensors, cost and the other facts
/// the analysis needs, and ``definition`` maps each case to it with one exhaustive `switch`.
/// Every `switch` over `Op` in the package is exhaustive (none has a `default:`), so a new case
/// does not compile until its definition and its kernels exist.
public enum Op: Hashable, Sendable {
    /// The input image, `() → (B, channels, H, W)`.
    case input(channels: Int)
    /// `(B, Cin, H, W) → (B, Cout, H', W')`.
    case conv2d(Conv2d)
    /// `(…, in) → (…, out)`.
    case linear(Linear)
    /// Affine layer norm over the last axis of size `channels`.
    case layerNorm(channels: Int, eps: Double)
    /// Affine batch norm in inference form over axis 1 of `(B, C, H, W)`.
    case batchNorm(channels: Int, eps: Double)
    /// Elementwise nonlinearity, any shape.
    case activation(Activation)
    /// Elementwise sum of two tensors of one shape.
    case add
    /// Elementwise mean of tensors of one shape (DeiT's two heads at inference).
    case average
    /// Learned tokens broadcast over the batch, `() → (B, count, channels)`.
    case learnedTokens(count: Int, channels: Int)
    /// `x + P` for a parameter `P` of shape `shape`, equal to `x`'s shape without the batch axis.
    /// `shape` is fixed when the model is built, so a mismatch with the input is an error.
    case positionEmbedding(shape: [Expr], role: ParameterRole)
    /// Concatenation along `axis`.
    case concat(axis: Int)
    /// `length` entries from `start` along `axis`.
    case slice(axis: Int, start: Expr, length: Expr)
    /// `(B, h·w, C) → (B, C, h, w)`.
    case tokensToImage(height: Expr, width: Expr)
    /// `(B, C, H, W) → (B, H·W, C)`.
    case imageToTokens
    /// Sliding-window patches as tokens, `(B, C, H, W) → (B, L, C·kh·kw)` (PyTorch's `Unfold`
    /// followed by a transpose: features ordered channel-major, then kernel row, then column).
    case unfold(Window)
    /// Scaled dot products `scale · q·kᵀ` per head: `q (B, Nq, h·d)`, `k (B, Nk, h·d) → (B, h, Nq, Nk)`.
    /// The scale differs between implementations (timm `d^-½`, CvT `(h·d)^-½`), so it is stated.
    case attentionScores(heads: Int, scale: Double)
    /// Softmax over the last axis.
    case softmax
    /// `attn·v` per head, heads merged: `attn (B, h, Nq, Nk)`, `v (B, Nk, h·d) → (B, Nq, h·d)`.
    case attentionContext(heads: Int)
    /// T2T's single-head Performer attention with `features` positive random features:
    /// `kqv (B, T, 3e) → (B, T, e)` with a frozen projection of shape `(features, e)`.
    case performerAttention(features: Int)
    /// Max pooling on `(B, C, H, W)`.
    case maxPool2d(Window)
    /// `(B, C, H, W) → (B, C)`.
    case globalAveragePool
    /// Mean over tokens, `(B, N, C) → (B, C)`.
    case meanTokens
    /// One token, `(B, N, C) → (B, C)`.
    case selectToken(index: Int)
    /// `(B, h·w, C)` tokens with their grid rolled by `shift` along both axes (Swin's cyclic shift).
    case roll(height: Expr, width: Expr, shift: Int)
    /// `(B, h·w, C) → (B·nW, w·w, C)`: the grid cut into `window × window` windows.
    case windowPartition(height: Expr, width: Expr, window: Int)
    /// `(B·nW, w·w, C) → (B, h·w, C)`: windows put back on the grid.
    case windowMerge(height: Expr, width: Expr, window: Int)
    /// `(B, h·w, C) → (B, (h/2)·(w/2), 4C)`: Swin's 2×2 patch merging.
    case patchMerge(height: Expr, width: Expr)
    /// Window attention scores plus the learned relative position bias, `(B·nW, h, w², w²)`.
    case relativePositionBias(heads: Int, window: Int)
    /// Shifted-window attention scores plus the mask between regions, `(B·nW, h, w², w²)`.
    case windowMask(height: Expr, width: Expr, window: Int, shift: Int)
    /// Affine layer norm of each head's `headDim` channels of `(B, N, heads·headDim)` tokens
    /// (timm's `qk_norm`).
    case headLayerNorm(heads: Int, headDim: Int, eps: Double)
    /// `x · γ` for a learned per-channel `γ` of size `channels` (timm's `LayerScale`).
    case layerScale(channels: Int)
    /// `(B, N, C) → (B, C)`: the maximum over tokens, per channel.
    case maxTokens

    /// The op's home: the one `switch` that maps each case to the type defining it.
    var definition: any OpDefinition {
        switch self {
        case .input(let channels): InputOp(channels: channels)
        case .conv2d(let conv): conv
        case .linear(let linear): linear
        case .layerNorm(let channels, let eps): LayerNormOp(channels: channels, eps: eps)
        case .batchNorm(let channels, let eps): BatchNormOp(channels: channels, eps: eps)
        case .activation(let activation): activation
        case .add: CombineOp(averages: false)
        case .average: CombineOp(averages: true)
        case .learnedTokens(let count, let channels): LearnedTokensOp(count: count, channels: channels)
        case .positionEmbedding(let shape, let role): PositionEmbeddingOp(shape: shape, role: role)
        case .concat(let axis): ConcatOp(axis: axis)
        case .slice(let axis, let start, let length): SliceOp(axis: axis, start: start, length: length)
        case .tokensToImage(let height, let width): TokensToImageOp(height: height, width: width)
        case .imageToTokens: ImageToTokensOp()
        case .unfold(let window): UnfoldOp(window: window)
        case .attentionScores(let heads, let scale): AttentionScoresOp(heads: heads, scale: scale)
        case .softmax: SoftmaxOp()
        case .attentionContext(let heads): AttentionContextOp(heads: heads)
        case .performerAttention(let features): PerformerAttentionOp(features: features)
        case .maxPool2d(let window): MaxPool2dOp(window: window)
        case .globalAveragePool: MeanPoolOp(overTokens: false)
        case .meanTokens: MeanPoolOp(overTokens: true)
        case .selectToken(let index): SelectTokenOp(index: index)
        case .roll(let height, let width, let shift): RollOp(height: height, width: width, shift: shift)
        case .windowPartition(let height, let width, let window):
            WindowLayoutOp(height: height, width: width, window: window, merges: false)
        case .windowMerge(let height, let width, let window): WindowLayoutOp(height: height, width: width, window: window, merges: true)
        case .patchMerge(let height, let width): PatchMergeOp(height: height, width: width)
        case .relativePositionBias(let heads, let window): RelativePositionBiasOp(heads: heads, window: window)
        case .windowMask(let height, let width, let window, let shift):
            WindowMaskOp(height: height, width: width, window: window, shift: shift)
        case .headLayerNorm(let heads, let headDim, let eps): HeadLayerNormOp(heads: heads, headDim: headDim, eps: eps)
        case .layerScale(let channels): LayerScaleOp(channels: channels)
        case .maxTokens: MaxTokensOp()
        }
    }
}

extension Op {
    /// The op's name in tables and JSON (`conv2d`, `linear`, …).
    public var name: String { definition.name }

    /// The case, without its payload.
    public var kind: OpKind { definition.kind }

    /// How many inputs the op takes.
    public var arity: Arity { definition.arity }

    /// The layer when the op is a linear layer, whose weight the backend holds packed.
    public var linearLayer: Linear? { definition as? Linear }

    /// Whether the op is one of attention's token-mixing products: q·kᵀ (`attention_scores`),
    /// attn·v (`attention_context`) or T2T's Performer attention. Their MACs are
    /// ``Cost/attentionMacs``.
    public var isAttentionProduct: Bool { definition.isAttentionProduct }

    /// The family the op's elementwise work belongs to, or `nil` for ops with none.
    public var elementwiseKind: ElementwiseKind? { definition.elementwiseKind }

    /// The parameter tensors the op owns for inputs of the given shapes, in PyTorch's order.
    /// - Parameter inputs: the shapes of the op's inputs.
    public func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { definition.parameters(inputs) }

    /// State tensors the op reads at inference that are not parameters (never counted): batch
    /// norm's running statistics, in PyTorch's `state_dict` order after the parameters.
    public var buffers: [ParameterTensor] { definition.buffers }

    /// The output shape for `inputs`, with the checks the op makes on them.
    /// - Parameters:
    ///   - inputs: the shapes of the op's inputs, in order.
    ///   - size: the graph's batch, height and width.
    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let definition = definition
        let arity = definition.arity
        guard arity.accepts(inputs.count) else {
            switch arity {
            case .exactly(let n): throw ShapeError("takes \(n) input(s), got \(inputs.count)")
            case .atLeast(let n): throw ShapeError(n == 1 ? "takes at least one input" : "takes at least \(n) inputs")
            }
        }
        return try definition.inferShape(inputs, size: size, checker: &checker)
    }

    /// The cost of one application of the op to inputs of shapes `inputs` giving `output`.
    /// Parameter counts come from ``parameters(_:)``; see ``Cost`` for the conventions.
    public func cost(_ inputs: [[Expr]], output: [Expr]) -> Cost {
        let definition = definition
        var cost = Cost()
        for tensor in definition.parameters(inputs) {
            cost.params += tensor.count
            if tensor.role == .trainable { cost.trainableParams += tensor.count }
        }
        if definition.outputIsActivation { cost.activations = Expr.product(output) }
        let work = definition.work(inputs, output: output)
        cost.macs = work.macs
        if definition.isAttentionProduct { cost.attentionMacs = work.macs }
        cost.fvcoreExtra = work.fvcoreExtra
        cost.elementwise = work.elementwise
        return cost
    }
}
