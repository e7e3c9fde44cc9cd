import Architectures
import Reports

/// `vitscope compare MODEL MODEL...`: models side by side, stage by stage, with ratios.
enum CompareCommand: Command {
    static let name = "compare"
    static let abstract = "Compare models side by side: grid, tokens, channels, params and MACs per stage, then totals and ratios."
    static let forms = [ModelOptions.usage(repeated: true)]
    static let options =
        ModelOptions.callOptions + ModelOptions.sizeOptions + [ModelOptions.trainOption] + TrainingOptions.all + [ModelOptions.format()]
    static let discussion = """
        The overrides apply to every model. Ratios are to the first model. --vit-pytorch CALL may be repeated and
        mixed with MODELs; models are compared in the order given. With --train, the models' training steps at the same
        batch are compared instead: saved activations and backward MACs per stage, training MACs, saved activations and
        peak memory per GPU (each model with its family's attention unless --attention is given).
        example: vitscope compare vit_small_patch16_224 pit_s_224 resnet50
        example: vitscope compare vit_small_patch16_224 pit_s_224 swin_tiny_patch4_window7_224 --train --batch 128 --precision bf16
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count >= 2 else { throw UsageError(message: "compare needs at least two MODELs") }
        let format = try ModelOptions.outputFormat(args)
        let overrides = try ModelOptions.overrides(args)
        if let option = TrainingOptions.givenWithoutTrain(args) { throw UsageError(message: "--\(option) applies with --train") }
        if args.flags.contains("train") { return try compareTraining(models, overrides, args: args, format: format, console: console) }
        var analyses: [Analysis] = []
        var failed = false
        for model in models {
            if let analysis = ModelOptions.analyze(model, overrides, console: console) {
                analyses.append(analysis)
            } else {
                failed = true
            }
        }
        if failed { return .failure }
        switch format {
        case .table: console.out(ComparisonReport.text(analyses))
        case .markdown: console.out(ComparisonReport.markdown(analyses))
        case .json: console.out(ComparisonReport.json(analyses).rendered() + "\n")
        }
        return .success
    }
}

extension CompareCommand {
    /// `compare --train`: the models' training steps at the same batch.
    static func compareTraining(
        _ models: [ModelReference], _ overrides: Overrides, args: ParsedArguments, format: OutputFormat, console: Console
    ) throws -> ExitCode {
        let choice = try TrainingOptions.choice(args)
        var estimates: [TrainingEstimate] = []
        var failed = false
        for model in models {
            do {
                let spec = try ModelOptions.resolve(model)
                estimates.append(
                    try TrainingEstimate(
                        spec: spec, overrides: overrides, setup: choice.setup(for: spec), optimizer: choice.optimizer,
                        reserve: choice.reserve))
            } catch {
                ModelOptions.report(error, console: console)
                failed = true
            }
        }
        if failed { return .failure }
        switch format {
        case .table: console.out(TrainingComparisonReport.text(estimates, target: choice.target))
        case .markdown: console.out(TrainingComparisonReport.markdown(estimates, target: choice.target))
        case .json: console.out(TrainingComparisonReport.json(estimates, target: choice.target).rendered() + "\n")
        }
        return .success
    }
}
