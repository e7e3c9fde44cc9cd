import Architectures

/// What stands for MODEL on a command line: a preset name or spec file path (positional), a
/// vit-pytorch constructor call given with `--vit-pytorch`, or a timm call given with `--timm`.
enum ModelReference: Equatable, CustomStringConvertible {
    case named(String)
    case vitPytorch(String)
    case timm(String)

    /// The argument as the user wrote it.
    var description: String {
        switch self {
        case .named(let name): name
        case .vitPytorch(let call), .timm(let call): call
        }
    }
}

extension ModelOptions {
    /// `--vit-pytorch CALL`: a vit-pytorch constructor call in place of a MODEL; repeatable where
    /// a command takes several MODELs.
    static let vitPytorchOption = OptionSpec(
        name: "vit-pytorch", value: "CALL",
        help: "a vit-pytorch constructor call in place of MODEL, e.g. 'PiT(image_size=224, patch_size=14, dim=256, "
            + "num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)'",
        repeatable: true)

    /// `--timm CALL`: a timm call in place of a MODEL; repeatable where a command takes several MODELs.
    static let timmOption = OptionSpec(
        name: "timm", value: "CALL",
        help: "a timm call in place of MODEL: create_model('NAME', key=value, ...) or VisionTransformer(...), "
            + "SwinTransformer(...), PoolingVisionTransformer(...), ResNet(...)",
        repeatable: true)

    /// The options that stand for a MODEL, for every command that takes one.
    static let callOptions = [vitPytorchOption, timmOption]

    /// The MODELs of a command line in the order given: positional arguments, `--vit-pytorch` and `--timm` calls.
    static func models(_ args: ParsedArguments) -> [ModelReference] {
        args.ordered.compactMap { option, value in
            switch option {
            case nil: .named(value)
            case vitPytorchOption.name?: .vitPytorch(value)
            case timmOption.name?: .timm(value)
            default: nil
            }
        }
    }

    /// The spec `model` stands for. Problems in a call are reported under its option's name.
    static func resolve(_ model: ModelReference) throws(SpecError) -> ModelSpec {
        switch model {
        case .named(let name): try resolve(name)
        case .vitPytorch(let call): try underOption(vitPytorchOption.name) { () throws(SpecError) in try VitPytorch.spec(call: call) }
        case .timm(let call): try underOption(timmOption.name) { () throws(SpecError) in try Timm.spec(call: call) }
        }
    }

    /// `read()`, with its problems' fields prefixed by `--option`.
    private static func underOption(_ option: String, _ read: () throws(SpecError) -> ModelSpec) throws(SpecError) -> ModelSpec {
        do {
            return try read()
        } catch {
            throw SpecError(
                error.problems.map { problem in
                    var p = problem
                    p.field = p.field == PythonCallParser.field ? "--\(option)" : "--\(option) " + p.field
                    return p
                })
        }
    }

    /// Resolves and analyses `model`, writing problems to stderr on failure.
    static func analyze(_ model: ModelReference, _ overrides: Overrides, console: Console) -> Analysis? {
        do {
            return try resolve(model).analyze(overrides)
        } catch {
            report(error, console: console)
            return nil
        }
    }
}
