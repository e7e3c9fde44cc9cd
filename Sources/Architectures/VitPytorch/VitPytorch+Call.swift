extension VitPytorch {
    /// The input size of models whose class takes no image size (CvT) unless overridden.
    public static let defaultImageSize = ImageSize(224)

    /// The model a vit-pytorch constructor call builds, such as
    /// `PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)`.
    ///
    /// The spec's name is the call on one line. `image_size`, `channels` and `num_classes` become
    /// the spec's image size, input channels and classes (CvT takes no image size: 224×224 unless
    /// overridden). Every problem is reported at once, each at its line and column: syntax,
    /// unknown classes and arguments (with the nearest name), positional arguments (the classes
    /// take keywords only), wrong types and ranges, missing arguments, what vit-pytorch asserts
    /// at construction and what would fail in its forward pass.
    /// - Throws: ``SpecError`` listing the problems in the order they appear in the call.
    public static func spec(call text: String) throws(SpecError) -> ModelSpec {
        let call = try PythonCallParser.parse(text)
        let field = PythonCallParser.field
        guard let modelClass = VitPytorchClass.named(call.name) else {
            let names = VitPytorchClass.allCases.map(\.rawValue)
            let last = call.name.split(separator: ".").last.map(String.init) ?? call.name
            let fix = Suggestion.nearest(to: last, among: names).map { "did you mean \($0)?" }
            throw SpecError([Problem(field: field, message: "unknown class '\(call.name)'; vitscope reads vit-pytorch's "
                                         + names.joined(separator: ", "), fix: fix, line: call.line, column: call.column)])
        }
        var problems: [Problem] = []
        var keywords: [VitPytorchArgument] = []
        for (index, argument) in call.arguments.enumerated() {
            guard let name = argument.name else {
                let example = (index < modelClass.parameters.count ? modelClass.parameters[index] : "name") + "=" + argument.value.rendered
                problems.append(Problem(field: field, message: "positional argument \(argument.value.rendered): vit-pytorch's "
                                            + "\(modelClass.rawValue) takes keyword arguments only",
                                        fix: "write it as name=value, e.g. \(example)", line: argument.line, column: argument.column))
                continue
            }
            keywords.append(VitPytorchArgument(name: name, line: argument.line, column: argument.column, value: argument.value))
        }
        var reader = VitPytorchArgumentReader(modelClass, arguments: keywords, allowed: modelClass.parameters, prefix: "",
                                              anchorLine: call.line, anchorColumn: call.column)
        reader.assumedGiven = Set(modelClass.parameters.prefix(call.arguments.filter { $0.name == nil }.count))
        let image = modelClass.takesImageSize ? reader.imageSize() : defaultImageSize
        let channels = reader.int("channels", default: 3, in: 1...4096)
        let numClasses = reader.int("num_classes", in: 0...Limits.maxClasses)
        let config = reader.config()
        problems += reader.problems
        if let image, let channels, let config {
            for issue in config.issues(imageSize: image, channels: channels) {
                let value = reader.values[issue.argument]
                problems.append(Problem(field: issue.argument, message: issue.message, fix: issue.fix,
                                        line: value?.line ?? call.line, column: value?.column ?? call.column))
            }
        }
        guard problems.isEmpty, let image, let channels, let numClasses, let config else {
            throw SpecError(inTextOrder(problems))
        }
        return ModelSpec(name: call.rendered, reference: reference(modelClass), imageSize: image, inChannels: channels,
                         numClasses: numClasses, config: .vitPytorch(config))
    }

    /// `vit-pytorch 1.26.11 vit_pytorch.pit.PiT`.
    public static func reference(_ modelClass: VitPytorchClass) -> String {
        "vit-pytorch \(version) \(modelClass.module).\(modelClass.rawValue)"
    }

    /// `problems` sorted by line and column, keeping the order of those at one place.
    static func inTextOrder(_ problems: [Problem]) -> [Problem] {
        problems.enumerated().sorted { a, b in
            (a.element.line ?? .max, a.element.column ?? .max, a.offset) < (b.element.line ?? .max, b.element.column ?? .max, b.offset)
        }.map(\.element)
    }
}

extension VitPytorchConfig {
    /// The configuration's arguments (all but `image_size`, `channels` and `num_classes`) in
    /// `__init__` order, every default written out, as Python values.
    public var arguments: [(name: String, value: PythonValue)] {
        func int(_ value: Int) -> PythonValue { PythonValue(.int(value), literal: String(value), line: 0, column: 0) }
        func float(_ value: Double) -> PythonValue { PythonValue(.float(value), literal: value.description, line: 0, column: 0) }
        func string(_ value: String) -> PythonValue { PythonValue(.string(value), line: 0, column: 0) }
        func tuple(_ values: [Int]) -> PythonValue { PythonValue(.tuple(values.map(int)), line: 0, column: 0) }
        switch self {
        case .vit(let c):
            let patch = c.patchHeight == c.patchWidth ? int(c.patchHeight) : tuple([c.patchHeight, c.patchWidth])
            return [("patch_size", patch), ("dim", int(c.dim)), ("depth", int(c.depth)), ("heads", int(c.heads)),
                    ("mlp_dim", int(c.mlpDim)), ("pool", string(c.pool.rawValue)), ("dim_head", int(c.dimHead)),
                    ("dropout", float(c.dropout)), ("emb_dropout", float(c.embDropout))]
        case .pit(let c):
            return [("patch_size", int(c.patchSize)), ("dim", int(c.dim)), ("depth", tuple(c.depth)),
                    ("heads", c.heads.count == 1 ? int(c.heads[0]) : tuple(c.heads)), ("mlp_dim", int(c.mlpDim)),
                    ("dim_head", int(c.dimHead)), ("dropout", float(c.dropout)), ("emb_dropout", float(c.embDropout))]
        case .t2tViT(let c):
            let layers = PythonValue(.tuple(c.t2tLayers.map { tuple([$0.kernel, $0.stride]) }), line: 0, column: 0)
            return [("dim", int(c.dim)), ("depth", int(c.depth)), ("heads", int(c.heads)), ("mlp_dim", int(c.mlpDim)),
                    ("pool", string(c.pool.rawValue)), ("dim_head", int(c.dimHead)), ("dropout", float(c.dropout)),
                    ("emb_dropout", float(c.embDropout)), ("t2t_layers", layers)]
        case .cvt(let c):
            var arguments: [(name: String, value: PythonValue)] = []
            for (index, s) in c.stages.enumerated() {
                let values = [s.embDim, s.embKernel, s.embStride, s.projKernel, s.kvProjStride, s.heads, s.depth, s.mlpMult]
                for (key, value) in zip(VitPytorchClass.cvtStageKeys, values) { arguments.append(("s\(index + 1)_" + key, int(value))) }
            }
            return arguments + [("dropout", float(c.dropout))]
        }
    }
}
