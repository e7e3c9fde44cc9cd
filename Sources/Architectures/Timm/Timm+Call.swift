extension Timm {
    /// The names a call may start with to create a registered model.
    static let createModelNames = ["create_model", "timm.create_model", "timm.models.create_model"]

    /// `create_model`'s own arguments besides the name and the model's, which change nothing
    /// vitscope counts.
    static let createModelUncounted = ["pretrained", "checkpoint_path", "cache_dir", "scriptable", "exportable", "no_jit"]

    /// Every model name `create_model` accepts here, in timm's registry order per module.
    public static let modelNames: [String] = presetLines.map(\.name)

    /// The registered models: class and arguments, from ``presetTable``.
    static let presets: [String: (modelClass: TimmClass, arguments: [PythonArgument])] = {
        var table: [String: (modelClass: TimmClass, arguments: [PythonArgument])] = [:]
        for line in presetLines {
            // The table is generated from timm's registry: every line parses.
            guard let modelClass = TimmClass(rawValue: line.className),
                let call = try? PythonCallParser.parse("f(\(line.arguments))", names: true)
            else { preconditionFailure("bad line in Timm.presetTable: \(line.name)") }
            table[line.name] = (modelClass, call.arguments)
        }
        return table
    }()

    private static let presetLines: [(name: String, className: String, arguments: String)] = presetTable.split(separator: "\n")
        .map { line in
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            return (parts[0], parts[1], parts.count > 2 ? parts[2] : "")
        }

    /// The model a timm call builds: `create_model("NAME", key=value, ...)` for a registered
    /// name, or a class called with its arguments (`VisionTransformer(...)`, `SwinTransformer(...)`,
    /// `PoolingVisionTransformer(...)`, `ResNet(...)`).
    ///
    /// The spec's name is the call on one line; `img_size`, `in_chans` and `num_classes` become
    /// the spec's image size, input channels and classes. Every problem is reported at once, each
    /// at its line and column: syntax, unknown names and arguments (with the nearest one), wrong
    /// types and ranges, what timm asserts at construction, and every argument value vitscope
    /// cannot represent. Arguments that change nothing countable are accepted and listed in the
    /// spec's notes.
    /// - Throws: ``SpecError`` listing the problems in the order they appear in the call.
    public static func spec(call text: String) throws(SpecError) -> ModelSpec {
        let call = try PythonCallParser.parse(
            text, names: true, expecting: "timm.create_model(...) or a timm class name such as VisionTransformer")
        if createModelNames.contains(call.name) { return try createModel(call) }
        guard let modelClass = TimmClass.named(call.name) else {
            let names = TimmClass.allCases.map(\.rawValue) + ["create_model"]
            let last = call.name.split(separator: ".").last.map(String.init) ?? call.name
            throw SpecError([
                Problem(
                    field: PythonCallParser.field,
                    message: "unknown class '\(call.name)'; vitscope reads timm's " + names.joined(separator: ", "),
                    fix: Suggestion.nearest(to: last, among: names).map { "did you mean \($0)?" }, line: call.line,
                    column: call.column)
            ])
        }
        var problems: [Problem] = []
        let arguments = keywords(call.arguments, of: modelClass, problems: &problems)
        return try build(
            modelClass, arguments: arguments, call: call, problems: problems, preset: nil,
            reference: "timm \(version) \(modelClass.module).\(modelClass.rawValue)")
    }

    /// Positional arguments named by the class's parameter order, as Python binds them.
    private static func keywords(_ arguments: [PythonArgument], of modelClass: TimmClass, problems: inout [Problem]) -> [CallArgument] {
        var keywords: [CallArgument] = []
        for (index, argument) in arguments.enumerated() {
            if let name = argument.name {
                keywords.append(CallArgument(name: name, line: argument.line, column: argument.column, value: argument.value))
            } else if index < modelClass.parameters.count, !arguments.prefix(index).contains(where: { $0.name != nil }) {
                keywords.append(
                    CallArgument(name: modelClass.parameters[index], line: argument.line, column: argument.column, value: argument.value))
            } else {
                problems.append(
                    Problem(
                        field: PythonCallParser.field,
                        message: "positional argument \(argument.value.rendered) "
                            + (index < modelClass.parameters.count
                                ? "after a keyword argument" : "beyond \(modelClass.owner)'s \(modelClass.parameters.count) parameters"),
                        fix: "write it as name=value", line: argument.line, column: argument.column))
            }
        }
        return keywords
    }

    /// `create_model(NAME, ...)`: the registered model's arguments, overridden by the call's.
    private static func createModel(_ call: PythonCall) throws(SpecError) -> ModelSpec {
        var problems: [Problem] = []
        var rest = call.arguments
        let nameIndex = rest.firstIndex { $0.name == "model_name" } ?? (rest.first?.name == nil && !rest.isEmpty ? 0 : nil)
        guard let nameIndex else {
            throw SpecError([
                Problem(
                    field: "model_name", message: "missing: create_model needs a model name",
                    fix: "e.g. create_model('vit_base_patch16_224')", line: call.line, column: call.column)
            ])
        }
        let nameArgument = rest.remove(at: nameIndex)
        guard case .string(let name) = nameArgument.value.kind else {
            throw SpecError([
                Problem(
                    field: "model_name", message: "expected a model name in quotes, found \(nameArgument.value.foundDescription)",
                    line: nameArgument.value.line, column: nameArgument.value.column)
            ])
        }
        let base = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        guard let preset = presets[base], base == name else {
            let message: String
            var fix: String?
            if presets[base] != nil {
                message =
                    "'\(name)' names pretrained weights ('\(name.dropFirst(base.count + 1))'), whose configuration can set other defaults; vitscope reads the plain model names"
                fix = "write create_model('\(base)') and give num_classes or img_size as the weights need"
            } else {
                message = "unknown model '\(name)': vitscope knows timm's \(modelNames.count) ViT, DeiT, PiT, Swin and ResNet names"
                fix = Suggestion.nearest(to: name, among: modelNames).map { "did you mean '\($0)'?" }
            }
            throw SpecError([
                Problem(field: "model_name", message: message, fix: fix, line: nameArgument.value.line, column: nameArgument.value.column)
            ])
        }
        var notes: [String] = []
        var modelArguments: [PythonArgument] = []
        for argument in rest {
            guard let keyword = argument.name else {
                problems.append(
                    Problem(
                        field: PythonCallParser.field, message: "positional argument \(argument.value.rendered) after the model name",
                        fix: "write it as name=value", line: argument.line, column: argument.column))
                continue
            }
            if createModelUncounted.contains(keyword) {
                notes.append("\(keyword)=\(argument.value.rendered) changes nothing vitscope counts")
            } else if keyword == "pretrained_cfg" || keyword == "pretrained_cfg_overlay" || keyword == "features_only" {
                if argument.value.kind != .none && argument.value.kind != .bool(false) {
                    problems.append(
                        Problem(
                            field: keyword,
                            message: "vitscope cannot represent \(keyword)=\(argument.value.rendered)"
                                + (keyword == "features_only"
                                    ? "; it models the classifier, not feature extraction" : "; give the model arguments instead"),
                            line: argument.value.line, column: argument.value.column))
                }
            } else {
                modelArguments.append(argument)
            }
        }
        // The registered arguments, placed at the name; the call's own replace them (timm merges
        // them as `dict(model_args, **kwargs)`).
        let given = Set(modelArguments.compactMap(\.name))
        let registered = preset.arguments.filter { !given.contains($0.name ?? "") }.map { argument in
            var value = argument.value
            (value.line, value.column) = (nameArgument.value.line, nameArgument.value.column)
            return CallArgument(name: argument.name ?? "", line: value.line, column: value.column, value: value)
        }
        let own = keywords(modelArguments, of: preset.modelClass, problems: &problems)
        var spec = try build(
            preset.modelClass, arguments: registered + own, call: call, problems: problems, preset: (name, Set(registered.map(\.name))),
            reference: "timm \(version) create_model('\(name)'): \(preset.modelClass.module).\(preset.modelClass.rawValue)")
        spec.notes = notes + spec.notes
        return spec
    }

    private static func build(
        _ modelClass: TimmClass, arguments: [CallArgument], call: PythonCall, problems: [Problem],
        preset: (name: String, arguments: Set<String>)?, reference: String
    ) throws(SpecError) -> ModelSpec {
        var reader = TimmArgumentReader(
            modelClass, arguments: arguments, allowed: modelClass.parameters, prefix: "", anchorLine: call.line,
            anchorColumn: call.column)
        let model = reader.model()
        var problems = problems
        for var problem in reader.problems {
            if let preset, preset.arguments.contains(problem.field), let value = reader.values[problem.field] {
                problem.message += " (create_model('\(preset.name)') passes \(problem.field)=\(value.rendered))"
            }
            problems.append(problem)
        }
        guard problems.isEmpty, let model else { throw SpecError(VitPytorch.inTextOrder(problems)) }
        let given = Set(arguments.filter { preset?.arguments.contains($0.name) != true }.map(\.name))
        var notes: [String] = []
        let rates = modelClass.rates.filter { given.contains($0) && reader.values[$0]?.number != 0 }
        if !rates.isEmpty {
            notes.append(
                rates.map { "\($0)=\(reader.values[$0]?.rendered ?? "")" }.joined(separator: ", ")
                    + ": no parameters and no work at inference; not modelled in training (no masks or scales counted)")
        }
        let uncounted = modelClass.parameters.filter { modelClass.uncounted.contains($0) && given.contains($0) }
        if !uncounted.isEmpty {
            notes.append(
                uncounted.map { "\($0)=\(reader.values[$0]?.rendered ?? "")" }.joined(separator: ", ")
                    + (uncounted.count == 1 ? " changes" : " change") + " nothing vitscope counts")
        }
        return ModelSpec(
            name: call.rendered, reference: reference, imageSize: model.image, inChannels: model.channels, numClasses: model.classes,
            config: model.config, notes: notes)
    }
}
