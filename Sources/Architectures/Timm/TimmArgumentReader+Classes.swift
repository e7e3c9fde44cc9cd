import ArchGraph

/// What one timm constructor call describes, before the spec is made of it.
struct TimmModel {
    var image: ImageSize
    var channels: Int
    var classes: Int
    var config: ArchitectureConfig
}

/// Each class's arguments with timm 1.0.31's defaults, the assertions its constructor makes,
/// and an error for every argument value vitscope cannot represent.
extension CallArgumentReader where Class == TimmClass {
    /// The model, or nil when an argument is wrong (reported).
    mutating func model() -> TimmModel? {
        let rates = modelClass.rates.map { rate($0, below1: $0 == "patch_drop_rate") }
        let channels = int("in_chans", default: 3, in: 1...4096)
        let classes = int("num_classes", default: 1000, in: 0...Limits.maxClasses)
        let built: (ImageSize, ArchitectureConfig)? =
            switch modelClass {
            case .visionTransformer: visionTransformer(distilled: false)
            case .visionTransformerDistilled: visionTransformer(distilled: true)
            case .poolingVisionTransformer: poolingVisionTransformer()
            case .swinTransformer: swinTransformer()
            case .resNet: resNet()
            }
        guard !rates.contains(nil), let channels, let classes, let (image, config) = built else { return nil }
        return TimmModel(image: image, channels: channels, classes: classes, config: config)
    }

    private mutating func imageSize(default fallback: Int = 224) -> ImageSize? {
        pair("img_size", default: fallback, in: 1...Limits.maxImageSide).map { ImageSize(height: $0.0, width: $0.1) }
    }

    /// `heads` divides `width`, as timm's `Attention` asserts.
    private mutating func checkHeads(_ width: Int, _ widthName: String, heads: Int, _ headsName: String) {
        guard width % heads != 0 else { return }
        report(
            headsName, at: values[headsName] ?? values[widthName],
            "\(widthName) \(width) is not divisible by \(headsName) \(heads) (timm's Attention asserts dim % num_heads == 0)")
    }

    // MARK: VisionTransformer

