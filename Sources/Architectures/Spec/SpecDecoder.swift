/// Reads a ``ModelSpec`` from a JSON spec file, reporting every problem in it at once.
///
/// Problems come in document order; each names the JSON path of the offending value
/// (`config.stages[1].num_heads`) and its line and column, or those of the enclosing object
/// when a required key is missing. A syntax error stops parsing and is reported alone.
public enum SpecDecoder {
    /// Decodes spec JSON text.
    public static func decode(_ text: String) throws(SpecError) -> ModelSpec {
        try decode(data: Array(text.utf8))
    }

    /// Decodes UTF-8 spec JSON.
    public static func decode(data: [UInt8]) throws(SpecError) -> ModelSpec {
        let (root, duplicates) = try JSONParser.parseKeepingFirstKeys(bytes: data)
        return try decode(root, known: duplicates)
    }

    /// Decodes an already parsed spec.
    public static func decode(_ root: JSONValue) throws(SpecError) -> ModelSpec {
        try decode(root, known: [])
    }

    private static func decode(_ root: JSONValue, known: [Problem]) throws(SpecError) -> ModelSpec {
        var reader = SpecReader(problems: known)
        let spec = reader.spec(root)
        if let spec, reader.problems.isEmpty { return spec }
        if reader.problems.isEmpty {
            reader.report(JSONPath(), at: root, "could not be decoded")
        }
        let ordered = reader.problems.enumerated().sorted { a, b in
            let left = (a.element.line ?? .max, a.element.column ?? .max, a.offset)
            let right = (b.element.line ?? .max, b.element.column ?? .max, b.offset)
            return left < right
        }
        throw SpecError(ordered.map(\.element))
    }
}

/// The keys of a spec file, in the order the encoder writes them.
enum SpecKeys {
    static let topLevel = [
        "name", "family", "reference", "image_size", "in_channels", "num_classes", "config",
        "published", "notes",
    ]
    static let published = ["params_m", "gmacs", "source"]
    static let vit =
        ["patch_size", "embed_dim", "depth", "num_heads", "mlp_ratio", "qkv_bias", "distilled", "norm_eps"] + ViTOptions.keys
    static let pit = ["patch_size", "stride", "base_dims", "depth", "heads", "mlp_ratio", "distilled"]
    static let t2tViT = ["tokens_type", "embed_dim", "depth", "num_heads", "mlp_ratio", "token_dim", "kernel_ratio"]
    static let cvt = ["stages"]
    static let cvtStage = [
        "patch_size", "patch_stride", "patch_padding", "dim_embed", "num_heads", "depth",
        "mlp_ratio", "qkv_bias", "cls_token", "kernel_qkv", "padding_q", "padding_kv",
        "stride_q", "stride_kv",
    ]
    static let resnet = ["layers", "channels"]
    static let swin = ["patch_size", "embed_dim", "depths", "num_heads", "window_size", "mlp_ratio", "qkv_bias", "head_dim"]
    /// `vit_pytorch` configs take `class` and that class's arguments (see `SpecReader.vitPytorch`).
    static let vitPytorch = ["class"]

    static func config(_ family: Family) -> [String] {
        switch family {
        case .vit: vit
        case .pit: pit
        case .t2tViT: t2tViT
        case .cvt: cvt
        case .resnet: resnet
        case .swin: swin
        case .vitPytorch: vitPytorch
        }
    }
}

/// The decoded image size with the JSON value it came from, for problems that involve it.
struct ImageField {
    let size: ImageSize
    let value: JSONValue
}

