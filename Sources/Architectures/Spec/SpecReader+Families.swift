import ArchGraph
import JSONOutput

/// The family-specific `config` objects and their semantic checks.
extension SpecReader {
    mutating func vit(_ fields: ObjectFields, image: ImageField?) -> ViTConfig? {
        let patchSize = int(fields, "patch_size")
        let embedDim = int(fields, "embed_dim")
        let depth = int(fields, "depth", in: Self.depths)
        let numHeads = int(fields, "num_heads")
        let mlpRatio = positiveNumber(fields, "mlp_ratio", default: 4)
        let qkvBias = bool(fields, "qkv_bias", default: true)
        let distilled = bool(fields, "distilled", default: false)
        let normEps = positiveNumber(fields, "norm_eps", default: 1e-6)
        let options = vitOptions(fields, distilled: distilled)
        if let embedDim, let numHeads { checkDivisible(fields, "embed_dim", embedDim, by: "num_heads", numHeads) }
        if let patchSize, let image { checkImage(image, covers: patchSize) }
        guard let patchSize, let embedDim, let depth, let numHeads, let mlpRatio, let qkvBias, let distilled,
            let normEps, let options
        else { return nil }
        return ViTConfig(
            patchSize: patchSize, embedDim: embedDim, depth: depth, numHeads: numHeads,
            mlpRatio: mlpRatio, qkvBias: qkvBias, distilled: distilled, normEps: normEps, options: options)
    }

    /// timm's `VisionTransformer` options, each key as its argument; absent keys are the defaults.
    mutating func vitOptions(_ fields: ObjectFields, distilled: Bool?) -> ViTOptions? {
        var o = ViTOptions()
        var ok = true
        func set<T>(_ value: T?, _ keyPath: WritableKeyPath<ViTOptions, T>) {
            if let value { o[keyPath: keyPath] = value } else { ok = false }
        }
        if let value = fields.values["global_pool"] {
            let text = string(value, at: fields.path.key("global_pool"))
            if let text, let pool = ViTPool(rawValue: text) {
                o.globalPool = pool
            } else if let text {
                report(
                    fields.path.key("global_pool"), at: value,
                    "expected one of \(ViTPool.allCases.map { JSONText.quoted($0.rawValue) }.joined(separator: ", ")), found \(JSONText.quoted(text))"
                        + (ViTOptions.unsupportedPools.contains(text)
                            ? "; timm's '\(text)' pooling has its own attention module, which vitscope does not model yet" : ""))
                ok = false
            } else {
                ok = false
            }
        }
        set(bool(fields, "class_token", default: true), \.classToken)
        set(int(fields, "reg_tokens", default: 0, in: 0...Self.maxRegisterTokens), \.regTokens)
        set(bool(fields, "no_embed_class", default: false), \.noEmbedClass)
        if let value = fields.values["pos_embed"] {
            switch string(value, at: fields.path.key("pos_embed")) {
            case "learn"?: o.positionEmbedding = true
            case "none"?, ""?: o.positionEmbedding = false
            case let text?:
                report(fields.path.key("pos_embed"), at: value, "expected \"learn\" or \"none\", found \(JSONText.quoted(text))")
                ok = false
            case nil: ok = false
            }
        }
        set(bool(fields, "pre_norm", default: false), \.preNorm)
        set(bool(fields, "final_norm", default: true), \.finalNorm)
        if let value = fields.values["fc_norm"], value.kind != .null {
            set(bool(fields, "fc_norm", default: false), \.fcNorm)
        }
        set(bool(fields, "pool_include_prefix", default: false), \.poolIncludePrefix)
        set(bool(fields, "qk_norm", default: false), \.qkNorm)
        if let value = fields.values["init_values"], value.kind != .null {
            if case .number(let number) = value.kind, number.doubleValue.isFinite {
                o.initValues = number.doubleValue
            } else {
                report(fields.path.key("init_values"), at: value, "expected a finite number or null, found \(value.foundDescription)")
                ok = false
            }
        }
        set(bool(fields, "proj_bias", default: true), \.projBias)
        set(bool(fields, "scale_attn_norm", default: false), \.scaleAttnNorm)
        set(bool(fields, "scale_mlp_norm", default: false), \.scaleMlpNorm)
        if let value = fields.values["act_layer"] {
            let text = string(value, at: fields.path.key("act_layer"))
            if let text, let activation = Activation(rawValue: text), ViTOptions.activations.contains(activation) {
                o.activation = activation
            } else if let text {
                let names = ViTOptions.activations.map { JSONText.quoted($0.rawValue) }.joined(separator: ", ")
                report(fields.path.key("act_layer"), at: value, "expected one of \(names), found \(JSONText.quoted(text))")
                ok = false
            } else {
                ok = false
            }
        }
        guard ok else { return nil }
        for problem in o.problems(distilled: distilled ?? false) {
            report(fields.path.key(problem.key), at: fields.values[problem.key] ?? fields.object, problem.message)
            ok = false
        }
        return ok ? o : nil
    }

