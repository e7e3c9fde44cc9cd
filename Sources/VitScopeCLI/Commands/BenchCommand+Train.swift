import ArchGraph
import Architectures
import CPUBackend
import Foundation
import JSONOutput
import Reports

/// `vitscope bench MODEL --train`: times training steps on the CPU backend.
extension BenchCommand {
    static func benchTraining(
        _ analysis: Analysis, choice: TrainingOptions.Choice, threads: Int, runs: Int, format: OutputFormat,
        profile: Bool, args: ParsedArguments, console: Console
    ) throws -> ExitCode {
        let spec = analysis.spec
        let setup = choice.setup(for: spec)
        let graph = analysis.graph
        guard let logits = graph.nodes.last?.shape.compactMap(\.constant), logits.count == 2 else {
            console.err("error: \(spec.name): the training step needs (batch, classes) logits\n")
            return .failure
        }
        if let problem = memoryProblem(analysis, setup: setup, optimizer: choice.optimizer, args: args) {
            console.err("error: \(spec.name): \(problem)\n")
            return .failure
        }
        let input = Tensor.random([analysis.batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width], seed: 1)
        let labels = (0..<analysis.batch).map { $0 * 7919 % logits[1] }
        let optimizer: any Optimizer
        switch choice.optimizer {
        case .adamw:
            let adamw = AdamW(learningRate: 1e-4)
            adamw.threads = threads
            optimizer = adamw
        case .sgd, .sgdMomentum:
            let sgd = SGD(learningRate: 1e-3, momentum: choice.optimizer == .sgd ? 0 : 0.9)
            sgd.threads = threads
            optimizer = sgd
        }
        console.progress("timing \(spec.name) training steps: 1 warm-up and \(runs) runs")
        let result = try TrainingBenchmark.measure(
            graph: graph, input: input, labels: labels, runs: runs, threads: threads, attention: setup.attention,
            checkpoint: setup.checkpoint, optimizer: optimizer
        ) { () throws(BackendError) -> Weights in try Weights.random(for: graph, seed: 0) }
        console.progress("measuring the FMA peak")
        let peak = FMAPeak.measure(threads: threads)
        console.progress("")
        let memory = 2 * result.parameterBytes + result.optimizerStateBytes + result.savedBytes
        let inputText = "\(analysis.batch)×\(spec.inChannels)×\(spec.imageSize.height)×\(spec.imageSize.width)"
        let ms = { (seconds: Double) in String(format: "%.2f", seconds * 1000) }
        switch format {
        case .json:
            var members: [(String, JSONText)] = [
                ("model", .string(spec.name)), ("batch", .int(analysis.batch)),
                ("input", .array([analysis.batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width].map(JSONText.int))),
                ("train", .bool(true)), ("attention", .string(setup.attention.rawValue)),
                ("optimizer", .string(choice.optimizer.rawValue)), ("checkpoint", .string(setup.checkpoint.rawValue)),
                ("threads", .int(threads)), ("runs", .int(runs)), ("median_seconds", .double(result.median())),
                ("min_seconds", .double(result.minimum)), ("forward_median_seconds", .double(result.median(\.forward))),
                ("backward_median_seconds", .double(result.median(\.backward))),
                ("optimizer_median_seconds", .double(result.median(\.optimizer))),
                ("forward_macs", .int(result.forwardMacs)), ("backward_macs", .int(result.backwardMacs)),
                ("recompute_macs", .int(result.recomputeMacs)), ("gflops", .double(result.gflops)),
                ("peak_gflops", .double(peak)), ("fraction_of_peak", .double(result.gflops / peak)),
                ("loss", .double(result.lastLoss)), ("parameter_bytes", .int(result.parameterBytes)),
                ("gradient_bytes", .int(result.parameterBytes)), ("optimizer_bytes", .int(result.optimizerStateBytes)),
                ("saved_activations_bytes", .int(result.savedBytes)),
            ]
            if let resident = result.peakResidentBytes {
                members.append(("peak_resident_growth_bytes", .int(resident)))
            }
            console.out(JSONText.object(members).rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(
                headers: [
                    "model", "input", "threads", "runs", "step ms", "min ms", "forward ms", "backward ms", "optimizer ms",
                    "GFLOP/s", "of peak", "state MiB", "saved MiB", "peak RSS MiB",
                ],
                alignments: [.left, .left] + Array(repeating: .right, count: 12))
            func mebibytes(_ bytes: Int) -> String { NumberFormat.scaled(bytes, 1 << 20, decimals: 1) }
            table.append([
                spec.name, inputText, String(threads), String(runs), ms(result.median()), ms(result.minimum),
                ms(result.median(\.forward)), ms(result.median(\.backward)), ms(result.median(\.optimizer)),
                String(format: "%.1f", result.gflops), Self.percent(result.gflops / peak), mebibytes(memory - result.savedBytes),
                mebibytes(result.savedBytes),
                result.peakResidentBytes.map(mebibytes) ?? "-",
            ])
            console.out(
                table.text()
                    + "One float32 training step per run after one untimed warm-up: forward, mean cross-entropy, backward, "
                    + "\(choice.optimizer.rawValue) update; \(setup.attention.rawValue) attention"
                    + (setup.checkpoint == .blocks ? ", blocks checkpointed" : "") + "; random weights. "
                    + "GFLOP/s = 2 × (forward + backward + recomputed MACs) / median step; " + Self.peakNote(peak, threads: threads)
                    + ". State = parameters, gradients "
                    + "and optimizer state; saved = the tensors kept from forward to backward.\n")
            if profile {
                var ops = TextTable(
                    headers: ["op", "forward ms", "backward ms", "share"], alignments: [.left, .right, .right, .right])
                let seconds = result.forwardSecondsByOp.merging(result.backwardSecondsByOp, uniquingKeysWith: +)
                let total = seconds.values.reduce(0, +)
                for (op, both) in seconds.sorted(by: { $0.value > $1.value }) {
                    ops.append([
                        op, ms(result.forwardSecondsByOp[op] ?? 0), ms(result.backwardSecondsByOp[op] ?? 0),
                        String(format: "%.1f%%", 100 * both / max(total, 1e-12)),
                    ])
                }
                console.out("\n" + ops.text() + "A fused attention group's backward is at its context node.\n")
            }
        }
        return .success
    }

    /// Why a training step of `analysis` would not fit in this machine's memory: the forward's
    /// largest live set, plus parameters, gradients, optimizer state and the kept tensors.
    static func memoryProblem(
        _ analysis: Analysis, setup: TrainingSetup, optimizer: OptimizerKind, args: ParsedArguments
    ) -> String? {
        guard !args.flags.contains(ModelOptions.noMemoryCheckOption.name) else { return nil }
        let estimate: MemoryEstimate
        do { estimate = try MemoryEstimate(graph: analysis.graph) } catch { return "\(error)" }
        var cpu = setup
        cpu.device = .cpu
        cpu.precision = .fp32
        let training = TrainingAnalysis(analysis.graph, setup: cpu)
        guard let saved = training.savedBytes.constant else { return "the kept tensors' bytes overflow" }
        let trainable = analysis.summary.totals.trainableParams
        let (state, o1) = trainable.multipliedReportingOverflow(by: 4 + optimizer.stateBytesPerParameter)
        let (total, o2) = estimate.totalBytes.addingReportingOverflow(saved)
        let (needed, o3) = total.addingReportingOverflow(state)
        let available = MemoryEstimate.availableBytes()
        guard o1 || o2 || o3 || needed > available else { return nil }
        return "at batch \(analysis.batch) and \(analysis.spec.imageSize.height)×\(analysis.spec.imageSize.width) the training step needs "
            + (o1 || o2 || o3 ? "more bytes than a 64-bit integer holds" : MemoryEstimate.describe(needed))
            + " (forward \(MemoryEstimate.grouped(estimate.totalBytes)), kept for backward \(MemoryEstimate.grouped(saved)), "
            + "gradients and optimizer state \(MemoryEstimate.grouped(state))); \(MemoryEstimate.describe(available)) available; "
            + "use a smaller batch or image size, --checkpoint blocks, or --no-memory-check to run anyway"
    }
}