extension SpecReader {
    /// Reads the whole spec; nil when anything is wrong (and then `problems` says what).
    mutating func spec(_ root: JSONValue) -> ModelSpec? {
        guard let top = object(root, at: JSONPath(), keys: SpecKeys.topLevel) else { return nil }
        let name = string(top, "name", nonEmpty: true)
        let family = choice(top, "family", as: Family.self)
        let reference = string(top, "reference", default: "")
        let image = imageSize(top)
        let inChannels = int(top, "in_channels", default: 3, in: 1...4096)
        let numClasses = int(top, "num_classes", default: 1000, in: 0...Limits.maxClasses)
        let config = config(top, family: family, image: image, inChannels: inChannels)
        let published = published(top)
        let notes = notes(top)
        guard let name, let reference, let image, let inChannels, let numClasses, let config, published.valid,
            let notes
        else { return nil }
        return ModelSpec(
            name: name, reference: reference, imageSize: image.size, inChannels: inChannels,
            numClasses: numClasses, config: config, published: published.value, notes: notes)
    }

    /// `image_size`: an integer N for N×N, or `[height, width]`.
    private mutating func imageSize(_ top: ObjectFields) -> ImageField? {
        guard let value = required(top, "image_size") else { return nil }
        let path = top.path.key("image_size")
        let sides = 1...Limits.maxImageSide
        switch value.kind {
        case .number:
            return int(value, at: path, in: sides).map { ImageField(size: ImageSize($0), value: value) }
        case .array(let elements) where elements.count == 2:
            let height = int(elements[0], at: path.index(0), in: sides)
            let width = int(elements[1], at: path.index(1), in: sides)
            guard let height, let width else { return nil }
            return ImageField(size: ImageSize(height: height, width: width), value: value)
        case .array(let elements):
            report(path, at: value, "expected 2 elements [height, width], found \(elements.count)")
            return nil
        default:
            report(path, at: value, "expected an integer or an array [height, width], found \(value.foundDescription)")
            return nil
        }
    }

    /// `published`: absent (valid, nil) or an object with `params_m`, `gmacs` and `source`.
    private mutating func published(_ top: ObjectFields) -> (valid: Bool, value: Published?) {
        guard let value = top.values["published"] else { return (true, nil) }
        guard let fields = object(value, at: top.path.key("published"), keys: SpecKeys.published) else {
            return (false, nil)
        }
        let params = positiveNumber(fields, "params_m")
        let gmacs = positiveNumber(fields, "gmacs")
        let source = string(fields, "source")
        guard let params, let gmacs, let source else { return (false, nil) }
        return (true, Published(paramsM: params, gmacs: gmacs, source: source))
    }

    /// `notes`: an array of strings, empty when absent.
    private mutating func notes(_ top: ObjectFields) -> [String]? {
        guard let value = top.values["notes"] else { return [] }
        let path = top.path.key("notes")
        guard case .array(let elements) = value.kind else {
            report(path, at: value, "expected an array of strings, found \(value.foundDescription)")
            return nil
        }
        let notes = elements.enumerated().map { string($0.element, at: path.index($0.offset)) }
        return notes.contains(nil) ? nil : notes.compactMap { $0 }
    }

    /// `config`, read with the keys of `family`; only its shape is checked when the family is unknown.
    private mutating func config(_ top: ObjectFields, family: Family?, image: ImageField?, inChannels: Int?) -> ArchitectureConfig? {
        guard let value = required(top, "config") else { return nil }
        let path = top.path.key("config")
        guard let family else {
            if case .object = value.kind { return nil }
            report(path, at: value, "expected an object, found \(value.foundDescription)")
            return nil
        }
        if family == .vitPytorch {
            return vitPytorch(value, at: path, image: image, inChannels: inChannels).map(ArchitectureConfig.vitPytorch)
        }
        guard let fields = object(value, at: path, keys: SpecKeys.config(family)) else { return nil }
        switch family {
        case .vit: return vit(fields, image: image).map(ArchitectureConfig.vit)
        case .pit: return pit(fields, image: image).map(ArchitectureConfig.pit)
        case .t2tViT: return t2tViT(fields, image: image).map(ArchitectureConfig.t2tViT)
        case .cvt: return cvt(fields).map(ArchitectureConfig.cvt)
        case .resnet: return resnet(fields).map(ArchitectureConfig.resnet)
        case .swin: return swin(fields, image: image).map(ArchitectureConfig.swin)
        case .vitPytorch: return nil  // read above, its keys depend on the class
        }
    }
}
