import Architectures
import Reports

/// Sweep's output formats: the analysis formats and CSV.
enum SweepFormat: String, CaseIterable {
    case table, markdown, json, csv
}

/// `vitscope sweep MODEL --image-sizes …`: tokens per stage, params and MACs against input size.
enum SweepCommand: Command {
    static let name = "sweep"
    static let abstract =
        "Sweep one model over input sizes: tokens per stage, params and MACs per size; invalid sizes are skipped with the reason."
    static let forms = [ModelOptions.usage(required: ["image-sizes"])]
    static let options =
        ModelOptions.callOptions + [
            OptionSpec(
                name: "image-sizes", value: "LIST", help: "sizes: 160,224,288 or ranges START:STOP:STEP (STOP included), each N or HxW"),
            ModelOptions.batchOption, ModelOptions.numClassesOption,
            ModelOptions.trainOption,
        ] + TrainingOptions.all + [ModelOptions.formatOption(SweepFormat.allCases)]
    static let discussion = """
        With --train, each size shows a training step instead: the activations saved per stage, the step's peak memory per
        GPU and its training MACs per image (vitscope train explains the figures and their assumptions); the training
        options choose the step and --gpu or --memory adds whether it fits.
        example: vitscope sweep pit_s_224 --image-sizes 160:512:32 --format csv
        example: vitscope sweep vit_base_patch16_224 --image-sizes 224:512:32 --train --batch 32 --precision bf16 --gpu a100-40gb
        """
    /// Most sizes one sweep takes.
    static let maxSizes = 4096

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count == 1 else { throw UsageError(message: "sweep takes one MODEL") }
        guard let list = args.values["image-sizes"] else {
            throw UsageError(message: "sweep needs --image-sizes, e.g. 160,224,288 or 160:512:32")
        }
        let sizes = try imageSizes(list)
        let format = try ModelOptions.chosenFormat(args, SweepFormat.allCases)
        var overrides = try ModelOptions.overrides(args)
        let spec: ModelSpec
        do { spec = try ModelOptions.resolve(models[0]) } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        if let option = TrainingOptions.givenWithoutTrain(args) { throw UsageError(message: "--\(option) applies with --train") }
        if args.flags.contains("train") {
            return try sweepTraining(spec, sizes: sizes, overrides: overrides, args: args, format: format, console: console)
        }
        let points = sizes.map { size in
            overrides.imageSize = size
            return SweepPoint(size: size, result: Result { () throws(SpecError) in try spec.analyze(overrides) })
        }
        switch format {
        case .csv: console.out(SweepReport.csv(points))
        case .json: console.out(SweepReport.json(spec.name, points).rendered() + "\n")
        case .markdown: console.out(SweepReport.markdown(points))
        case .table: console.out(SweepReport.text(points))
        }
        return .success
    }

    /// `160,224` and `160:512:32` (inclusive), each size `N` or `HxW`; ranges step both sides.
    static func imageSizes(_ text: String) throws(UsageError) -> [ImageSize] {
        var sizes: [ImageSize] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.count {
            case 1:
                sizes.append(try ModelOptions.imageSize(item, option: "image-sizes"))
            case 3:
                guard let step = try? ParsedArguments.wholeNumber(parts[2], option: "image-sizes", in: 1...Int.max) else {
                    throw UsageError(message: "--image-sizes range '\(item)' needs a positive whole STEP")
                }
                let start = try ModelOptions.imageSize(parts[0], option: "image-sizes")
                let stop = try ModelOptions.imageSize(parts[1], option: "image-sizes")
                guard start.height <= stop.height, start.width <= stop.width else {
                    throw UsageError(message: "--image-sizes range '\(item)' has START after STOP")
                }
                var size = start
                while size.height <= stop.height && size.width <= stop.width {
                    sizes.append(size)
                    // The next size would pass STOP (compared without forming it, which could overflow).
                    if sizes.count > maxSizes || step > stop.height - size.height || step > stop.width - size.width { break }
                    size = ImageSize(height: size.height + step, width: size.width + step)
                }
            default:
                throw UsageError(message: "--image-sizes entry '\(item)' is neither N, HxW nor START:STOP:STEP")
            }
            if sizes.count > maxSizes { throw UsageError(message: "--image-sizes lists more than \(maxSizes) sizes") }
        }
        return sizes
    }
}

extension SweepCommand {
    /// `sweep --train`: the training step at each size.
    static func sweepTraining(
        _ spec: ModelSpec, sizes: [ImageSize], overrides: Overrides, args: ParsedArguments, format: SweepFormat, console: Console
    ) throws -> ExitCode {
        let choice = try TrainingOptions.choice(args)
        let setup = choice.setup(for: spec)
        var points: [TrainingSweepPoint] = []
        for size in sizes {
            var at = overrides
            at.imageSize = size
            let result: Result<TrainingEstimate, SpecError>
            do {
                result = .success(
                    try TrainingEstimate(spec: spec, overrides: at, setup: setup, optimizer: choice.optimizer, reserve: choice.reserve))
            } catch {
                result = .failure(error)
            }
            points.append(TrainingSweepPoint(size: size, result: result))
        }
        switch format {
        case .csv: console.out(TrainingSweepReport.csv(points, target: choice.target))
        case .json: console.out(TrainingSweepReport.json(spec.name, points, target: choice.target).rendered() + "\n")
        case .markdown: console.out(TrainingSweepReport.markdown(points, target: choice.target))
        case .table: console.out(TrainingSweepReport.text(points, target: choice.target))
        }
        return .success
    }
}
