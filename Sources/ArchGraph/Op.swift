import SizeAlgebra

/// A sliding window: kernel, stride and symmetric zero padding, each as (height, width).
public struct Window: Hashable, Sendable {
    public var kernel: (Int, Int) { (kernelHeight, kernelWidth) }
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let paddingHeight: Int, paddingWidth: Int

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.init(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
    }

    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
    }

    /// Output size along height for an input of height `h`: `⌊(h + 2p − k)/s⌋ + 1`.
    public func outputHeight(_ h: Expr) -> Expr {
        (h + Expr(2 * paddingHeight - kernelHeight)).floorDiv(strideHeight) + 1
    }

    /// Output size along width for an input of width `w`.
    public func outputWidth(_ w: Expr) -> Expr {
        (w + Expr(2 * paddingWidth - kernelWidth)).floorDiv(strideWidth) + 1
    }

    /// `k×k/s` (or `kh×kw/sh×sw`), padding when nonzero, for tables and errors.
    public var summary: String {
        let k = kernelHeight == kernelWidth ? "\(kernelHeight)" : "\(kernelHeight)×\(kernelWidth)"
        let s = strideHeight == strideWidth ? "\(strideHeight)" : "\(strideHeight)×\(strideWidth)"
        let p = paddingHeight == paddingWidth ? "\(paddingHeight)" : "\(paddingHeight)×\(paddingWidth)"
        return "kernel \(k), stride \(s), padding \(p)"
    }
}

/// A 2-D convolution on `(B, C, H, W)` images.
public struct Conv2d: Hashable, Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let window: Window
    public let groups: Int
    public let bias: Bool

    public init(_ inChannels: Int, _ outChannels: Int, _ window: Window, groups: Int = 1, bias: Bool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.window = window
        self.groups = groups
        self.bias = bias
    }
}

/// A fully connected layer on the last axis.
public struct Linear: Hashable, Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let bias: Bool

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.bias = bias
    }
}

/// How a parameter tensor is initialised by the backend, and whether training updates it.
public enum ParameterRole: String, Hashable, Sendable {
    /// Learned: counted in `params` and `trainable_params`.
    case trainable
    /// Fixed at construction (T2T's sinusoid table, the Performer projection): counted in
    /// `params` only.
    case frozen
}

/// An elementwise nonlinearity.
public enum Activation: String, Hashable, Sendable {
    /// GELU with the exact erf form (`nn.GELU`).
    case gelu
    /// `x · σ(1.702 x)`, CvT's QuickGELU.
    case quickGELU = "quick_gelu"
    case relu
}

/// The closed set of primitive operations. Each case is defined once: shape inference in
/// `Op+Shape.swift`, parameter tensors in `Op+Parameters.swift`, cost in `Op+Cost.swift`.
/// Every `switch` over `Op` is exhaustive, so a new case does not compile until all exist.
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
}

extension Op {
    /// The op's name in tables and JSON (`conv2d`, `linear`, …).
    public var name: String {
        switch self {
        case .input: "input"
        case .conv2d: "conv2d"
        case .linear: "linear"
        case .layerNorm: "layer_norm"
        case .batchNorm: "batch_norm"
        case .activation(let a): a.rawValue
        case .add: "add"
        case .average: "average"
        case .learnedTokens: "learned_tokens"
        case .positionEmbedding: "position_embedding"
        case .concat: "concat"
        case .slice: "slice"
        case .tokensToImage: "tokens_to_image"
        case .imageToTokens: "image_to_tokens"
        case .unfold: "unfold"
        case .attentionScores: "attention_scores"
        case .softmax: "softmax"
        case .attentionContext: "attention_context"
        case .performerAttention: "performer_attention"
        case .maxPool2d: "max_pool2d"
        case .globalAveragePool: "global_average_pool"
        case .meanTokens: "mean_tokens"
        case .selectToken: "select_token"
        }
    }
}