    private mutating func visionTransformer(distilled: Bool) -> (ImageSize, ArchitectureConfig)? {
        let image = imageSize()
        let patch = square("patch_size", default: 16, what: "patches")
        let pool = choice("global_pool", default: "token", among: ["", "avg", "avgmax", "max", "token", "map", "prr"])
        let embedDim = int("embed_dim", default: 768), depth = int("depth", default: 12, in: Self.depths)
        let numHeads = int("num_heads", default: 12), mlpRatio = ratio("mlp_ratio", default: 4)
        var o = ViTOptions()
        var ok = true
        func set<T>(_ value: T?, _ keyPath: WritableKeyPath<ViTOptions, T>) {
            if let value { o[keyPath: keyPath] = value } else { ok = false }
        }
        let qkvBias = bool("qkv_bias", default: true)
        set(bool("qk_norm", default: false), \.qkNorm)
        set(bool("scale_attn_norm", default: false), \.scaleAttnNorm)
        set(bool("scale_mlp_norm", default: false), \.scaleMlpNorm)
        set(bool("proj_bias", default: true), \.projBias)
        set(optionalNumber("init_values"), \.initValues)
        set(bool("class_token", default: true), \.classToken)
        set(choice("pos_embed", default: "learn", among: ["", "none", "learn"]).map { $0 == "learn" }, \.positionEmbedding)
        set(bool("no_embed_class", default: false), \.noEmbedClass)
        set(int("reg_tokens", default: 0, in: 0...SpecReader.maxRegisterTokens), \.regTokens)
        set(bool("pre_norm", default: false), \.preNorm)
        set(bool("final_norm", default: true), \.finalNorm)
        set(optionalBool("fc_norm"), \.fcNorm)
        set(bool("pool_include_prefix", default: false), \.poolIncludePrefix)
        set(vitActivation(), \.activation)
        let dynamicPad = bool("dynamic_img_pad", default: false)
        _ = bool("dynamic_img_size", default: false)
        _ = bool("fix_init", default: false)
        _ = choice("weight_init", default: "", among: ["skip", "reset", "jax", "jax_nlhb", "moco", ""])
        let layers = [
            defaultOnly("embed_layer", accepted: ["PatchEmbed"], modelled: "timm's PatchEmbed"),
            defaultOnly("embed_norm_layer", accepted: [], modelled: "a patch embedding without a norm (None)"),
            defaultOnly("norm_layer", accepted: ["LayerNorm", "layernorm"], modelled: "LayerNorm"),
            defaultOnly("block_fn", accepted: ["Block"], modelled: "timm's pre-norm Block"),
            defaultOnly("mlp_layer", accepted: ["Mlp"], modelled: "timm's two-layer Mlp"),
            defaultOnly("attn_layer", accepted: ["Attention", "attention"], modelled: "timm's Attention"),
        ]
        if let pool {
            if let viTPool = ViTPool(rawValue: pool) {
                o.globalPool = viTPool
            } else {
                report(
                    "global_pool", at: values["global_pool"],
                    "'\(pool)' pooling has an attention module of its own (timm's AttentionPool\(pool == "map" ? "Latent" : "Prr")), which vitscope does not model yet",
                    fix: "use 'token', 'avg', 'max', 'avgmax' or ''")
                ok = false
            }
        } else {
            ok = false
        }
        if let embedDim, let numHeads { checkHeads(embedDim, "embed_dim", heads: numHeads, "num_heads") }
        if let image, let patch {
            if dynamicPad == true, image.height % patch != 0 || image.width % patch != 0 {
                report(
                    "dynamic_img_pad", at: values["dynamic_img_pad"],
                    "pads the \(image) image to whole \(patch)-pixel patches, which vitscope does not model",
                    fix: "use an img_size that is a multiple of \(patch)")
                ok = false
            }
            if image.height < patch || image.width < patch {
                report("img_size", at: values["img_size"], "the \(image) image is smaller than one \(patch)×\(patch) patch")
                ok = false
            }
        }
        if ok {
            for problem in o.problems(distilled: distilled) {
                report(problem.key, at: values[problem.key], problem.message)
                ok = false
            }
        }
        guard ok, !layers.contains(false), let image, let patch, let embedDim, let depth, let numHeads, let mlpRatio,
            let qkvBias, dynamicPad != nil
        else { return nil }
        let config = ViTConfig(
            patchSize: patch, embedDim: embedDim, depth: depth, numHeads: numHeads, mlpRatio: mlpRatio, qkvBias: qkvBias,
            distilled: distilled, options: o)
        return (image, .vit(config))
    }

    /// `act_layer`: GELU (`None`, `nn.GELU`, `'gelu'`), `'quick_gelu'` or `'gelu_tanh'` (a
    /// string or timm's `QuickGELU` and `GELUTanh` classes).
    private mutating func vitActivation() -> Activation? {
        guard let value = values["act_layer"], value.kind != .none else { return .gelu }
        let named: Activation? =
            switch value.kind {
            case .string("gelu"), .name("GELU"), .name("nn.GELU"): .gelu
            case .string("quick_gelu"), .name("QuickGELU"): .quickGELU
            case .string("gelu_tanh"), .name("GELUTanh"): .geluTanh
            default: nil
            }
        if let named { return named }
        report(
            "act_layer", at: value,
            "vitscope cannot represent act_layer=\(value.rendered); it models GELU, 'quick_gelu' and 'gelu_tanh' only")
        return nil
    }

    // MARK: PoolingVisionTransformer

