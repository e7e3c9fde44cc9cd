/// The constructor signatures of vit-pytorch 1.26.11, as facts: argument names in `__init__`
/// order and which have no default. All four classes take keyword arguments only.
extension VitPytorchClass {
    /// Every keyword argument of `__init__`, in order.
    public var parameters: [String] {
        switch self {
        case .vit:
            [
                "image_size", "patch_size", "num_classes", "dim", "depth", "heads", "mlp_dim", "pool", "channels", "dim_head",
                "dropout", "emb_dropout",
            ]
        case .pit:
            [
                "image_size", "patch_size", "num_classes", "dim", "depth", "heads", "mlp_dim", "dim_head", "dropout",
                "emb_dropout", "channels",
            ]
        case .t2tViT:
            [
                "image_size", "num_classes", "dim", "depth", "heads", "mlp_dim", "pool", "channels", "dim_head", "dropout",
                "emb_dropout", "transformer", "t2t_layers",
            ]
        case .cvt:
            ["num_classes"] + (1...3).flatMap { stage in Self.cvtStageKeys.map { "s\(stage)_" + $0 } } + ["dropout", "channels"]
        }
    }

    /// The arguments that must be given. T2TViT's `depth`, `heads` and `mlp_dim` default to
    /// `None` but are asserted to be given when no `transformer` is passed, which vitscope
    /// does not support, so they are required here.
    public var required: [String] {
        switch self {
        case .vit, .pit: ["image_size", "patch_size", "num_classes", "dim", "depth", "heads", "mlp_dim"]
        case .t2tViT: ["image_size", "num_classes", "dim", "depth", "heads", "mlp_dim"]
        case .cvt: ["num_classes"]
        }
    }

    /// The per-stage CvT arguments without their `sN_` prefix, in `__init__` order.
    static let cvtStageKeys = [
        "emb_dim", "emb_kernel", "emb_stride", "proj_kernel", "kv_proj_stride", "heads", "depth",
        "mlp_mult",
    ]

    /// The arguments a spec file keeps at its top level instead of in `config`.
    static let topLevelArguments: [String: String] = [
        "image_size": "image_size", "channels": "in_channels",
        "num_classes": "num_classes",
    ]

    /// Whether `image_size` is an argument (CvT takes any input size instead).
    public var takesImageSize: Bool { self != .cvt }
}

extension VitPytorchClass: CallableClass {
    var owner: String { "vit-pytorch's \(rawValue)" }
    var className: String { rawValue }
    /// Its module, and for `ViT` also `vit_pytorch`, which exports it.
    var importPaths: [String] { self == .vit ? [module, "vit_pytorch"] : [module] }
}

/// The reader of vit-pytorch's constructor arguments.
typealias VitPytorchArgumentReader = CallArgumentReader<VitPytorchClass>
