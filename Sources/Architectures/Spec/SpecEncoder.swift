import JSONOutput

/// Writes a ``ModelSpec`` as canonical spec JSON that ``SpecDecoder`` reads back to the same value.
///
/// The output is pretty-printed with two-space indents, keys in schema order, every default
/// written out, `image_size` as `[height, width]`, doubles in shortest round-trip form (`4.0`,
/// `1e-06`) and a trailing newline. `published` is omitted when nil and `notes` when empty.
public enum SpecEncoder {
    /// The canonical JSON text of `spec`.
    public static func encode(_ spec: ModelSpec) -> String {
        var top: [(String, JSONText)] = [
            ("name", .string(spec.name)),
            ("family", .string(spec.family.rawValue)),
            ("reference", .string(spec.reference)),
            ("image_size", ints([spec.imageSize.height, spec.imageSize.width])),
            ("in_channels", .int(spec.inChannels)),
            ("num_classes", .int(spec.numClasses)),
            ("config", config(spec.config)),
        ]
        if let published = spec.published {
            top.append(
                (
                    "published",
                    .object([
                        ("params_m", .double(published.paramsM)),
                        ("gmacs", .double(published.gmacs)),
                        ("source", .string(published.source)),
                    ])
                ))
        }
        if !spec.notes.isEmpty { top.append(("notes", .array(spec.notes.map(JSONText.string)))) }
        return JSONText.object(top).rendered(layout) + "\n"
    }

    /// Spec files keep only integer arrays on one line and write infinite doubles as `1e999` and
    /// `-1e999`, which the decoder rejects (a spec cannot hold them).
    static let layout = JSONText.Layout(inlineArrays: .integers, nonFinite: .overflowingNumbers)

    /// Integers as a JSON array (on one line in a spec file).
    private static func ints(_ values: [Int]) -> JSONText { .array(values.map(JSONText.int)) }

    private static func config(_ config: ArchitectureConfig) -> JSONText {
        switch config {
        case .vit(let c):
            .object(
                [
                    ("patch_size", .int(c.patchSize)), ("embed_dim", .int(c.embedDim)), ("depth", .int(c.depth)),
                    ("num_heads", .int(c.numHeads)), ("mlp_ratio", .double(c.mlpRatio)), ("qkv_bias", .bool(c.qkvBias)),
                    ("distilled", .bool(c.distilled)), ("norm_eps", .double(c.normEps)),
                ] + c.options.changedFields)
        case .pit(let c):
            .object([
                ("patch_size", .int(c.patchSize)), ("stride", .int(c.stride)), ("base_dims", ints(c.baseDims)),
                ("depth", ints(c.depth)), ("heads", ints(c.heads)), ("mlp_ratio", .double(c.mlpRatio)),
                ("distilled", .bool(c.distilled)),
            ])
        case .t2tViT(let c):
            .object([
                ("tokens_type", .string(c.tokensType.rawValue)), ("embed_dim", .int(c.embedDim)),
                ("depth", .int(c.depth)), ("num_heads", .int(c.numHeads)), ("mlp_ratio", .double(c.mlpRatio)),
                ("token_dim", .int(c.tokenDim)), ("kernel_ratio", .double(c.kernelRatio)),
            ])
        case .cvt(let c):
            .object([("stages", .array(c.stages.map(stage)))])
        case .resnet(let c):
            .object([("layers", ints(c.layers)), ("channels", ints(c.channels))])
        case .swin(let c):
            .object([
                ("patch_size", .int(c.patchSize)), ("embed_dim", .int(c.embedDim)), ("depths", ints(c.depths)),
                ("num_heads", ints(c.numHeads)),
                ("window_size", Set(c.windowSize).count == 1 ? .int(c.windowSize[0]) : ints(c.windowSize)),
                ("mlp_ratio", .double(c.mlpRatio)), ("qkv_bias", .bool(c.qkvBias)), ("head_dim", c.headDim.map(JSONText.int) ?? .null),
            ])
        case .vitPytorch(let c):
            .object([("class", .string(c.modelClass.rawValue))] + c.arguments.map { ($0.name, node($0.value)) })
        }
    }

    /// A Python argument value as JSON: tuples become arrays (integer arrays on one line); an
    /// integer too large for `Int` is written as its literal text.
    private static func node(_ value: PythonValue) -> JSONText {
        switch value.kind {
        case .int(let int): int.map(JSONText.int) ?? .string(value.literal)
        case .float(let double): .double(double)
        case .string(let text), .name(let text): .string(text)
        case .bool(let bool): .bool(bool)
        case .none, .object: .null
        case .tuple(let elements), .list(let elements): .array(elements.map(node))
        }
    }

    private static func stage(_ s: CvTStage) -> JSONText {
        .object([
            ("patch_size", .int(s.patchSize)), ("patch_stride", .int(s.patchStride)),
            ("patch_padding", .int(s.patchPadding)), ("dim_embed", .int(s.dimEmbed)), ("num_heads", .int(s.numHeads)),
            ("depth", .int(s.depth)), ("mlp_ratio", .double(s.mlpRatio)), ("qkv_bias", .bool(s.qkvBias)),
            ("cls_token", .bool(s.clsToken)), ("kernel_qkv", .int(s.kernelQKV)), ("padding_q", .int(s.paddingQ)),
            ("padding_kv", .int(s.paddingKV)), ("stride_q", .int(s.strideQ)), ("stride_kv", .int(s.strideKV)),
        ])
    }
}

extension ViTOptions {
    /// The options that differ from the defaults, as spec-file members.
    var changedFields: [(key: String, value: JSONText)] {
        let d = ViTOptions()
        var fields: [(key: String, value: JSONText)] = []
        if globalPool != d.globalPool { fields.append(("global_pool", .string(globalPool.rawValue))) }
        if classToken != d.classToken { fields.append(("class_token", .bool(classToken))) }
        if regTokens != d.regTokens { fields.append(("reg_tokens", .int(regTokens))) }
        if noEmbedClass != d.noEmbedClass { fields.append(("no_embed_class", .bool(noEmbedClass))) }
        if positionEmbedding != d.positionEmbedding { fields.append(("pos_embed", .string(positionEmbedding ? "learn" : "none"))) }
        if preNorm != d.preNorm { fields.append(("pre_norm", .bool(preNorm))) }
        if finalNorm != d.finalNorm { fields.append(("final_norm", .bool(finalNorm))) }
        if let fcNorm { fields.append(("fc_norm", .bool(fcNorm))) }
        if poolIncludePrefix != d.poolIncludePrefix { fields.append(("pool_include_prefix", .bool(poolIncludePrefix))) }
        if qkNorm != d.qkNorm { fields.append(("qk_norm", .bool(qkNorm))) }
        if let initValues { fields.append(("init_values", .double(initValues))) }
        if projBias != d.projBias { fields.append(("proj_bias", .bool(projBias))) }
        if scaleAttnNorm != d.scaleAttnNorm { fields.append(("scale_attn_norm", .bool(scaleAttnNorm))) }
        if scaleMlpNorm != d.scaleMlpNorm { fields.append(("scale_mlp_norm", .bool(scaleMlpNorm))) }
        if activation != d.activation { fields.append(("act_layer", .string(activation.rawValue))) }
        return fields
    }
}
