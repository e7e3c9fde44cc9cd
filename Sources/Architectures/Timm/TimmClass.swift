/// The timm release whose classes `--timm` reads.
public enum Timm {
    /// The version the readers follow and the reference counts were measured with.
    public static let version = "1.0.31"
}

/// One of timm's model classes whose constructor calls vitscope reads.
public enum TimmClass: String, Hashable, Sendable, CaseIterable {
    case visionTransformer = "VisionTransformer"
    case visionTransformerDistilled = "VisionTransformerDistilled"
    case poolingVisionTransformer = "PoolingVisionTransformer"
    case swinTransformer = "SwinTransformer"
    case resNet = "ResNet"

    /// The module that defines the class, e.g. `timm.models.vision_transformer`.
    public var module: String {
        switch self {
        case .visionTransformer: "timm.models.vision_transformer"
        case .visionTransformerDistilled: "timm.models.deit"
        case .poolingVisionTransformer: "timm.models.pit"
        case .swinTransformer: "timm.models.swin_transformer"
        case .resNet: "timm.models.resnet"
        }
    }
}

/// The constructor signatures of timm 1.0.31, as facts: argument names in `__init__` order.
extension TimmClass: CallableClass {
    var owner: String { "timm's \(rawValue)" }
    var className: String { rawValue }
    /// Its module, and `timm.models`, which exports it.
    var importPaths: [String] { [module, "timm.models"] }

    var parameters: [String] {
        switch self {
        case .visionTransformer, .visionTransformerDistilled:
            [
                "img_size", "patch_size", "in_chans", "num_classes", "global_pool", "embed_dim", "depth", "num_heads", "mlp_ratio",
                "qkv_bias", "qk_norm", "scale_attn_norm", "scale_mlp_norm", "proj_bias", "init_values", "class_token", "pos_embed",
                "no_embed_class", "reg_tokens", "pre_norm", "final_norm", "fc_norm", "pool_include_prefix", "dynamic_img_size",
                "dynamic_img_pad", "drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate", "attn_drop_rate",
                "drop_path_rate", "weight_init", "fix_init", "embed_layer", "embed_norm_layer", "norm_layer", "act_layer",
                "block_fn", "mlp_layer", "attn_layer", "device", "dtype",
            ]
        case .poolingVisionTransformer:
            [
                "img_size", "patch_size", "stride", "stem_type", "base_dims", "depth", "heads", "mlp_ratio", "num_classes",
                "in_chans", "global_pool", "distilled", "drop_rate", "pos_drop_rate", "proj_drop_rate", "attn_drop_rate",
                "drop_path_rate", "device", "dtype",
            ]
        case .swinTransformer:
            [
                "img_size", "patch_size", "in_chans", "num_classes", "global_pool", "embed_dim", "depths", "num_heads", "head_dim",
                "window_size", "always_partition", "strict_img_size", "dynamic_img_size", "mlp_ratio", "qkv_bias", "drop_rate",
                "proj_drop_rate", "attn_drop_rate", "drop_path_rate", "embed_layer", "norm_layer", "weight_init", "device",
                "dtype",
            ]
        case .resNet:
            [
                "block", "layers", "num_classes", "in_chans", "output_stride", "global_pool", "cardinality", "base_width",
                "stem_width", "stem_type", "replace_stem_pool", "block_reduce_first", "down_kernel_size", "avg_down",
                "channels", "act_layer", "norm_layer", "aa_layer", "drop_rate", "drop_path_rate", "drop_block_rate",
                "zero_init_last", "block_args", "device", "dtype",
            ]
        }
    }

    /// Only `ResNet` has arguments without defaults.
    var required: [String] { self == .resNet ? ["block", "layers"] : [] }

    static var topLevelArguments: [String: String] { [:] }

    /// The arguments that change nothing vitscope counts at the size a model is built for:
    /// initialisation, devices and dtypes, and what only matters at other input sizes.
    var uncounted: Set<String> {
        switch self {
        case .visionTransformer, .visionTransformerDistilled:
            ["dynamic_img_size", "dynamic_img_pad", "weight_init", "fix_init", "device", "dtype"]
        case .poolingVisionTransformer: ["device", "dtype"]
        case .swinTransformer: ["strict_img_size", "dynamic_img_size", "weight_init", "device", "dtype"]
        case .resNet: ["stem_width", "zero_init_last", "device", "dtype"]
        }
    }

    /// The dropout and stochastic-depth rates: checked, with no parameters and no work at inference.
    var rates: [String] {
        switch self {
        case .visionTransformer, .visionTransformerDistilled:
            ["drop_rate", "pos_drop_rate", "patch_drop_rate", "proj_drop_rate", "attn_drop_rate", "drop_path_rate"]
        case .poolingVisionTransformer: ["drop_rate", "pos_drop_rate", "proj_drop_rate", "attn_drop_rate", "drop_path_rate"]
        case .swinTransformer: ["drop_rate", "proj_drop_rate", "attn_drop_rate", "drop_path_rate"]
        case .resNet: ["drop_rate", "drop_path_rate", "drop_block_rate"]
        }
    }
}
