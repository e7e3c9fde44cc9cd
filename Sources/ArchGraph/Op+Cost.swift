import SizeAlgebra

extension Op {
    /// The cost of one application of the op to inputs of shapes `inputs` giving `output`.
    /// Parameter counts come from ``parameters(_:)``; see ``Cost`` for the conventions.
    public func cost(_ inputs: [[Expr]], output: [Expr]) -> Cost {
        var cost = Cost()
        for tensor in parameters(inputs) {
            cost.params += tensor.count
            if tensor.role == .trainable { cost.trainableParams += tensor.count }
        }
        let outputElements = Expr.product(output)
        let inputElements = Expr.product(inputs.first ?? [])
        if case .input = self {} else { cost.activations = outputElements }

        switch self {
        case .conv2d(let c):
            // B · Cout · (Cin / groups) · kh · kw · H' · W'
            let perOutput = (c.inChannels / max(c.groups, 1)) * c.window.kernelHeight * c.window.kernelWidth
            cost.macs = outputElements * Expr(perOutput)
        case .linear(let l):
            cost.macs = outputElements * Expr(l.inFeatures)
        case .attentionScores(let heads, _):
            // (B, h, Nq, Nk) scores, each a dot product of width C / h
            let width = inputs[0][2].constant ?? 0
            cost.macs = outputElements * Expr(width / heads)
        case .attentionContext:
            // (B, Nq, h·d) outputs, each a sum over Nk tokens
            cost.macs = outputElements * inputs[0][3]
        case .performerAttention(let m):
            // kᵀw and qᵀw (2·T·m·e), D = q'·Σk' (T·m), Σ v⊗k' (T·e·m), q'·(Σ v⊗k') (T·m·e)
            let tokens = inputs[0][0] * inputs[0][1]
            let e = output[2]
            cost.macs = tokens * Expr(m) * (e * 4 + 1)
            cost.elementwise = tokens * (Expr(2 * m) + e * 3)
        case .layerNorm:
            cost.fvcoreExtra = inputElements * 5
            cost.elementwise = inputElements
        case .batchNorm:
            cost.fvcoreExtra = inputElements * 2
            cost.elementwise = inputElements
        case .globalAveragePool:
            cost.fvcoreExtra = inputElements
            cost.elementwise = inputElements
        case .meanTokens:
            cost.elementwise = inputElements
        case .maxPool2d(let window):
            cost.elementwise = outputElements * Expr(window.kernelHeight * window.kernelWidth)
        case .activation, .softmax, .add, .positionEmbedding:
            cost.elementwise = outputElements
        case .average:
            cost.elementwise = outputElements * Expr(inputs.count)
        case .input, .learnedTokens, .concat, .slice, .tokensToImage, .imageToTokens, .unfold, .selectToken:
            break
        }
        return cost
    }

    /// The family the op's elementwise work belongs to, or `nil` for ops with none.
    public var elementwiseKind: ElementwiseKind? {
        switch self {
        case .layerNorm, .batchNorm: .norm
        case .softmax: .softmax
        case .activation: .activation
        case .add, .average, .positionEmbedding: .add
        case .maxPool2d, .globalAveragePool, .meanTokens: .pool
        case .performerAttention: .performer
        case .input, .conv2d, .linear, .learnedTokens, .concat, .slice, .tokensToImage, .imageToTokens,
             .unfold, .attentionScores, .attentionContext, .selectToken: nil
        }
    }
}
