import ArchGraph

/// A model family: which builder turns a spec into a graph.
public enum Family: String, Hashable, Sendable, CaseIterable {
    /// timm's `VisionTransformer` (ViT and DeiT, distilled or not).
    case vit
    /// timm's `PoolingVisionTransformer` (= naver-ai/pit).
    case pit
    /// yitu-opensource/T2T-ViT's `T2T_ViT`.
    case t2tViT = "t2t_vit"
    /// microsoft/CvT's `ConvolutionalVisionTransformer`.
    case cvt
    /// timm's / torchvision's bottleneck ResNet.
    case resnet
    /// Swin Transformer, as timm builds it.
    case swin
    /// lucidrains/vit-pytorch's `ViT`, `PiT`, `T2TViT` and `CvT` classes, from their constructor arguments.
    case vitPytorch = "vit_pytorch"
}

/// Input height and width in pixels.
public struct ImageSize: Hashable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    public init(_ side: Int) { self.init(height: side, width: side) }

    /// `224` for squares, `192×256` otherwise.
    public var description: String { height == width ? "\(height)" : "\(height)×\(width)" }
}

/// The figures a paper or model card publishes for a model, rounded as published.
public struct Published: Hashable, Sendable {
    /// Parameters in millions.
    public var paramsM: Double
    /// Multiply-accumulates in billions (what these papers call "FLOPs").
    public var gmacs: Double
    /// Where the figures come from.
    public var source: String

    public init(paramsM: Double, gmacs: Double, source: String) {
        self.paramsM = paramsM
        self.gmacs = gmacs
        self.source = source
    }
}

/// One architecture description: a preset or a user's spec file.
public struct ModelSpec: Hashable, Sendable {
    public var name: String
    /// The implementation the spec reproduces, e.g. "timm vision_transformer.py".
    public var reference: String
    public var imageSize: ImageSize
    public var inChannels: Int
    /// Classifier outputs; 0 means no head.
    public var numClasses: Int
    public var config: ArchitectureConfig
    public var published: Published?
    /// Remarks shown with the model (differences from a paper, defaults taken from timm, …).
    public var notes: [String]

    public init(
        name: String, reference: String, imageSize: ImageSize, inChannels: Int = 3, numClasses: Int = 1000,
        config: ArchitectureConfig, published: Published? = nil, notes: [String] = []
    ) {
        self.name = name
        self.reference = reference
        self.imageSize = imageSize
        self.inChannels = inChannels
        self.numClasses = numClasses
        self.config = config
        self.published = published
        self.notes = notes
    }

    public var family: Family { config.family }
}

/// The family-specific part of a spec.
public enum ArchitectureConfig: Hashable, Sendable {
    case vit(ViTConfig)
    case pit(PiTConfig)
    case t2tViT(T2TViTConfig)
    case cvt(CvTConfig)
    case resnet(ResNetConfig)
    case swin(SwinConfig)
    case vitPytorch(VitPytorchConfig)

    public var family: Family {
        switch self {
        case .vit: .vit
        case .pit: .pit
        case .t2tViT: .t2tViT
        case .cvt: .cvt
        case .resnet: .resnet
        case .swin: .swin
        case .vitPytorch: .vitPytorch
        }
    }
}

/// timm `VisionTransformer`: conv patch embedding, class (and distillation) token, learned
/// position embedding for every token, pre-norm blocks, final LayerNorm, linear head(s).
public struct ViTConfig: Hashable, Sendable {
    public var patchSize: Int
    public var embedDim: Int
    public var depth: Int
    public var numHeads: Int
    /// MLP hidden width is `Int(embedDim × mlpRatio)`, as in timm.
    public var mlpRatio: Double
    public var qkvBias: Bool
    /// DeiT's distillation token and second head.
    public var distilled: Bool
    public var normEps: Double
    /// The options of timm's `VisionTransformer` beyond the classic ViT and DeiT (DeiT III,
    /// DINOv2, CLIP and the like); their defaults are the classic model.
    public var options = ViTOptions()

