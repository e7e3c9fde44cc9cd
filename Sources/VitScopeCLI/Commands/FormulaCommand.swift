import Architectures
import Reports

/// `vitscope formula MODEL`: params and MACs as closed forms in B, H, W.
enum FormulaCommand: Command {
    static let name = "formula"
    static let abstract =
        "Print params, MACs and a training step's backward MACs and saved bytes as closed forms in B, H, W, the lattice where they lose their floors, and check them."
    static let forms = [ModelOptions.usage()]
    static let options =
        ModelOptions.callOptions + [
            ModelOptions.imageSizeOption.with(help: "the size whose lattice the floor-free form is given on (default: the model's own)"),
            ModelOptions.numClassesOption, TrainingOptions.precisionOption, TrainingOptions.attentionOption,
            TrainingOptions.autocastOption, TrainingOptions.checkpointOption, ModelOptions.format([.table, .json]),
        ]
    static let inapplicable = ["batch": "the closed forms hold for every batch B"]
    static let discussion = """
        The exact form holds for every size. The floor-free form holds on the residue classes of H and W
        that contain the model's size (e.g. multiples of 32), where every floor is a fixed linear function.
        Both are compared with concrete builds; exit 1 on any mismatch. The training step's forms
        (backward MACs for input and weight gradients, forward MACs run again in backward, bytes of the
        distinct tensors kept for backward) are for the setup the options give, as `vitscope train`
        takes them (default float32, the family's attention, no checkpointing), checked against the
        training analysis of concrete builds.
        example: vitscope formula vit_small_patch16_224
        example: vitscope formula pit_s_224 --precision bf16 --checkpoint blocks
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count == 1 else { throw UsageError(message: "formula takes one MODEL") }
        let format = try ModelOptions.outputFormat(args, [.table, .json])
        let overrides = try ModelOptions.overrides(args)
        let choice = try TrainingOptions.choice(args)
        let form: ClosedForm, training: TrainingClosedForm
        do {
            let spec = try ModelOptions.resolve(models[0]).applying(overrides)
            _ = try spec.analyze(Overrides(batch: 1))
            form = try ClosedForm(spec)
            training = TrainingClosedForm(spec, graph: try spec.symbolicGraph(), setup: choice.setup(for: spec))
        } catch let error as SpecError {
            ModelOptions.report(error, console: console)
            return .failure
        }
        console.out(
            format == .json
                ? FormulaReport.json(form, training: training).rendered() + "\n" : FormulaReport.text(form, training: training))
        return form.mismatches.isEmpty && training.mismatches.isEmpty ? .success : .failure
    }
}
