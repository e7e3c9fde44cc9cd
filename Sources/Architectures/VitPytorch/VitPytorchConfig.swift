/// The vit-pytorch release whose classes the `vit_pytorch` family reproduces.
public enum VitPytorch {
    /// The version the builders follow and the reference counts were measured with.
    public static let version = "1.26.11"
}

/// One of the vit-pytorch classes vitscope can build.
public enum VitPytorchClass: String, Hashable, Sendable, CaseIterable {
    case vit = "ViT"
    case pit = "PiT"
    case t2tViT = "T2TViT"
    case cvt = "CvT"

    /// The module that defines the class, e.g. `vit_pytorch.pit`.
    public var module: String {
        switch self {
        case .vit: "vit_pytorch.vit"
        case .pit: "vit_pytorch.pit"
        case .t2tViT: "vit_pytorch.t2t"
        case .cvt: "vit_pytorch.cvt"
        }
    }
}

/// The `pool` argument of vit-pytorch's `ViT` and `T2TViT`.
public enum VitPytorchPool: String, Hashable, Sendable, CaseIterable {
    /// Classify the class token (`x[:, 0]`).
    case cls
    /// Classify the mean of all tokens (`x.mean(dim = 1)`); `ViT` then has no class token.
    case mean
}

/// The family-specific part of a vit-pytorch model: the class and its constructor arguments.
///
/// `image_size`, `channels` and `num_classes` live in ``ModelSpec`` (`imageSize`, `inChannels`,
/// `numClasses`) so that command-line overrides apply to them as to every other model.
/// Dropout probabilities are kept so that a spec reproduces the call, but they have no
/// parameters and no MACs.
public enum VitPytorchConfig: Hashable, Sendable {
    case vit(VitPytorchViT)
    case pit(VitPytorchPiT)
    case t2tViT(VitPytorchT2TViT)
    case cvt(VitPytorchCvT)

    public var modelClass: VitPytorchClass {
        switch self {
        case .vit: .vit
        case .pit: .pit
        case .t2tViT: .t2tViT
        case .cvt: .cvt
        }
    }
}

/// `vit_pytorch.vit.ViT`: Rearrange → LayerNorm → Linear → LayerNorm patch embedding, class
/// token (none with `pool='mean'`), learned positions, pre-norm blocks with qkv without bias
/// and attention width `heads × dim_head`, a final LayerNorm, a linear head.
public struct VitPytorchViT: Hashable, Sendable {
    public var patchHeight: Int, patchWidth: Int
    public var dim: Int
    public var depth: Int
    public var heads: Int
    public var mlpDim: Int
    public var pool: VitPytorchPool
    public var dimHead: Int
    public var dropout: Double, embDropout: Double

    public init(
        patchHeight: Int, patchWidth: Int, dim: Int, depth: Int, heads: Int, mlpDim: Int,
        pool: VitPytorchPool = .cls, dimHead: Int = 64, dropout: Double = 0, embDropout: Double = 0
    ) {
        self.patchHeight = patchHeight
        self.patchWidth = patchWidth
        self.dim = dim
        self.depth = depth
        self.heads = heads
        self.mlpDim = mlpDim
        self.pool = pool
        self.dimHead = dimHead
        self.dropout = dropout
        self.embDropout = embDropout
    }
}

/// `vit_pytorch.pit.PiT`: `nn.Unfold` patches with stride `patch_size // 2` and a linear
/// projection, positions for the class token and the grid, then per stage a transformer and
/// (between stages) a pooling layer doubling the width: depthwise 3×3/2 conv plus 1×1 conv for
/// the grid, a linear layer for the class token. One `mlp_dim` and `dim_head` for all stages.
public struct VitPytorchPiT: Hashable, Sendable {
    public var patchSize: Int
    public var dim: Int
    /// Blocks per stage (a tuple in Python).
    public var depth: [Int]
    /// Heads per stage; a single entry applies to every stage (an int in Python).
    public var heads: [Int]
    public var mlpDim: Int
    public var dimHead: Int
    public var dropout: Double, embDropout: Double