    public init(
        patchSize: Int, embedDim: Int, depth: Int, numHeads: Int, mlpRatio: Double = 4,
        qkvBias: Bool = true, distilled: Bool = false, normEps: Double = 1e-6, options: ViTOptions = ViTOptions()
    ) {
        self.patchSize = patchSize
        self.embedDim = embedDim
        self.depth = depth
        self.numHeads = numHeads
        self.mlpRatio = mlpRatio
        self.qkvBias = qkvBias
        self.distilled = distilled
        self.normEps = normEps
        self.options = options
    }

    /// Tokens before the patch tokens: class, distillation and register tokens.
    public var prefixTokens: Int { (options.classToken ? 1 : 0) + (distilled ? 1 : 0) + options.regTokens }

    /// Whether the final LayerNorm comes after the pooling (timm's `fc_norm`): as given, or by
    /// default for the pooled heads.
    public var usesFCNorm: Bool { options.fcNorm ?? options.globalPool.reducesTokens }
}

/// timm's `global_pool` for a `VisionTransformer`: what the head classifies.
public enum ViTPool: String, Hashable, Sendable, CaseIterable {
    /// The class token (`x[:, 0]`).
    case token
    /// The mean of the patch tokens.
    case avg
    /// The maximum of the patch tokens, per channel.
    case max
    /// `0.5 · (max + mean)` of the patch tokens.
    case avgmax
    /// No pooling: the head applies to every token (timm's `''`).
    case none = ""

    /// Whether the tokens are reduced to one vector by a mean, a maximum or both.
    public var reducesTokens: Bool { self == .avg || self == .max || self == .avgmax }
}

/// The structural options of timm 1.0.31's `VisionTransformer`, named as its arguments.
public struct ViTOptions: Hashable, Sendable {
    /// `global_pool`.
    public var globalPool: ViTPool = .token
    /// `class_token`.
    public var classToken = true
    /// `reg_tokens`: learned register tokens after the class token.
    public var regTokens = 0
    /// `no_embed_class`: the position embedding covers the patches only (added before the
    /// prefix tokens are joined).
    public var noEmbedClass = false
    /// `pos_embed='learn'` (true) or `'none'`.
    public var positionEmbedding = true
    /// `pre_norm`: a LayerNorm before the blocks, and a patch embedding without bias (CLIP).
    public var preNorm = false
    /// `final_norm`.
    public var finalNorm = true
    /// `fc_norm`: `nil` lets timm decide (after pooling for `avg`, `max`, `avgmax`).
    public var fcNorm: Bool? = nil
    /// `pool_include_prefix`: the mean or maximum includes the prefix tokens.
    public var poolIncludePrefix = false
    /// `qk_norm`: LayerNorm of each head's queries and keys.
    public var qkNorm = false
    /// `init_values`: LayerScale after attention and MLP when given and nonzero.
    public var initValues: Double? = nil
    /// `proj_bias`: biases of the attention output projection and of both MLP layers.
    public var projBias = true
    /// `scale_attn_norm`: LayerNorm of the attention context before its projection.
    public var scaleAttnNorm = false
    /// `scale_mlp_norm`: LayerNorm of the MLP's hidden activations.
    public var scaleMlpNorm = false
    /// `act_layer`: the MLP's nonlinearity (GELU, or CLIP's QuickGELU, or SigLIP's tanh GELU).
    public var activation: Activation = .gelu

    public init() {}

    /// Whether the blocks have LayerScale (timm builds it when `init_values` is truthy).
    public var layerScale: Bool { (initValues ?? 0) != 0 }

    /// The spec-file keys, as timm's argument names.
    static let keys = [
        "global_pool", "class_token", "reg_tokens", "no_embed_class", "pos_embed", "pre_norm", "final_norm", "fc_norm",
        "pool_include_prefix", "qk_norm", "init_values", "proj_bias", "scale_attn_norm", "scale_mlp_norm", "act_layer",
    ]

