import ArchGraph
import Architectures
import CPUBackend
import Foundation
import Reports
import Verifying

/// `vitscope verify MODEL... | --all`: runs each model on the CPU and compares, node by node,
/// what the kernels did with what the analytic graph says.
enum VerifyCommand: Command {
    static let name = "verify"
    static let abstract = "Run models on the CPU and check every node's shape, params and MACs against the analytic counts."
    static let forms = [UsageForm(operands: ModelOptions.operands + [.option("all")], repeated: true)]
    static let options =
        [
            OptionSpec(name: "all", value: nil, help: "verify every preset at its own size"),
            OptionSpec(
                name: "train", value: nil,
                help: "also run one training step (backward, AdamW) and check every node's backward MACs and kept bytes"),
            TrainingOptions.attentionOption,
            OptionSpec(name: "weights", value: "FILE", help: "a .safetensors file of the reference implementation's weights (one MODEL)"),
            ModelOptions.threadsOption(help: "worker threads (default: all cores)"),
            OptionSpec(name: "seed", value: "N", help: "seed of the random weights and input (default 0)", range: 0...Int.max),
            ModelOptions.noMemoryCheckOption,
        ] + ModelOptions.callOptions + ModelOptions.sizeOptions + [ModelOptions.format()]
    static let discussion = """
        Without --weights the weights and input are random (seeded). With --weights the file's
        tensors are loaded under the reference implementation's names (timm for ViT/DeiT/PiT/
        ResNet/Swin and --timm calls, the authors' code for T2T-ViT and CvT, vit-pytorch for --vit-pytorch calls); if it also holds `vitscope.input` and
        `vitscope.logits`, the output must match those logits within 1e-4 relative to their
        largest magnitude. Exit 0 only if every model matches.
        example: vitscope verify pit_s_224 vit_small_patch16_224
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let all = args.flags.contains("all")
        let given = ModelOptions.models(args)
        if all && !given.isEmpty { throw UsageError(message: "give MODELs or --all, not both") }
        if !all && given.isEmpty { throw UsageError(message: "verify needs a MODEL or --all") }
        let weightsPath = args.values["weights"]
        if weightsPath != nil && (all || given.count != 1) {
            throw UsageError(message: "--weights applies to exactly one MODEL")
        }
        let format = try ModelOptions.outputFormat(args)
        let overrides = try ModelOptions.overrides(args)
        let threads = try args.integer("threads") ?? ProcessInfo.processInfo.activeProcessorCount
        let seed = try args.integer("seed") ?? 0
        let train = args.flags.contains("train")
        // nil: each model's family decides, as for `train`.
        var attention: AttentionImplementation?
        if let name = args.values["attention"] {
            guard train else { throw UsageError(message: "--attention applies to --train") }
            attention = try TrainingOptions.value(name, option: "attention", AttentionImplementation.allCases)
        }
        let file: SafetensorsFile?
        if let weightsPath {
            do {
                file = try VerificationRun.readWeights(atPath: weightsPath)
            } catch {
                console.err("error: \(error)\n")
                return .failure
            }
        } else {
            file = nil
        }

        let models = all ? Zoo.names.map(ModelReference.named) : given
        var outcomes: [VerificationOutcome] = []
        var failed = false
        for (index, model) in models.enumerated() {
            console.progress("[\(index + 1)/\(models.count)] \(model)")
            guard let analysis = ModelOptions.analyze(model, overrides, console: console) else {
                failed = true
                continue
            }
            if let problem = ModelOptions.memoryProblem(analysis, args) {
                console.progress("")
                console.err("error: \(model): \(problem)\n")
                failed = true
                continue
            }
            do {
                let run = try VerificationRun(analysis, weights: file, seed: UInt64(seed))
                for note in run.notes {
                    console.progress("")
                    console.err("note: \(weightsPath ?? ""): \(note)\n")
                }
                outcomes.append(
                    try train
                        ? run.executeTraining(threads: threads, attention: attention ?? analysis.spec.family.trainingAttention)
                        : run.execute(threads: threads))
            } catch let error as WeightsErrors {
                console.progress("")
                for problem in error.problems { console.err("error: \(weightsPath ?? ""): \(problem)\n") }
                failed = true
            } catch {
                console.progress("")
                console.err("error: \(model): \(error)\n")
                failed = true
            }
        }
        console.progress("")
        if !outcomes.isEmpty {
            switch format {
            case .table: console.out(VerificationReport.text(outcomes))
            case .markdown: console.out(VerificationReport.markdown(outcomes))
            case .json: console.out(VerificationReport.json(outcomes).rendered() + "\n")
            }
        }
        return failed || outcomes.contains { !$0.matches } ? .failure : .success
    }
}
