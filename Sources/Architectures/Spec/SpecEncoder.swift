/// Writes a ``ModelSpec`` as canonical spec JSON that ``SpecDecoder`` reads back to the same value.
///
/// The output is pretty-printed with two-space indents, keys in schema order, every default
/// written out, `image_size` as `[height, width]`, doubles in shortest round-trip form (`4.0`,
/// `1e-06`) and a trailing newline. `published` is omitted when nil and `notes` when empty.
public enum SpecEncoder {
    /// The canonical JSON text of `spec`.
    public static func encode(_ spec: ModelSpec) -> String {
        var top: [(String, JSONNode)] = [
            ("name", .string(spec.name)),
            ("family", .string(spec.family.rawValue)),
            ("reference", .string(spec.reference)),
            ("image_size", .ints([spec.imageSize.height, spec.imageSize.width])),
            ("in_channels", .int(spec.inChannels)),
            ("num_classes", .int(spec.numClasses)),
            ("config", config(spec.config)),
        ]
        if let published = spec.published {
            top.append(("published", .object([
                ("params_m", .double(published.paramsM)),
                ("gmacs", .double(published.gmacs)),
                ("source", .string(published.source)),
            ])))
        }
        if !spec.notes.isEmpty { top.append(("notes", .array(spec.notes.map(JSONNode.string)))) }
        var out = ""
        JSONNode.object(top).write(to: &out, indent: "")
        return out + "\n"
    }

    private static func config(_ config: ArchitectureConfig) -> JSONNode {
        switch config {
        case .vit(let c):
            .object([
                ("patch_size", .int(c.patchSize)), ("embed_dim", .int(c.embedDim)), ("depth", .int(c.depth)),
                ("num_heads", .int(c.numHeads)), ("mlp_ratio", .double(c.mlpRatio)), ("qkv_bias", .bool(c.qkvBias)),
                ("distilled", .bool(c.distilled)), ("norm_eps", .double(c.normEps)),
            ])
        case .pit(let c):
            .object([
                ("patch_size", .int(c.patchSize)), ("stride", .int(c.stride)), ("base_dims", .ints(c.baseDims)),
                ("depth", .ints(c.depth)), ("heads", .ints(c.heads)), ("mlp_ratio", .double(c.mlpRatio)),
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
            .object([("layers", .ints(c.layers)), ("channels", .ints(c.channels))])
        case .vitPytorch(let c):
            .object([("class", .string(c.modelClass.rawValue))] + c.arguments.map { ($0.name, node($0.value)) })
        }
    }

    /// A Python argument value as JSON: tuples become arrays (integer arrays on one line).
    private static func node(_ value: PythonValue) -> JSONNode {
        switch value.kind {
        case .int(let int): return int.map(JSONNode.int) ?? .string(value.literal)
        case .float(let double): return .double(double)
        case .string(let text): return .string(text)
        case .bool(let bool): return .bool(bool)
        case .none, .object: return .null
        case .tuple(let elements), .list(let elements):
            let ints = elements.compactMap { element -> Int? in if case .int(let int?) = element.kind { int } else { nil } }
            return ints.count == elements.count && !elements.isEmpty ? .ints(ints) : .array(elements.map(node))
        }
    }

    private static func stage(_ s: CvTStage) -> JSONNode {
        .object([
            ("patch_size", .int(s.patchSize)), ("patch_stride", .int(s.patchStride)),
            ("patch_padding", .int(s.patchPadding)), ("dim_embed", .int(s.dimEmbed)), ("num_heads", .int(s.numHeads)),
            ("depth", .int(s.depth)), ("mlp_ratio", .double(s.mlpRatio)), ("qkv_bias", .bool(s.qkvBias)),
            ("cls_token", .bool(s.clsToken)), ("kernel_qkv", .int(s.kernelQKV)), ("padding_q", .int(s.paddingQ)),
            ("padding_kv", .int(s.paddingKV)), ("stride_q", .int(s.strideQ)), ("stride_kv", .int(s.strideKV)),
        ])
    }
}

/// A JSON value to be written; integer arrays stay on one line.
private enum JSONNode {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case ints([Int])
    case array([JSONNode])
    case object([(String, JSONNode)])
    case null

    /// Appends this value, with nested lines indented one step deeper than `indent`.
    func write(to out: inout String, indent: String) {
        let inner = indent + "  "
        switch self {
        case .string(let text): out += JSONLiteral.quoted(text)
        case .int(let value): out += String(value)
        case .double(let value): out += Self.number(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .ints(let values): out += "[" + values.map(String.init).joined(separator: ", ") + "]"
        case .array(let elements) where elements.isEmpty: out += "[]"
        case .array(let elements):
            out += "[\n"
            for (index, element) in elements.enumerated() {
                out += inner
                element.write(to: &out, indent: inner)
                out += index == elements.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members) where members.isEmpty: out += "{}"
        case .object(let members):
            out += "{\n"
            for (index, (key, value)) in members.enumerated() {
                out += inner + JSONLiteral.quoted(key) + ": "
                value.write(to: &out, indent: inner)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    /// Shortest round-trip form (`4.0`, `0.5`, `1e-06`); JSON has no infinities or NaN, so those
    /// become `1e999`, `-1e999` and `null`, which the decoder rejects.
    private static func number(_ value: Double) -> String {
        if value.isNaN { return "null" }
        if value.isInfinite { return value < 0 ? "-1e999" : "1e999" }
        return value.description
    }
}