    /// The MLP nonlinearities a ViT may have, by timm's names.
    public static let activations: [Activation] = [.gelu, .quickGELU, .geluTanh]

    /// timm's pooling heads with attention modules of their own, not modelled.
    public static let unsupportedPools = ["map", "prr"]

    /// What timm rejects or vitscope does not model about these options, by the key to blame.
    public func problems(distilled: Bool) -> [(key: String, message: String)] {
        var problems: [(key: String, message: String)] = []
        if !classToken && globalPool == .token && !distilled {
            problems.append(
                (
                    "class_token",
                    "token pooling needs the class token (timm asserts it at construction); use global_pool 'avg' or keep the class token"
                ))
        }
        if distilled {
            let changed = [
                ("global_pool", globalPool != .token), ("class_token", !classToken), ("reg_tokens", regTokens != 0),
                ("no_embed_class", noEmbedClass), ("pos_embed", !positionEmbedding), ("fc_norm", fcNorm == true),
                ("pool_include_prefix", poolIncludePrefix),
            ]
            for (key, isChanged) in changed where isChanged {
                problems.append(
                    key == "global_pool"
                        ? (
                            key,
                            "the distilled head reads the class and distillation tokens: timm's VisionTransformerDistilled asserts global_pool='token'"
                        )
                        : (key, "vitscope models a distilled ViT (timm's VisionTransformerDistilled) with \(key) at its default only"))
            }
        }
        return problems
    }
}

/// PiT: overlapping conv patch embedding, a transformer per stage, depthwise-conv pooling
/// between stages (channels × 2, grid ÷ 2) with a linear layer for the class tokens.
public struct PiTConfig: Hashable, Sendable {
    public var patchSize: Int
    public var stride: Int
    /// Per-head width of each stage; the stage width is `baseDims[i] × heads[i]`.
    public var baseDims: [Int]
    public var depth: [Int]
    public var heads: [Int]
    public var mlpRatio: Double
    public var distilled: Bool

    public init(
        patchSize: Int, stride: Int, baseDims: [Int], depth: [Int], heads: [Int],
        mlpRatio: Double = 4, distilled: Bool = false
    ) {
        self.patchSize = patchSize
        self.stride = stride
        self.baseDims = baseDims
        self.depth = depth
        self.heads = heads
        self.mlpRatio = mlpRatio
        self.distilled = distilled
    }
}

/// The attention form of T2T-ViT's tokens-to-token layers.
public enum T2TTokensType: String, Hashable, Sendable, CaseIterable {
    /// Single-head Performer attention with `tokenDim × kernelRatio` random features.
    case performer
    /// Single-head softmax attention (T2T-ViT_t).
    case transformer
}

/// T2T-ViT: three soft splits (unfold 7/4/2, 3/2/1, 3/2/1) with two T2T layers between them,
/// a projection to `embedDim`, a frozen sinusoid position embedding and a ViT backbone whose
/// qkv has no bias.
public struct T2TViTConfig: Hashable, Sendable {
    public var tokensType: T2TTokensType
    public var embedDim: Int
    public var depth: Int
    public var numHeads: Int
    public var mlpRatio: Double
    public var tokenDim: Int
    /// Performer features per token: `Int(tokenDim × kernelRatio)`.
    public var kernelRatio: Double

    public init(
        tokensType: T2TTokensType, embedDim: Int, depth: Int, numHeads: Int, mlpRatio: Double,
        tokenDim: Int = 64, kernelRatio: Double = 0.5
    ) {
        self.tokensType = tokensType
        self.embedDim = embedDim
        self.depth = depth
        self.numHeads = numHeads
        self.mlpRatio = mlpRatio
        self.tokenDim = tokenDim
        self.kernelRatio = kernelRatio
    }
}

/// One CvT stage, with the keys of microsoft/CvT's `MODEL.SPEC` (lower-cased, per stage).
public struct CvTStage: Hashable, Sendable {
    public var patchSize: Int
    public var patchStride: Int
    public var patchPadding: Int
    public var dimEmbed: Int
    public var numHeads: Int
    public var depth: Int
    public var mlpRatio: Double
    public var qkvBias: Bool
    public var clsToken: Bool
    public var kernelQKV: Int
    public var paddingQ: Int
    public var paddingKV: Int
    public var strideQ: Int
    public var strideKV: Int

