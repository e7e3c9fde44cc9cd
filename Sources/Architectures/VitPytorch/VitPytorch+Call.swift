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
            throw SpecError([
                Problem(
                    field: field,
                    message: "unknown class '\(call.name)'; vitscope reads vit-pytorch's "
                        + names.joined(separator: ", "), fix: fix, line: call.line, column: call.column)
            ])
        }
        var problems: [Problem] = []
        var keywords: [CallArgument] = []
        for (index, argument) in call.arguments.enumerated() {
            guard let name = argument.name else {
                let example = (index < modelClass.parameters.count ? modelClass.parameters[index] : "name") + "=" + argument.value.rendered
                problems.append(
                    Problem(
                        field: field,
                        message: "positional argument \(argument.value.rendered): vit-pytorch's "
                            + "\(modelClass.rawValue) takes keyword arguments only",
                        fix: "write it as name=value, e.g. \(example)", line: argument.line, column: argument.column))
                continue
            }
            keywords.append(CallArgument(name: name, line: argument.line, column: argument.column, value: argument.value))
        }
        var reader = VitPytorchArgumentReader(
            modelClass, arguments: keywords, allowed: modelClass.parameters, prefix: "",
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
                problems.append(
                    Problem(
                        field: issue.argument, message: issue.message, fix: issue.fix,
                        line: value?.line ?? call.line, column: value?.column ?? call.column))
            }
        }
        guard problems.isEmpty, let image, let channels, let numClasses, let config else {
            throw SpecError(inTextOrder(problems))
        }
        return ModelSpec(
            name: call.rendered, reference: reference(modelClass), imageSize: image, inChannels: channels,
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