    mutating func pit(_ fields: ObjectFields, image: ImageField?) -> PiTConfig? {
        let patchSize = int(fields, "patch_size")
        let stride = int(fields, "stride")
        let baseDims = intArray(fields, "base_dims")
        let depth = intArray(fields, "depth", in: Self.depths)
        let heads = intArray(fields, "heads")
        let mlpRatio = positiveNumber(fields, "mlp_ratio", default: 4)
        let distilled = bool(fields, "distilled", default: false)
        if let baseDims, let depth, let heads, baseDims.count != depth.count || depth.count != heads.count {
            report(
                fields.path, at: fields.object,
                "base_dims, depth and heads must have the same length (one entry per stage), "
                    + "found lengths \(baseDims.count), \(depth.count) and \(heads.count)",
                fix: "make the three arrays the same length")
        }
        if let patchSize, let image { checkImage(image, covers: patchSize) }
        if let baseDims, let heads, baseDims.count == heads.count {
            let widths = zip(baseDims, heads).map { $0 * $1 }
            for stage in widths.indices.dropFirst() where widths[stage] % widths[stage - 1] != 0 {
                report(
                    fields.path.key("base_dims").index(stage), at: fields.anchor("base_dims"),
                    "stage \(stage + 1) is \(widths[stage]) wide (base_dims × heads) but the pooling before it is a "
                        + "depthwise conv grouped by the previous width \(widths[stage - 1]), which must divide it",
                    fix: "make each stage's base_dims × heads a multiple of the previous stage's")
            }
        }
        guard let patchSize, let stride, let baseDims, let depth, let heads, let mlpRatio, let distilled,
            baseDims.count == depth.count, depth.count == heads.count
        else { return nil }
        return PiTConfig(
            patchSize: patchSize, stride: stride, baseDims: baseDims, depth: depth, heads: heads,
            mlpRatio: mlpRatio, distilled: distilled)
    }

    mutating func t2tViT(_ fields: ObjectFields, image: ImageField?) -> T2TViTConfig? {
        let tokensType = choice(fields, "tokens_type", as: T2TTokensType.self)
        let embedDim = int(fields, "embed_dim")
        let depth = int(fields, "depth", in: Self.depths)
        let numHeads = int(fields, "num_heads")
        let mlpRatio = positiveNumber(fields, "mlp_ratio")
        let tokenDim = int(fields, "token_dim", default: 64)
        let kernelRatio = positiveNumber(fields, "kernel_ratio", default: 0.5)
        if let embedDim, let numHeads { checkDivisible(fields, "embed_dim", embedDim, by: "num_heads", numHeads) }
        if let image, image.size.height != image.size.width {
            let side = min(image.size.height, image.size.width), other = max(image.size.height, image.size.width)
            report(
                JSONPath().key("image_size"), at: image.value,
                "must be square for t2t_vit (the reference reshapes tokens to a square grid), found \(image.size)",
                fix: "use a single size such as \(side) or \(other)")
        }
        if tokensType == .performer, let tokenDim, let kernelRatio, Double(tokenDim) * kernelRatio < 1 {
            report(
                fields.path.key("kernel_ratio"), at: fields.anchor("kernel_ratio"),
                "token_dim \(tokenDim) × kernel_ratio \(kernelRatio) gives 0 Performer features, need at least 1",
                fix: "raise kernel_ratio to at least \(1 / Double(tokenDim)) (1 / token_dim)")
        }
        guard let tokensType, let embedDim, let depth, let numHeads, let mlpRatio, let tokenDim, let kernelRatio
        else { return nil }
        return T2TViTConfig(
            tokensType: tokensType, embedDim: embedDim, depth: depth, numHeads: numHeads,
            mlpRatio: mlpRatio, tokenDim: tokenDim, kernelRatio: kernelRatio)
    }