    public init(
        patchSize: Int, patchStride: Int, patchPadding: Int, dimEmbed: Int, numHeads: Int, depth: Int,
        mlpRatio: Double = 4, qkvBias: Bool = true, clsToken: Bool = false, kernelQKV: Int = 3,
        paddingQ: Int = 1, paddingKV: Int = 1, strideQ: Int = 1, strideKV: Int = 2
    ) {
        self.patchSize = patchSize
        self.patchStride = patchStride
        self.patchPadding = patchPadding
        self.dimEmbed = dimEmbed
        self.numHeads = numHeads
        self.depth = depth
        self.mlpRatio = mlpRatio
        self.qkvBias = qkvBias
        self.clsToken = clsToken
        self.kernelQKV = kernelQKV
        self.paddingQ = paddingQ
        self.paddingKV = paddingKV
        self.strideQ = strideQ
        self.strideKV = strideKV
    }
}

/// CvT: per stage a conv token embedding with LayerNorm, then blocks whose q, k, v come from
/// depthwise conv + BatchNorm projections followed by linear layers.
public struct CvTConfig: Hashable, Sendable {
    public var stages: [CvTStage]
    public init(stages: [CvTStage]) { self.stages = stages }
}

/// Bottleneck ResNet (ResNet-50 and relatives).
public struct ResNetConfig: Hashable, Sendable {
    /// Bottleneck blocks per stage.
    public var layers: [Int]
    /// Each stage's bottleneck width (timm's `channels`); stage outputs are 4× these.
    public var channels: [Int]

    /// The stem's output channels: timm's and torchvision's plain 7×7 stem is always 64 wide
    /// (timm's `stem_width` only applies to its "deep" stems, which are not modelled).
    public static let stemWidth = 64

    /// timm's default bottleneck widths are 64, 128, 256, 512, … doubling.
    public init(layers: [Int], channels: [Int]? = nil) {
        self.layers = layers
        self.channels = channels ?? Self.defaultChannels(count: layers.count)
    }

    /// `64 · 2^i` for each of `count` stages.
    public static func defaultChannels(count: Int) -> [Int] {
        (0..<count).map { 64 << min($0, 40) }
    }
}

/// Swin Transformer as timm 1.0.31's `SwinTransformer` builds it (the structure of
/// microsoft/Swin-Transformer): a `patchSize` conv patch embedding with LayerNorm, then per stage
/// (after the first) a 2×2 patch merging to twice the width, and blocks of window attention with a
/// relative position bias, every second block on windows shifted by half a window; a final
/// LayerNorm, the mean over tokens and the classifier.
public struct SwinConfig: Hashable, Sendable {
    public var patchSize: Int
    /// Width of the first stage; stage `i` is `embedDim · 2ⁱ` wide.
    public var embedDim: Int
    public var depths: [Int]
    public var numHeads: [Int]
    /// The window side of each stage (timm shrinks it to the grid where the grid is not larger).
    public var windowSize: [Int]
    public var mlpRatio: Double
    public var qkvBias: Bool
    /// Channels per head; `nil` for the stage width divided by its heads (timm's default).
    public var headDim: Int?

    public init(
        patchSize: Int = 4, embedDim: Int, depths: [Int], numHeads: [Int], windowSize: [Int],
        mlpRatio: Double = 4, qkvBias: Bool = true, headDim: Int? = nil
    ) {
        self.patchSize = patchSize
        self.embedDim = embedDim
        self.depths = depths
        self.numHeads = numHeads
        self.windowSize = windowSize
        self.mlpRatio = mlpRatio
        self.qkvBias = qkvBias
        self.headDim = headDim
    }

    /// The width of stage `index`: `embedDim · 2^index`.
    public func width(_ index: Int) -> Int { embedDim << index }
}