    public init(
        patchSize: Int, dim: Int, depth: [Int], heads: [Int], mlpDim: Int, dimHead: Int = 64,
        dropout: Double = 0, embDropout: Double = 0
    ) {
        self.patchSize = patchSize
        self.dim = dim
        self.depth = depth
        self.heads = heads
        self.mlpDim = mlpDim
        self.dimHead = dimHead
        self.dropout = dropout
        self.embDropout = embDropout
    }

    /// The heads of stage `index` (the single entry when one is given for all).
    public func heads(ofStage index: Int) -> Int { heads.count == 1 ? heads[0] : heads[index] }
}

/// One tokens-to-token layer of vit-pytorch's `T2TViT`: an unfold with `kernel`, `stride` and
/// padding `stride // 2`.
public struct T2TLayer: Hashable, Sendable {
    public var kernel: Int
    public var stride: Int
    public init(kernel: Int, stride: Int) {
        self.kernel = kernel
        self.stride = stride
    }
}

/// `vit_pytorch.t2t.T2TViT`: soft splits (`nn.Unfold`), each but the last followed by a
/// one-head transformer at the full unfolded width, a linear projection, class token, learned
/// positions, the ViT transformer, a linear head.
public struct VitPytorchT2TViT: Hashable, Sendable {
    public var dim: Int
    public var depth: Int
    public var heads: Int
    public var mlpDim: Int
    public var pool: VitPytorchPool
    public var dimHead: Int
    public var dropout: Double, embDropout: Double
    public var t2tLayers: [T2TLayer]

    public static let defaultLayers = [
        T2TLayer(kernel: 7, stride: 4), T2TLayer(kernel: 3, stride: 2),
        T2TLayer(kernel: 3, stride: 2),
    ]

    public init(
        dim: Int, depth: Int, heads: Int, mlpDim: Int, pool: VitPytorchPool = .cls, dimHead: Int = 64,
        dropout: Double = 0, embDropout: Double = 0, t2tLayers: [T2TLayer] = defaultLayers
    ) {
        self.dim = dim
        self.depth = depth
        self.heads = heads
        self.mlpDim = mlpDim
        self.pool = pool
        self.dimHead = dimHead
        self.dropout = dropout
        self.embDropout = embDropout
        self.t2tLayers = t2tLayers
    }
}

/// The `s1_…`, `s2_…`, `s3_…` arguments of one stage of vit-pytorch's `CvT`.
public struct VitPytorchCvTStage: Hashable, Sendable {
    public var embDim: Int, embKernel: Int, embStride: Int
    public var projKernel: Int, kvProjStride: Int
    public var heads: Int, depth: Int, mlpMult: Int

    public init(
        embDim: Int, embKernel: Int, embStride: Int, projKernel: Int = 3, kvProjStride: Int = 2,
        heads: Int, depth: Int, mlpMult: Int = 4
    ) {
        self.embDim = embDim
        self.embKernel = embKernel
        self.embStride = embStride
        self.projKernel = projKernel
        self.kvProjStride = kvProjStride
        self.heads = heads
        self.depth = depth
        self.mlpMult = mlpMult
    }
}

/// `vit_pytorch.cvt.CvT`: three stages of conv embedding + channel LayerNorm + transformer
/// whose q and shared k/v projections are depthwise-separable convs (no bias), attention width
/// `heads × 64`, 1×1-conv MLPs, no class token; average pooling and a linear head.
public struct VitPytorchCvT: Hashable, Sendable {
    public var stages: [VitPytorchCvTStage]
    public var dropout: Double

    /// vit-pytorch's defaults for `s1_…`, `s2_…` and `s3_…`.
    public static let defaultStages = [
        VitPytorchCvTStage(embDim: 64, embKernel: 7, embStride: 4, heads: 1, depth: 1),
        VitPytorchCvTStage(embDim: 192, embKernel: 3, embStride: 2, heads: 3, depth: 2),
        VitPytorchCvTStage(embDim: 384, embKernel: 3, embStride: 2, heads: 6, depth: 10),
    ]

    public init(stages: [VitPytorchCvTStage] = defaultStages, dropout: Double = 0) {
        self.stages = stages
        self.dropout = dropout
    }
}
