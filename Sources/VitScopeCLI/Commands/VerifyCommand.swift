import Architectures
import CPUBackend
import Dispatch
import Foundation
import Reports

/// `vitscope verify MODEL... | --all`: runs each model on the CPU and compares, node by node,
/// what the kernels did with what the analytic graph says.
enum VerifyCommand: Command {
    static let name = "verify"
    static let abstract = "Run models on the CPU and check every node's shape, params and MACs against the analytic counts."
    static let usage = "vitscope verify MODEL...|--vit-pytorch CALL...|--all [--weights FILE] [--threads N] [--seed N] [--image-size N|HxW] "
        + "[--batch N] [--num-classes N] [--format table|markdown|json]"
    static let options = [
        OptionSpec(name: "all", value: nil, help: "verify every preset at its own size"),
        OptionSpec(name: "weights", value: "FILE", help: "a .safetensors file of the reference implementation's weights (one MODEL)"),
        OptionSpec(name: "threads", value: "N", help: "worker threads (default: all cores)"),
        OptionSpec(name: "seed", value: "N", help: "seed of the random weights and input (default 0)"),
        ModelOptions.vitPytorchOption,
    ] + ModelOptions.sizeOptions + [ModelOptions.format()]
    static let discussion = """
        Without --weights the weights and input are random (seeded). With --weights the file's
        tensors are loaded under the reference implementation's names (timm for ViT/DeiT/PiT/
        ResNet, the authors' code for T2T-ViT and CvT, vit-pytorch for --vit-pytorch calls); if it also holds `vitscope.input` and
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
        guard (1...256).contains(threads) else { throw UsageError(message: "--threads must be between 1 and 256, got \(threads)") }
        let seed = try args.integer("seed") ?? 0
        guard seed >= 0 else { throw UsageError(message: "--seed must be 0 or more, got \(seed)") }
        let file: SafetensorsFile?
        if let weightsPath {
            guard let loaded = readWeights(weightsPath, console: console) else { return .failure }
            file = loaded
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
            do {
                outcomes.append(try verify(analysis, file: file, seed: UInt64(seed), threads: threads) { text in
                    console.progress("")
                    console.err("note: \(weightsPath ?? ""): \(text)\n")
                })
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

    static func readWeights(_ path: String, console: Console) -> SafetensorsFile? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            console.err("error: \(path): \(exists ? "cannot read the file" : "no such file")\n")
            return nil
        }
        do {
            return try SafetensorsFile(bytes: Array(data))
        } catch {
            console.err("error: \(path): \(error)\n")
            return nil
        }
    }

    /// Runs `analysis`'s graph once and compares it with the analytic counts (and with the
    /// file's reference logits, when it has them and its input is this run's input shape).
    /// - Parameter note: told why the file's logits are not compared, when they are not.
    static func verify(_ analysis: Analysis, file: SafetensorsFile?, seed: UInt64, threads: Int,
                       note: (String) -> Void = { _ in }) throws -> VerificationOutcome {
        let graph = analysis.graph
        let spec = analysis.spec
        let shape = [analysis.batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width]
        let weights = try file.map { try Weights.load($0, graph: graph) }
            ?? Weights.random(for: graph, seed: seed)
        let fromFile = file.flatMap { $0.entry("vitscope.input")?.shape == shape ? $0 : nil }
        if let file, fromFile == nil, file.entry("vitscope.logits") != nil {
            let given = file.entry("vitscope.input").map { "is " + $0.shape.map(String.init).joined(separator: "×") } ?? "is missing"
            note("the file's reference input \(given) and this run's is \(shape.map(String.init).joined(separator: "×")), "
                 + "so its logits are not compared; the counts are still checked on a random input")
        }
        let input = try fromFile?.tensor("vitscope.input") ?? Tensor.random(shape, seed: seed &+ 1)
        let interpreter = Interpreter(graph: graph, weights: weights)
        interpreter.prepare()
        let start = DispatchTime.now().uptimeNanoseconds
        let execution = try interpreter.run(input, threads: threads)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var logitsError: Float?
        if let file = fromFile, let entry = file.entry("vitscope.logits") {
            let reference = try file.tensor("vitscope.logits")
            logitsError = entry.shape == execution.output.shape
                ? Numerics.relativeError(execution.output, reference) : .infinity
        }
        return VerificationOutcome(model: spec.name, input: shape, verification: Verification(graph: graph, execution: execution),
                                   seconds: seconds, logitsError: logitsError)
    }
}