    mutating func cvt(_ fields: ObjectFields) -> CvTConfig? {
        guard let value = required(fields, "stages") else { return nil }
        let path = fields.path.key("stages")
        guard let elements = nonEmptyArray(value, at: path, of: "stage objects") else { return nil }
        let stages = elements.enumerated().map { index, element in
            cvtStage(element, at: path.index(index), isLast: index == elements.count - 1, count: elements.count)
        }
        return stages.contains(nil) ? nil : CvTConfig(stages: stages.compactMap { $0 })
    }

    private mutating func cvtStage(_ value: JSONValue, at path: JSONPath, isLast: Bool, count: Int) -> CvTStage? {
        guard let fields = object(value, at: path, keys: SpecKeys.cvtStage) else { return nil }
        let patchSize = int(fields, "patch_size")
        let patchStride = int(fields, "patch_stride")
        let patchPadding = int(fields, "patch_padding", in: Self.nonNegative)
        let dimEmbed = int(fields, "dim_embed")
        let numHeads = int(fields, "num_heads")
        let depth = int(fields, "depth", in: Self.depths)
        let mlpRatio = positiveNumber(fields, "mlp_ratio", default: 4)
        let qkvBias = bool(fields, "qkv_bias", default: true)
        let clsToken = bool(fields, "cls_token", default: false)
        let kernelQKV = int(fields, "kernel_qkv", default: 3)
        let paddingQ = int(fields, "padding_q", default: 1, in: Self.nonNegative)
        let paddingKV = int(fields, "padding_kv", default: 1, in: Self.nonNegative)
        let strideQ = int(fields, "stride_q", default: 1)
        let strideKV = int(fields, "stride_kv", default: 2)
        if let dimEmbed, let numHeads { checkDivisible(fields, "dim_embed", dimEmbed, by: "num_heads", numHeads) }
        if clsToken == true && !isLast {
            report(
                path.key("cls_token"), at: fields.anchor("cls_token"),
                "cls_token is true on a stage that is not the last (of \(count) stages), "
                    + "but the reference only reads the last stage's class token",
                fix: "set cls_token only on the last stage")
        }
        guard let patchSize, let patchStride, let patchPadding, let dimEmbed, let numHeads, let depth, let mlpRatio,
            let qkvBias, let clsToken, let kernelQKV, let paddingQ, let paddingKV, let strideQ, let strideKV
        else { return nil }
        return CvTStage(
            patchSize: patchSize, patchStride: patchStride, patchPadding: patchPadding,
            dimEmbed: dimEmbed, numHeads: numHeads, depth: depth, mlpRatio: mlpRatio, qkvBias: qkvBias,
            clsToken: clsToken, kernelQKV: kernelQKV, paddingQ: paddingQ, paddingKV: paddingKV,
            strideQ: strideQ, strideKV: strideKV)
    }

    mutating func resnet(_ fields: ObjectFields) -> ResNetConfig? {
        let layers = intArray(fields, "layers", in: Self.depths)
        let channels = fields.values["channels"] == nil ? nil : intArray(fields, "channels")
        guard let layers else { return nil }
        if let channels, channels.count != layers.count {
            report(
                fields.path.key("channels"), at: fields.anchor("channels"),
                "has \(channels.count) entries but layers has \(layers.count); the reference pairs them stage by stage",
                fix: "give one bottleneck width per stage")
            return nil
        }
        if fields.values["channels"] != nil, channels == nil { return nil }
        return ResNetConfig(layers: layers, channels: channels)
    }

