import ArchGraph
import Architectures
import Foundation
import JSONOutput
import Reports

/// `vitscope train MODEL`: one training step's work and memory, whether it fits a GPU, the
/// largest batch that does, and what a run costs.
enum TrainCommand: Command {
    static let name = "train"
    static let abstract =
        "Plan training: backward MACs, saved activations and peak memory per GPU, whether it fits, the largest batch, and GPU-hours."
    static let forms = [
        UsageForm(
            operands: ModelOptions.operands,
            optional: options.map(\.name).filter { !["calibration", "vit-pytorch", "timm"].contains($0) }),
        UsageForm(operands: [.option("calibration")], optional: ["format"]),
    ]
    static let options =
        ModelOptions.callOptions + [
            ModelOptions.imageSizeOption,
            ModelOptions.batchOption,
            ModelOptions.numClassesOption,
        ] + TrainingOptions.all + [
            OptionSpec(name: "max-batch", value: nil, help: "find the largest batch per GPU that fits (--gpu, --memory, or every GPU)"),
            OptionSpec(name: "epochs", value: "N", help: "epochs of the run (default 300)", range: 1...1_000_000),
            OptionSpec(
                name: "images", value: "N", help: "images per epoch (default 1,281,167, ImageNet-1k's training set)",
                range: 1...1_000_000_000_000),
            OptionSpec(name: "gpus", value: "N", help: "data-parallel GPUs of the run (default 1)", range: 1...1_000_000),
            OptionSpec(name: "utilization", value: "F", help: "share of the peak FLOP/s the run sustains, 0 < F ≤ 1 (default 0.4)"),
            OptionSpec(name: "calibration", value: nil, help: "show published runs and the utilisation each implies"),
            ModelOptions.formatOption(SweepFormat.allCases),
        ]
    static let discussion = """
        Memory is per GPU: float32 parameters, gradients and optimizer state, the activations autograd saves, and the
        largest set of activations and gradients alive at once; the CUDA context and workspaces are left to --reserve.
        Exit status 0 when the step fits the GPU (or --memory, or some GPU of the table when neither is given), 1 when
        it does not (the report is printed either way). Every assumption is printed with the figures.
        example: vitscope train vit_base_patch16_224 --image-size 384 --batch 64 --precision bf16 --gpu a100-40gb
        example: vitscope train pit_s_224 --max-batch --gpu h100 --precision bf16 --checkpoint blocks
        example: vitscope train deit_small_patch16_224 --batch 128 --gpus 8 --epochs 300 --precision fp16 --gpu v100
        example: vitscope train --calibration
        """
    static let defaultEpochs = 300

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let format = try ModelOptions.chosenFormat(args, SweepFormat.allCases)
        if args.flags.contains("calibration") {
            guard ModelOptions.models(args).isEmpty else { throw UsageError(message: "--calibration takes no MODEL") }
            return calibration(format: format, console: console)
        }
        let models = ModelOptions.models(args)
        guard models.count == 1 else {
            throw UsageError(message: models.isEmpty ? "train needs a MODEL" : "train takes one MODEL; use compare --train for several")
        }
        let choice = try TrainingOptions.choice(args)
        let run = try trainingRun(args)
        let overrides = try ModelOptions.overrides(args)
        let spec: ModelSpec
        do { spec = try ModelOptions.resolve(models[0]) } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        return try train(spec, overrides, args: args, choice: choice, run: run, format: format, console: console)
    }

    /// The step of `spec` as the command line sets it up: its report, or the largest batch.
    static func train(
        _ spec: ModelSpec, _ overrides: Overrides, args: ParsedArguments, choice: TrainingOptions.Choice, run: TrainingRun,
        format: SweepFormat, console: Console
    ) throws -> ExitCode {
        let setup = choice.setup(for: spec)
        if args.flags.contains("max-batch") {
            guard args.values["batch"] == nil else { throw UsageError(message: "--max-batch searches for the batch; give no --batch") }
            return try maxBatch(spec, overrides, setup: setup, choice: choice, run: run, format: format, console: console)
        }
        var overrides = overrides
        overrides.batch = try args.integer("batch") ?? 1
        let estimate: TrainingEstimate
        do {
            estimate = try TrainingEstimate(
                spec: spec, overrides: overrides, setup: setup, optimizer: choice.optimizer, run: run, reserve: choice.reserve)
        } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        print(estimate, target: choice.target, format: format, console: console)
        return verdict(estimate, target: choice.target, console: console)
    }

    /// The run of the command line: epochs, images, GPUs and utilisation.
    static func trainingRun(_ args: ParsedArguments) throws(UsageError) -> TrainingRun {
        var run = TrainingRun(epochs: defaultEpochs)
        if let epochs = try args.integer("epochs") { run.epochs = epochs }
        if let images = try args.integer("images") { run.imagesPerEpoch = images }
        if let gpus = try args.integer("gpus") { run.gpus = gpus }
        if let text = args.values["utilization"] {
            let digits = text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }
            guard digits, let value = Double(text), value > 0, value <= 1 else {
                throw UsageError(message: "--utilization expects a number above 0 and at most 1 (e.g. 0.4), got '\(text)'")
            }
            run.utilization = value
        }
        return run
    }

    static func print(_ e: TrainingEstimate, target: MemoryTarget?, format: SweepFormat, console: Console, maxBatch: JSONText? = nil) {
        switch format {
        case .table: console.out(TrainingReport.text(e, target: target))
        case .markdown: console.out(TrainingReport.markdown(e, target: target))
        case .json: console.out(TrainingReport.json(e, target: target, maxBatch: maxBatch).rendered() + "\n")
        case .csv: console.out(TrainingReport.csv(e))
        }
    }

    /// Exit 0 when the step fits the target (or some GPU of the table), else 1 with the reason.
    static func verdict(_ e: TrainingEstimate, target: MemoryTarget?, console: Console) -> ExitCode {
        if let target {
            let v = e.verdict(target)
            guard !v.fits else { return .success }
            console.err(
                "error: batch \(e.batch) does not fit the \(target.name): peak \(NumberFormat.bytes(e.memory.peakBytes)), "
                    + "\(NumberFormat.bytes(v.available ?? 0)) available after the reserve\n")
            return .failure
        }
        if let shortfall = TrainingReport.shortfall(e) {
            console.err("error: " + shortfall + "\n")
            return .failure
        }
        return .success
    }

    static func calibration(format: SweepFormat, console: Console) -> ExitCode {
        let rows: [CalibrationRow]
        do { rows = try CalibrationRow.all() } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        switch format {
        case .table: console.out(CalibrationReport.text(rows))
        case .markdown: console.out(CalibrationReport.markdown(rows))
        case .json: console.out(CalibrationReport.json(rows).rendered() + "\n")
        case .csv: console.out(CalibrationReport.csv(rows))
        }
        return .success
    }
}