    private mutating func poolingVisionTransformer() -> (ImageSize, ArchitectureConfig)? {
        let image = imageSize()
        let patch = int("patch_size", default: 16), stride = int("stride", default: 8)
        let stem = choice("stem_type", default: "overlap", among: ["overlap"])
        let baseDims = stages("base_dims", default: [48, 48, 48])
        let depth = stages("depth", default: [2, 6, 4], in: Self.depths)
        let heads = stages("heads", default: [2, 4, 8])
        let mlpRatio = ratio("mlp_ratio", default: 4)
        let distilled = bool("distilled", default: false)
        let pool = choice("global_pool", default: "token", among: ["", "token"])
        var ok = true
        if pool == "" {
            report(
                "global_pool", at: values["global_pool"], "global_pool='' (no head on the class tokens) is not modelled",
                fix: "use 'token' (the default)")
            ok = false
        }
        if let baseDims, let depth, let heads, baseDims.count != depth.count || depth.count != heads.count {
            report(
                "depth", at: values["depth"] ?? values["base_dims"] ?? values["heads"],
                "base_dims, depth and heads must have one entry per stage, found \(baseDims.count), \(depth.count) and \(heads.count)")
            ok = false
        }
        guard ok, let image, let patch, let stride, stem != nil, let baseDims, let depth, let heads, let mlpRatio, let distilled,
            pool != nil
        else { return nil }
        return (
            image,
            .pit(
                PiTConfig(
                    patchSize: patch, stride: stride, baseDims: baseDims, depth: depth, heads: heads, mlpRatio: mlpRatio,
                    distilled: distilled))
        )
    }

    // MARK: SwinTransformer

    private mutating func swinTransformer() -> (ImageSize, ArchitectureConfig)? {
        let image = imageSize()
        let patch = int("patch_size", default: 4)
        // timm's ClassifierHead takes these on Swin's channels-last grid; vitscope models the mean
        // ('avg', and 'fast' and 'fastavg', which are the same mean).
        let pool = choice(
            "global_pool", default: "avg",
            among: ["", "avg", "max", "avgmax", "catavgmax", "fast", "fastavg", "fastmax", "fastavgmax", "fastcatavgmax"])
        let embedDim = int("embed_dim", default: 96)
        let depths = stages("depths", default: [2, 2, 6, 2], in: Self.depths)
        // timm indexes num_heads per stage: an integer fails at construction.
        let heads = stages("num_heads", default: [3, 6, 12, 24])
        let headDim = optionalInt("head_dim")
        let window: [Int]?
        // timm reads a sequence of two integers as one (height, width) window for every stage.
        if let value = values["window_size"], let elements = value.elements, elements.count == 2, elements[0].elements == nil {
            window = square("window_size", default: 7, what: "windows").map { Array(repeating: $0, count: depths?.count ?? 4) }
        } else {
            window = stages("window_size", default: Array(repeating: 7, count: depths?.count ?? 4), single: depths?.count ?? 4)
        }
        let mlpRatio = ratio("mlp_ratio", default: 4)
        let qkvBias = bool("qkv_bias", default: true)
        let alwaysPartition = fixed("always_partition", is: .bool(false), "it keeps the windows of stages smaller than a window")
        _ = bool("strict_img_size", default: true)
        _ = bool("dynamic_img_size", default: false)
        _ = choice("weight_init", default: "", among: ["jax", "jax_nlhb", "moco", ""])
        let layers = [
            defaultOnly("embed_layer", accepted: ["PatchEmbed"], modelled: "timm's PatchEmbed"),
            defaultOnly("norm_layer", accepted: ["LayerNorm", "layernorm"], modelled: "LayerNorm"),
        ]
        var ok = true
        if let pool, !["avg", "fast", "fastavg"].contains(pool) {
            report(
                "global_pool", at: values["global_pool"],
                pool.isEmpty
                    ? "global_pool='' (a head on every token of the grid) is not modelled"
                    : "global_pool='\(pool)' is not modelled for Swin; vitscope models its mean pooling",
                fix: "use 'avg' (the default)")
            ok = false
        }
        if let depths, let heads, heads.count != depths.count {
            report("num_heads", at: values["num_heads"], "must have one entry per stage (\(depths.count)), found \(heads.count)")
            ok = false
        }
        if let depths, let window, window.count != depths.count {
            report(
                "window_size", at: values["window_size"],
                "expected one window per stage (\(depths.count)), found \(window.count) (timm asserts it)")
            ok = false
        }
        if let embedDim, let heads, let depths, headDim == .some(nil), heads.count == depths.count {
            for (index, h) in heads.enumerated() where (embedDim << index) % h != 0 {
                report(
                    "num_heads", at: values["num_heads"],
                    "stage \(index + 1) is \(embedDim << index) wide, which its \(h) heads do not divide (give head_dim to set it)")
                ok = false
            }
        }
        guard ok, !layers.contains(false), alwaysPartition, let image, let patch, pool != nil, let embedDim, let depths,
            let heads, let headDim, let window, let mlpRatio, let qkvBias
        else { return nil }
        return (
            image,
            .swin(
                SwinConfig(
                    patchSize: patch, embedDim: embedDim, depths: depths, numHeads: heads, windowSize: window, mlpRatio: mlpRatio,
                    qkvBias: qkvBias, headDim: headDim))
        )
    }

