import Architectures
import Reports

/// `vitscope formula MODEL`: params and MACs as closed forms in B, H, W.
enum FormulaCommand: Command {
    static let name = "formula"
    static let abstract =
        "Print params and MACs as closed forms in B, H, W (attention apart), the lattice where they lose their floors, and check them."
    static let forms = [ModelOptions.usage()]
    static let options =
        ModelOptions.callOptions + [
            ModelOptions.imageSizeOption.with(help: "the size whose lattice the floor-free form is given on (default: the model's own)"),
            ModelOptions.numClassesOption, ModelOptions.format([.table, .json]),
        ]
    static let inapplicable = ["batch": "the closed forms hold for every batch B"]
    static let discussion = """
        The exact form holds for every size. The floor-free form holds on the residue classes of H and W
        that contain the model's size (e.g. multiples of 32), where every floor is a fixed linear function.
        Both are compared with concrete builds; exit 1 on any mismatch.
        example: vitscope formula vit_small_patch16_224
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count == 1 else { throw UsageError(message: "formula takes one MODEL") }
        let format = try ModelOptions.outputFormat(args, [.table, .json])
        let overrides = try ModelOptions.overrides(args)
        let form: ClosedForm
        do {
            let spec = try ModelOptions.resolve(models[0]).applying(overrides)
            _ = try spec.analyze(Overrides(batch: 1))
            form = try ClosedForm(spec)
        } catch let error as SpecError {
            ModelOptions.report(error, console: console)
            return .failure
        }
        console.out(format == .json ? FormulaReport.json(form).rendered() + "\n" : FormulaReport.text(form))
        return form.mismatches.isEmpty ? .success : .failure
    }
}