    mutating func swin(_ fields: ObjectFields, image: ImageField?) -> SwinConfig? {
        let patchSize = int(fields, "patch_size")
        let embedDim = int(fields, "embed_dim")
        let depths = intArray(fields, "depths", in: Self.depths)
        let numHeads = intArray(fields, "num_heads")
        let mlpRatio = positiveNumber(fields, "mlp_ratio", default: 4)
        let qkvBias = bool(fields, "qkv_bias", default: true)
        var windowSize: [Int]?
        if let value = required(fields, "window_size") {
            if case .array = value.kind {
                windowSize = intArray(fields, "window_size")
            } else {
                windowSize = int(value, at: fields.path.key("window_size")).map { [$0] }
            }
        }
        var headDim: Int?? = .some(nil)
        if let value = fields.values["head_dim"], value.kind != .null {
            headDim = int(value, at: fields.path.key("head_dim")).map { .some($0) }
        }
        if let depths, let numHeads, depths.count != numHeads.count {
            report(
                fields.path, at: fields.object,
                "depths and num_heads must have the same length (one entry per stage), found lengths \(depths.count) and \(numHeads.count)",
                fix: "make the two arrays the same length")
        }
        if let depths, let windows = windowSize, windows.count != 1, windows.count != depths.count {
            report(
                fields.path.key("window_size"), at: fields.anchor("window_size"),
                "window_size has \(windows.count) entries for \(depths.count) stages",
                fix: "give one window size for every stage, or one entry per stage")
        }
        if let embedDim, let numHeads, let depths, numHeads.count == depths.count, headDim == .some(nil) {
            for (index, heads) in numHeads.enumerated() where (embedDim << index) % heads != 0 {
                report(
                    fields.path.key("num_heads").index(index), at: fields.anchor("num_heads"),
                    "stage \(index + 1) is \(embedDim << index) wide (embed_dim × 2^\(index)), which \(heads) heads do not divide",
                    fix: "use a head count that divides the stage width, or set head_dim")
            }
        }
        if let patchSize, let image { checkImage(image, covers: patchSize) }
        guard let patchSize, let embedDim, let depths, let numHeads, let mlpRatio, let qkvBias, let windowSize, let headDim,
            depths.count == numHeads.count, windowSize.count == 1 || windowSize.count == depths.count
        else { return nil }
        return SwinConfig(
            patchSize: patchSize, embedDim: embedDim, depths: depths, numHeads: numHeads,
            windowSize: windowSize.count == 1 ? Array(repeating: windowSize[0], count: depths.count) : windowSize,
            mlpRatio: mlpRatio, qkvBias: qkvBias, headDim: headDim)
    }

    // MARK: Checks

    /// `embed_dim 100 is not divisible by num_heads 3`, with the nearest multiples and divisors as the fix.
    private mutating func checkDivisible(
        _ fields: ObjectFields, _ widthKey: String, _ width: Int,
        by headsKey: String, _ heads: Int
    ) {
        guard width % heads != 0 else { return }
        let lower = width / heads * heads
        let (upper, overflow) = lower.addingReportingOverflow(heads)
        let multiples = (lower > 0 ? [lower] : []) + (overflow ? [] : [upper])
        let divisors = Self.nearestDivisors(of: width, around: heads)
        var options = ["set \(widthKey) to a multiple of \(heads) such as \(Self.either(multiples))"]
        if !divisors.isEmpty {
            options.append("\(headsKey) to a divisor of \(width) such as \(Self.either(divisors))")
        }
        report(
            fields.path.key(widthKey), at: fields.anchor(widthKey),
            "\(widthKey) \(width) is not divisible by \(headsKey) \(heads)",
            fix: options.joined(separator: ", or "))
    }

    /// The divisors of `n` just below and just above `k` (searching a bounded distance).
    private static func nearestDivisors(of n: Int, around k: Int) -> [Int] {
        let reach = 100_000
        let below = stride(from: k - 1, through: max(1, k - reach), by: -1).first { n % $0 == 0 }
        let above = k >= n ? nil : stride(from: k + 1, through: n - k > reach ? k + reach : n, by: 1).first { n % $0 == 0 }
        return [below, above].compactMap { $0 }
    }

    private static func either(_ values: [Int]) -> String {
        values.map(String.init).joined(separator: " or ")
    }

    /// The image must be at least one patch in each direction.
    private mutating func checkImage(_ image: ImageField, covers patchSize: Int) {
        var short: [String] = []
        if image.size.height < patchSize { short.append("height \(image.size.height)") }
        if image.size.width < patchSize { short.append("width \(image.size.width)") }
        guard !short.isEmpty else { return }
        report(
            JSONPath().key("image_size"), at: image.value,
            "image \(short.joined(separator: " and ")) \(short.count == 1 ? "is" : "are") "
                + "smaller than patch_size \(patchSize)",
            fix: "use an image of at least \(patchSize)×\(patchSize) or a patch_size of at most "
                + "\(min(image.size.height, image.size.width))")
    }
}