    // MARK: ResNet

    private mutating func resNet() -> (ImageSize, ArchitectureConfig)? {
        var ok = true
        if let block = values["block"] {
            if case .name(let name) = block.kind, name.split(separator: ".").last == "Bottleneck" {
            } else {
                report(
                    "block", at: block,
                    "vitscope models ResNets of Bottleneck blocks only, found \(block.rendered)"
                        + (block.rendered.hasSuffix("BasicBlock") ? " (ResNet-18 and -34 are not modelled)" : ""))
                ok = false
            }
        } else {
            ok = (missing("block") as Int?) != nil
        }
        let layers: [Int]? = values["layers"] == nil ? missing("layers") : stages("layers", default: [], in: Self.depths)
        let channels = stages("channels", default: [64, 128, 256, 512])
        let fixedOnes = [
            fixed("output_stride", is: .int(32), "dilated convolutions in the last stages"),
            fixed("cardinality", is: .int(1), "grouped convolutions, as ResNeXt"),
            fixed("base_width", is: .int(64), "wider bottlenecks"),
            fixed("stem_type", is: .string(""), "a deep stem"),
            fixed("replace_stem_pool", is: .bool(false), "a strided convolution for the stem's pooling"),
            fixed("block_reduce_first", is: .int(1), "a narrower first convolution in each block"),
            fixed("down_kernel_size", is: .int(1), "larger shortcut convolutions"),
            fixed("avg_down", is: .bool(false), "average-pooled shortcuts"),
            defaultOnly("act_layer", accepted: ["ReLU", "relu"], modelled: "ReLU"),
            defaultOnly("norm_layer", accepted: ["BatchNorm2d", "batchnorm", "batchnorm2d"], modelled: "BatchNorm2d"),
            defaultOnly("aa_layer", accepted: [], modelled: "blocks without anti-aliasing (None)"),
            defaultOnly("block_args", accepted: [], modelled: "blocks without attention layers (None)"),
            fixed("global_pool", is: .string("avg"), "another pooling before the head"),
        ]
        _ = int("stem_width", default: 64)
        _ = bool("zero_init_last", default: true)
        guard ok, !fixedOnes.contains(false), let layers, let channels else { return nil }
        // timm zips the stage widths with the block counts (the shorter one decides the stages)
        // and its forward pass runs layer1 … layer4.
        let count = min(layers.count, channels.count)
        guard count == 4 else {
            report(
                layers.count < channels.count ? "layers" : "channels", at: values[layers.count < channels.count ? "layers" : "channels"],
                "gives \(count) stages; timm's ResNet runs layer1 to layer4 in its forward pass, so it needs 4")
            return nil
        }
        return (ImageSize(224), .resnet(ResNetConfig(layers: Array(layers.prefix(count)), channels: Array(channels.prefix(count)))))
    }
}
