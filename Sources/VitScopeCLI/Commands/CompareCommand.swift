import Architectures
import Reports

/// `vitscope compare MODEL MODEL...`: models side by side, stage by stage, with ratios.
enum CompareCommand: Command {
    static let name = "compare"
    static let abstract = "Compare models side by side: grid, tokens, channels, params and MACs per stage, then totals and ratios."
    static let forms = [ModelOptions.usage(repeated: true)]
    static let options = ModelOptions.callOptions + ModelOptions.sizeOptions + [ModelOptions.format()]
    static let discussion = """
        The overrides apply to every model. Ratios are to the first model. --vit-pytorch CALL may be repeated and
        mixed with MODELs; models are compared in the order given.
        example: vitscope compare vit_small_patch16_224 pit_s_224 resnet50
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count >= 2 else { throw UsageError(message: "compare needs at least two MODELs") }
        let format = try ModelOptions.outputFormat(args)
        let overrides = try ModelOptions.overrides(args)
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
