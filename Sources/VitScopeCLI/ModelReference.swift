import Architectures

/// What stands for MODEL on a command line: a preset name or spec file path (positional), or a
/// vit-pytorch constructor call given with `--vit-pytorch`.
enum ModelReference: Equatable, CustomStringConvertible {
    case named(String)
    case vitPytorch(String)

    /// The argument as the user wrote it.
    var description: String {
        switch self {
        case .named(let name): name
        case .vitPytorch(let call): call
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

    /// The MODELs of a command line in the order given: positional arguments and `--vit-pytorch` calls.
    static func models(_ args: ParsedArguments) -> [ModelReference] {
        args.ordered.compactMap { option, value in
            switch option {
            case nil: .named(value)
            case vitPytorchOption.name?: .vitPytorch(value)
            default: nil
            }
        }
    }

    /// The spec `model` stands for. Problems in a call are reported under `--vit-pytorch`.
    static func resolve(_ model: ModelReference) throws(SpecError) -> ModelSpec {
        switch model {
        case .named(let name):
            return try resolve(name)
        case .vitPytorch(let call):
            do {
                return try VitPytorch.spec(call: call)
            } catch {
                throw SpecError(
                    error.problems.map { problem in
                        var p = problem
                        p.field = p.field == PythonCallParser.field ? "--vit-pytorch" : "--vit-pytorch " + p.field
                        return p
                    })
            }
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
