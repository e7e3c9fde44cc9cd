import ArchGraph
import Architectures
import CPUBackend
import Foundation
import JSONOutput
import Reports

/// `vitscope bench MODEL`: times forward passes of a model on the CPU backend;
/// `vitscope bench --gemm N`: times the backend's matrix product.
enum BenchCommand: Command {
    static let name = "bench"
    static let abstract =
        "Time the CPU backend: a model's forward pass or training step (median time, GFLOP/s, memory), or the float32 matrix product."
    static let forms = [
        UsageForm(
            operands: ModelOptions.operands,
            optional: [
                "batch", "image-size", "num-classes", "profile", "train", "attention", "optimizer", "checkpoint", "threads", "runs",
                "no-memory-check", "format",
            ]),
        UsageForm(operands: [.option("gemm")], optional: ["packed", "threads", "runs", "format"]),
        UsageForm(operands: [.option("peak")], optional: ["threads", "format"]),
    ]
    static let options =
        ModelOptions.callOptions + [
            ModelOptions.batchOption, ModelOptions.imageSizeOption, ModelOptions.numClassesOption,
            OptionSpec(name: "gemm", value: "N|MxKxN", help: "time C = A·B with A (M, K) and B (K, N); N alone is a square N³ product"),
            OptionSpec(
                name: "peak", value: nil,
                help: "measure the float32 FMA peak: independent 16-lane multiply-add chains on every thread"),
            OptionSpec(
                name: "profile", value: nil,
                help: "with MODEL: also show the median time spent in each kind of op (forward and backward with --train)"),
            OptionSpec(
                name: "train", value: nil,
                help: "with MODEL: time training steps (forward, cross-entropy, backward, optimizer update) instead of forward passes"),
            TrainingOptions.attentionOption, TrainingOptions.optimizerOption, TrainingOptions.checkpointOption,
            ModelOptions.noMemoryCheckOption,
            OptionSpec(
                name: "packed", value: nil, help: "pack B once before timing, as a linear layer's weight is (default: pack every run)"),
            ModelOptions.threadsOption(help: "most threads per product (default: all \(Parallel.processorCount) processors)"),
            OptionSpec(name: "runs", value: "N", help: "timed runs after one warm-up run (default 5)", range: 1...10_000),
            ModelOptions.format([.table, .json]),
        ]
    static let discussion = """
        Reports the median and fastest run after one untimed warm-up; GFLOP/s = 2 × MACs / median seconds
        (2·M·N·K for --gemm). For a model, memory is the bytes of its parameters, the largest set of
        activations alive at once, and the growth of the process's peak resident memory over the runs.
        With --train, each run is one float32 training step as a PyTorch loop runs it: the forward in
        training mode, the mean cross-entropy against fixed labels, the backward, and the optimizer's
        update (AdamW unless --optimizer says otherwise); GFLOP/s counts the forward, backward and
        recomputed MACs the kernels ran. Memory adds the gradients, the optimizer state and the
        tensors kept from forward to backward.
        example: vitscope bench vit_small_patch16_224 --batch 8 --threads 2 --runs 7
        example: vitscope bench pit_s_224 --train --batch 8 --threads 2
        --peak measures the float32 multiply-add peak as the kernels are compiled (independent FMA
        chains on every thread, the best of 3 rounds); --gemm and MODEL measure it too, after their runs,
        and print their GFLOP/s as a fraction of it.
        example: vitscope bench --gemm 2048 --threads 2 --runs 7
        example: vitscope bench --peak --threads 2
        example: vitscope bench --gemm 197x384x1152 --packed --threads 1
        """
    /// The most floats A, B and C may hold together: three 8192² matrices, 768 MiB.
    static let maxFloats = 3 * 8192 * 8192

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let threads = try args.integer("threads") ?? Parallel.processorCount
        let runs = try args.integer("runs") ?? 5
        let format = try ModelOptions.outputFormat(args, [.table, .json])
        if args.flags.contains("peak") {
            guard args.positional.isEmpty, args.values["gemm"] == nil else {
                throw UsageError(message: "bench takes MODEL, --gemm or --peak, one of them")
            }
            return benchPeak(threads: threads, format: format, console: console)
        }
        if let text = args.values["gemm"] {
            guard args.positional.isEmpty else { throw UsageError(message: "bench takes MODEL or --gemm, not both") }
            let shape = try gemmShape(text)
            return benchGEMM(shape, packed: args.flags.contains("packed"), threads: threads, runs: runs, format: format, console: console)
        }
        let models = ModelOptions.models(args)
        guard models.count == 1 else { throw UsageError(message: "bench takes one MODEL or --gemm N") }
        let train = args.flags.contains("train")
        if !train, let option = ["attention", "optimizer", "checkpoint"].first(where: { args.values[$0] != nil }) {
            throw UsageError(message: "--\(option) applies to --train")
        }
        guard let analysis = ModelOptions.analyze(models[0], try ModelOptions.overrides(args), console: console) else {
            return .failure
        }
        if train {
            let choice = try TrainingOptions.choice(args)
            return try benchTraining(
                analysis, choice: choice, threads: threads, runs: runs, format: format, profile: args.flags.contains("profile"),
                args: args, console: console)
        }
        if let problem = ModelOptions.memoryProblem(analysis, args) {
            console.err("error: \(models[0]): \(problem)\n")
            return .failure
        }
        return try benchModel(
            analysis, threads: threads, runs: runs, format: format, profile: args.flags.contains("profile"),
            console: console)
    }

    static func benchModel(
        _ analysis: Analysis, threads: Int, runs: Int, format: OutputFormat, profile: Bool,
        console: Console
    ) throws -> ExitCode {
        let spec = analysis.spec
        let input = Tensor.random([analysis.batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width], seed: 1)
        console.progress("timing \(spec.name): 1 warm-up and \(runs) runs")
        let result = try ForwardBenchmark.measure(graph: analysis.graph, input: input, runs: runs, threads: threads) {
            () throws(BackendError) -> Weights in try Weights.random(for: analysis.graph, seed: 0)
        }
        console.progress("measuring the FMA peak")
        let peak = FMAPeak.measure(threads: threads)
        console.progress("")
        let memory = result.parameterBytes + result.peakActivationBytes
        switch format {
        case .json:
            var members: [(String, JSONText)] = [
                ("model", .string(spec.name)), ("batch", .int(analysis.batch)),
                ("input", .array([analysis.batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width].map(JSONText.int))),
                ("threads", .int(threads)), ("runs", .int(runs)), ("median_seconds", .double(result.median)),
                ("min_seconds", .double(result.minimum)), ("macs", .int(result.macs)), ("gflops", .double(result.gflops)),
                ("peak_gflops", .double(peak)), ("fraction_of_peak", .double(result.gflops / peak)),
                ("parameter_bytes", .int(result.parameterBytes)),
                ("peak_activation_bytes", .int(result.peakActivationBytes)),
            ]
            if let resident = result.peakResidentBytes {
                members.append(("peak_resident_growth_bytes", .int(resident)))
                members.append(("memory_ratio", .double(Double(resident) / Double(max(memory, 1)))))
            }
            console.out(JSONText.object(members).rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(
                headers: [
                    "model", "input", "threads", "runs", "median ms", "min ms", "GFLOP/s", "of peak",
                    "params MiB", "activations MiB", "peak RSS MiB", "memory ratio",
                ],
                alignments: [.left, .left] + Array(repeating: .right, count: 10))
            func mebibytes(_ bytes: Int) -> String { NumberFormat.scaled(bytes, 1 << 20, decimals: 1) }
            table.append([
                spec.name, "\(analysis.batch)×\(spec.inChannels)×\(spec.imageSize.height)×\(spec.imageSize.width)",
                String(threads), String(runs), String(format: "%.2f", result.median * 1000),
                String(format: "%.2f", result.minimum * 1000), String(format: "%.1f", result.gflops),
                Self.percent(result.gflops / peak), mebibytes(result.parameterBytes), mebibytes(result.peakActivationBytes),
                result.peakResidentBytes.map(mebibytes) ?? "-",
                result.peakResidentBytes.map { String(format: "%.2f", Double($0) / Double(max(memory, 1))) } ?? "-",
            ])
            console.out(
                table.text() + "GFLOP/s = 2 × MACs / median; float32, random weights; one untimed warm-up run; "
                    + Self.peakNote(peak, threads: threads) + ". "
                    + "Memory ratio = peak resident growth / (params + largest live activations); the linear weights are "
                    + "held once, packed for the GEMM.\n")
            if profile {
                var ops = TextTable(headers: ["op", "median ms", "share"], alignments: [.left, .right, .right])
                let total = result.secondsByOp.values.reduce(0, +)
                for (op, seconds) in result.secondsByOp.sorted(by: { $0.value > $1.value }) {
                    ops.append([op, String(format: "%.2f", seconds * 1000), String(format: "%.1f%%", 100 * seconds / max(total, 1e-12))])
                }
                console.out("\n" + ops.text())
            }
        }
        return .success
    }

    /// `N` → (N, N, N); `MxKxN` → (M, K, N): positive sides whose A, B and C fit in `maxFloats`.
    static func gemmShape(_ text: String) throws(UsageError) -> (m: Int, k: Int, n: Int) {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 1 || parts.count == 3, parts.allSatisfy({ $0 != nil }) else {
            throw UsageError(message: "--gemm expects N or MxKxN (e.g. 2048 or 197x384x1152), got '\(text)'")
        }
        let sides = parts.map { $0! }
        guard sides.allSatisfy({ (1...maxFloats).contains($0) }) else {
            throw UsageError(message: "--gemm sides must be positive, got '\(text)'")
        }
        let (m, k, n) = sides.count == 1 ? (sides[0], sides[0], sides[0]) : (sides[0], sides[1], sides[2])
        // Each side ≤ maxFloats < 2³¹, so the products cannot overflow.
        guard m * k + k * n + m * n <= maxFloats else {
            throw UsageError(message: "--gemm '\(text)' needs more than \(maxFloats) floats (768 MiB) for A, B and C")
        }
        return (m, k, n)
    }

    static func benchGEMM(
        _ shape: (m: Int, k: Int, n: Int), packed: Bool, threads: Int, runs: Int,
        format: OutputFormat, console: Console
    ) -> ExitCode {
        let result = GEMM.benchmark(m: shape.m, n: shape.n, k: shape.k, runs: runs, threads: threads, prepacked: packed)
        let peak = FMAPeak.measure(threads: threads)
        switch format {
        case .json:
            let object = JSONText.object([
                ("gemm", .object([("m", .int(shape.m)), ("k", .int(shape.k)), ("n", .int(shape.n))])),
                ("packed", .bool(packed)), ("threads", .int(threads)), ("runs", .int(runs)),
                ("median_seconds", .double(result.medianSeconds)), ("min_seconds", .double(result.minSeconds)),
                ("gflops", .double(result.gflops)), ("peak_gflops", .double(peak)),
                ("fraction_of_peak", .double(result.gflops / peak)),
            ])
            console.out(object.rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(
                headers: ["product", "B", "threads", "runs", "median ms", "min ms", "GFLOP/s", "of peak"],
                alignments: [.left, .left, .right, .right, .right, .right, .right, .right])
            let medianNanoseconds = max(1, Int((result.medianSeconds * 1e9).rounded()))
            let minNanoseconds = max(1, Int((result.minSeconds * 1e9).rounded()))
            table.append([
                "(\(shape.m), \(shape.k)) · (\(shape.k), \(shape.n))", packed ? "packed once" : "packed per run",
                String(threads), String(runs), NumberFormat.scaled(medianNanoseconds, 1_000_000, decimals: 3),
                NumberFormat.scaled(minNanoseconds, 1_000_000, decimals: 3),
                NumberFormat.scaled(2 * shape.m * shape.n * shape.k, medianNanoseconds, decimals: 1),
                Self.percent(result.gflops / peak),
            ])
            console.out(
                table.text() + "GFLOP/s = 2·M·N·K / median; float32; one untimed warm-up run; " + Self.peakNote(peak, threads: threads)
                    + ".\n")
        }
        return .success
    }

    /// `57.3%`.
    static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", 100 * fraction) }

    /// `of peak: of 230.4 GFLOP/s, the FMA peak measured on 2 threads after the runs (bench --peak)`.
    static func peakNote(_ peak: Double, threads: Int) -> String {
        String(format: "of peak: of %.1f GFLOP/s, ", peak)
            + "the FMA peak measured on \(threads) thread\(threads == 1 ? "" : "s") after the runs (bench --peak)"
    }

    static func benchPeak(threads: Int, format: OutputFormat, console: Console) -> ExitCode {
        console.progress("measuring the FMA peak on \(threads) thread\(threads == 1 ? "" : "s")")
        let peak = FMAPeak.measure(threads: threads)
        console.progress("")
        switch format {
        case .json:
            let object = JSONText.object([
                ("peak_gflops", .double(peak)), ("threads", .int(threads)), ("per_thread_gflops", .double(peak / Double(threads))),
                ("chains", .int(FMAPeak.chains)), ("lanes_per_chain", .int(16)),
            ])
            console.out(object.rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(headers: ["threads", "GFLOP/s", "per thread"], alignments: [.right, .right, .right])
            table.append([String(threads), String(format: "%.1f", peak), String(format: "%.1f", peak / Double(threads))])
            console.out(
                table.text() + "float32 fused multiply-adds, 2 FLOPs per lane: \(FMAPeak.chains) independent 16-lane chains "
                    + "per thread, each thread its own OS thread; the best of 3 rounds of about 0.2 s.\n")
        }
        return .success
    }
}
