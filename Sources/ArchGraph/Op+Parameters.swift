import SizeAlgebra

/// A parameter or buffer tensor that an op owns.
public struct ParameterTensor: Hashable, Sendable {
    /// The tensor's name inside its node (`weight`, `bias`, `running_mean`, …).
    public let name: String
    public let shape: [Expr]
    public let role: ParameterRole

    public init(_ name: String, _ shape: [Expr], _ role: ParameterRole = .trainable) {
        self.name = name
        self.shape = shape
        self.role = role
    }

    /// The number of elements.
    public var count: Expr { Expr.product(shape) }
}

extension Op {
    /// The parameter tensors the op owns for inputs of the given shapes, in PyTorch's order.
    /// - Parameter inputs: the shapes of the op's inputs.
    public func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        switch self {
        case .conv2d(let c):
            let weight = ParameterTensor("weight", [Expr(c.outChannels), Expr(c.inChannels / max(c.groups, 1)),
                                                    Expr(c.window.kernelHeight), Expr(c.window.kernelWidth)])
            return c.bias ? [weight, ParameterTensor("bias", [Expr(c.outChannels)])] : [weight]
        case .linear(let l):
            let weight = ParameterTensor("weight", [Expr(l.outFeatures), Expr(l.inFeatures)])
            return l.bias ? [weight, ParameterTensor("bias", [Expr(l.outFeatures)])] : [weight]
        case .layerNorm(let channels, _), .batchNorm(let channels, _):
            return [ParameterTensor("weight", [Expr(channels)]), ParameterTensor("bias", [Expr(channels)])]
        case .learnedTokens(let count, let channels):
            return [ParameterTensor("tokens", [1, Expr(count), Expr(channels)])]
        case .positionEmbedding(let shape, let role):
            return [ParameterTensor("embedding", [1] + shape, role)]
        case .performerAttention(let features):
            let width = inputs.first?.last.flatMap(\.constant).map { $0 / 3 } ?? 0
            return [ParameterTensor("projection", [Expr(features), Expr(width)], .frozen)]
        case .input, .activation, .add, .average, .concat, .slice, .tokensToImage, .imageToTokens,
             .unfold, .attentionScores, .softmax, .attentionContext, .maxPool2d, .globalAveragePool,
             .meanTokens, .selectToken:
            return []
        }
    }
}

extension Op {
    /// State tensors the op reads at inference that are not parameters (never counted): batch
    /// norm's running statistics, in PyTorch's `state_dict` order after the parameters.
    public var buffers: [ParameterTensor] {
        if case .batchNorm(let channels, _) = self {
            return [ParameterTensor("running_mean", [Expr(channels)], .frozen),
                    ParameterTensor("running_var", [Expr(channels)], .frozen)]
        }
        return []
    }
}
