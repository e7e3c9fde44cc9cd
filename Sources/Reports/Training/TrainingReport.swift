import ArchGraph
import Architectures

/// `train` output: the step's work and memory stage by stage, the memory breakdown and its
/// verdict, the run's cost, and every assumption behind the figures.
public enum TrainingReport {
    /// Per stage at the batch: grid, tokens, forward, backward (input and weight gradients)
    /// and recomputed MACs, and the bytes kept for backward.
    public static func stageTable(_ e: TrainingEstimate) -> TextTable {
        var table = TextTable(
            headers: [
                "stage", "kind", "grid", "tokens", "forward MACs (G)", "backward MACs (G)", "input-grad MACs (G)",
                "weight-grad MACs (G)", "recompute MACs (G)", "saved activations (MiB)",
            ],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .right, .right])
        let g = NumberFormat.billions
        for (s, t) in zip(e.analysis.summary.stages, e.stages) {
            table.append([
                s.name, s.kind.rawValue, NumberFormat.grid(s.grid), AnalysisReport.tokens(s), g(t.forwardMacs),
                g(t.backwardInputMacs + t.backwardWeightMacs), g(t.backwardInputMacs), g(t.backwardWeightMacs), g(t.recomputeMacs),
                TrainingFormat.mib(t.savedBytes),
            ])
        }
        let w = e.work.perBatch
        table.append(
            [
                "total", "", "", "", g(w.forward), g(w.backward), g(w.backwardInput), g(w.backwardWeight), g(w.recompute),
                TrainingFormat.mib(e.memory.savedActivationsBytes),
            ], ruleBefore: true)
        return table
    }

    /// The memory breakdown per GPU, with the peak and where it is.
    public static func memoryTable(_ e: TrainingEstimate) -> TextTable {
        let m = e.memory
        var table = TextTable(headers: ["memory per GPU", "bytes", "GiB", "what"], alignments: [.left, .right, .right, .left])
        func row(_ name: String, _ bytes: Int, _ what: String, rule: Bool = false) {
            table.append([name, NumberFormat.grouped(bytes), TrainingFormat.gib(bytes), what], ruleBefore: rule)
        }
        let p = NumberFormat.grouped
        row("parameters", m.parametersBytes, "\(p(m.parameters)) params × 4 B: float32 master weights, frozen ones included")
        row("gradients", m.gradientsBytes, "\(p(m.trainableParameters)) trainable × 4 B: float32, allocated for the whole step")
        row("optimizer state", m.optimizerBytes, e.optimizer.stateDescription)
        row("saved activations", m.savedActivationsBytes, "distinct storages autograd keeps from forward to backward")
        let peak = m.peak
        var parts = ["kept storages alive \(TrainingFormat.gib(peak.bytes(.saved))) GiB"]
        if m.peakPhase == .forward {
            parts.append("other live outputs \(TrainingFormat.gib(peak.bytes(.output))) GiB")
        } else {
            parts.append("activation gradients \(TrainingFormat.gib(peak.bytes(.gradient))) GiB")
            if e.model.setup.checkpoint == .blocks {
                parts.append("recomputed block storages \(TrainingFormat.gib(peak.bytes(.recomputed))) GiB")
            }
        }
        row("peak activations", peak.bytes, "at \(TrainingFormat.peakPlace(e)): " + parts.joined(separator: " + "))
        row("peak", m.peakBytes, "parameters + gradients + optimizer state + peak activations", rule: true)
        return table
    }

    /// Training MACs per image and at the batch.
    public static func workTable(_ e: TrainingEstimate) -> TextTable {
        var table = TextTable(
            headers: ["training work", "per image", "at batch \(e.batch)", "G per image"], alignments: [.left, .right, .right, .right])
        let (one, all) = (e.work.perImage, e.work.perBatch)
        func row(_ name: String, _ a: Int, _ b: Int, rule: Bool = false) {
            table.append([name, NumberFormat.grouped(a), NumberFormat.grouped(b), NumberFormat.billions(a)], ruleBefore: rule)
        }
        row("forward MACs", one.forward, all.forward)
        row("backward MACs, input gradients", one.backwardInput, all.backwardInput)
        row("backward MACs, weight gradients", one.backwardWeight, all.backwardWeight)
        row("recompute MACs (fused q·kᵀ, checkpoints)", one.recompute, all.recompute)
        row("training MACs", one.total, all.total, rule: true)
        row("training FLOPs (2 × MACs)", one.flops, all.flops)
        return table
    }

    /// The GPUs a report's run cost is shown for: the chosen GPU, or every GPU of the table.
    static func costGPUs(_ target: MemoryTarget?) -> [GPU] { target?.gpu.map { [$0] } ?? GPU.all }

    /// Run cost per GPU: the peak used, GPU-hours, wall-clock hours and whether the step fits.
    public static func costTable(_ e: TrainingEstimate, target: MemoryTarget?) -> TextTable {
        let precision = e.model.setup.precision
        let run = e.run
        var table = TextTable(
            headers: [
                "GPU", "memory (GiB)", "peak TFLOPS (\(precision.rawValue))", "GPU-hours",
                "hours on \(run.gpus) GPU\(run.gpus == 1 ? "" : "s")",
                "batch \(e.batch) per GPU",
            ],
            alignments: [.left, .right, .right, .right, .right, .left])
        for gpu in costGPUs(target) {
            let memory = TrainingFormat.verdict(e.verdict(MemoryTarget(gpu: gpu)))
            guard let peak = gpu.peak(precision) else {
                table.append([gpu.name, TrainingFormat.gib(gpu.memoryBytes), "none", "-", "-", memory])
                continue
            }
            table.append([
                gpu.name, TrainingFormat.gib(gpu.memoryBytes), NumberFormat.published(peak / 1e12),
                TrainingFormat.hours(run.gpuHours(flopsPerImage: e.work.perImage.flops, peak: peak)),
                TrainingFormat.hours(run.hours(flopsPerImage: e.work.perImage.flops, peak: peak)), memory,
            ])
        }
        return table
    }

    /// The verdict lines: the chosen target's, or the table's largest GPU's when none fits.
    static func verdictLines(_ e: TrainingEstimate, target: MemoryTarget?) -> [String] {
        if let target {
            let v = e.verdict(target)
            return [
                "\(target.name): \(NumberFormat.bytes(target.memoryBytes)) − \(TrainingFormat.size(e.reserve)) reserve = "
                    + "\(NumberFormat.bytes(v.available ?? 0)) available for a peak of \(NumberFormat.bytes(e.memory.peakBytes)): "
                    + TrainingFormat.verdict(v)
            ]
        }
        if let short = shortfall(e) { return [short] }
        let fitting = GPU.all.filter { e.verdict(MemoryTarget(gpu: $0)).fits }.map(\.name)
        return ["a peak of \(NumberFormat.bytes(e.memory.peakBytes)) per GPU fits on " + fitting.joined(separator: ", ")]
    }

    /// When the step fits no GPU of the table: by how much it misses the largest.
    public static func shortfall(_ e: TrainingEstimate) -> String? {
        guard !GPU.all.contains(where: { e.verdict(MemoryTarget(gpu: $0)).fits }) else { return nil }
        let largest = GPU.largest
        let v = e.verdict(MemoryTarget(gpu: largest))
        let missing = v.margin.map { NumberFormat.bytes(-$0) } ?? "all of it"
        return "batch \(e.batch) fits no GPU of the table: its peak of \(NumberFormat.bytes(e.memory.peakBytes)) misses the largest, "
            + "the \(largest.name) (\(NumberFormat.bytes(largest.memoryBytes)) − \(TrainingFormat.size(e.reserve)) reserve), by \(missing)"
    }

    /// The run: images, FLOPs, and the peak and utilisation the hours assume.
    static func runLines(_ e: TrainingEstimate) -> [String] {
        let run = e.run
        return [
            "run: \(NumberFormat.grouped(run.epochs)) epoch\(run.epochs == 1 ? "" : "s") × \(NumberFormat.grouped(run.imagesPerEpoch)) images "
                + "= \(TrainingFormat.scientific(run.images)) images × \(NumberFormat.grouped(e.work.perImage.flops)) FLOPs "
                + "= \(TrainingFormat.scientific(run.flops(perImage: e.work.perImage.flops))) training FLOPs",
            "time: GPU-hours = FLOPs / (peak × \(NumberFormat.published(run.utilization)) utilisation) / 3600, the peak from "
                + "NVIDIA's datasheets for " + GPU.peakName(e.model.setup.precision) + "; hours = GPU-hours / \(run.gpus) "
                + "GPU\(run.gpus == 1 ? "" : "s") (data parallel, perfect scaling)",
        ]
    }

    /// Every assumption behind the figures, one per line.
    public static func assumptions(_ e: TrainingEstimate) -> [String] {
        assumptions(setup: e.model.setup, optimizer: e.optimizer, reserve: e.reserve) + e.analysis.spec.notes.map { "note: " + $0 }
    }

    /// Every assumption behind the figures of a step set up as `setup`, one per line.
    /// - Parameter attention: how attention runs, in words, when not `setup`'s alone.
    public static func assumptions(setup: TrainingSetup, optimizer: OptimizerKind, reserve: Int, attention: String? = nil) -> [String] {
        var lines = [
            "parameters are float32 master weights (4 B each); "
                + (setup.precision == .fp32
                    ? "the step runs in float32"
                    : "autocast's \(setup.precision.rawValue) copies of the weights and activations are saved activations"),
            "gradients: float32, one per trainable parameter, allocated for the whole step; optimizer state: "
                + optimizer.stateDescription,
            "saved activations: the distinct storages autograd keeps from forward to backward, as the reference implementation "
                + "runs (\(attention ?? TrainingFormat.attention(setup.attention))); a view adds nothing; parameters and the input batch excluded",
            "peak activations: the most bytes alive at once — in the forward the storages kept so far and the outputs still to "
                + "be read; in the backward the kept storages not yet freed (each freed after the backward of the earliest node "
                + "keeping it) and the activation gradients, each in its output's type, alive from the backward of its last reader "
                + "until its node's backward has finished",
            "not counted: the CUDA context and cuBLAS/cuDNN workspaces (the \(TrainingFormat.size(reserve)) reserve, --reserve, "
                + "stands for them and for what CUDA does not make available), allocator caching and fragmentation, temporaries "
                + "inside an op, the input batch and labels, the optimizer step's temporaries",
            "dropout and stochastic depth: the reference's own fixed dropouts (T2T-ViT's Token_performer) keep their masks; "
                + "other rates (timm's Swin defaults to drop_path_rate=0.1; a timm call may give drop_rate, proj_drop_rate, "
                + "attn_drop_rate, drop_path_rate, …) are not modelled, so the figures are those of the rates at 0, without "
                + "their masks and scales",
            "several GPUs (--gpus) are data-parallel replicas, each holding everything above; DDP's gradient buckets are not counted",
            "training FLOPs = 2 × (forward + backward + recompute MACs); MACs are proportional to the batch; elementwise "
                + "work (norms, softmax, activations, the optimizer step) takes no time of its own beyond what the utilisation allows",
        ]
        if setup.checkpoint == .blocks {
            lines.insert(
                "checkpointing: each block keeps only its input; while its backward runs, what its nodes keep without "
                    + "checkpointing is alive again, each storage until the backward of the earliest node keeping it", at: 4)
        }
        return lines
    }

    /// The step's setup in words, for a model at `width`×`height` pixels.
    public static func setupLine(_ setup: TrainingSetup, optimizer: OptimizerKind, height: Int, width: Int) -> String {
        "training step at \(height)×\(width) pixels: " + TrainingFormat.setup(setup, optimizer: optimizer)
    }

    static func header(_ e: TrainingEstimate) -> [String] {
        let spec = e.analysis.spec
        return ["\(spec.name) — \(spec.reference.isEmpty ? spec.family.rawValue : spec.reference)", TrainingFormat.setupLine(e)]
    }

    /// The terminal rendering; `target` is the GPU or memory chosen, if any.
    public static func text(_ e: TrainingEstimate, target: MemoryTarget?) -> String {
        var out = header(e).joined(separator: "\n") + "\n\n"
        out += stageTable(e).text() + "\n" + memoryTable(e).text()
        out += verdictLines(e, target: target).joined(separator: "\n") + "\n\n"
        out += workTable(e).text() + "\n" + runLines(e).joined(separator: "\n") + "\n\n" + costTable(e, target: target).text()
        out += "\nassumptions:\n" + assumptions(e).map { "- " + $0 }.joined(separator: "\n") + "\n"
        out += "\n" + Conventions.units + ", GiB = 2³⁰ bytes, MiB = 2²⁰ bytes; " + Conventions.macs + "\n"
        return out
    }

    /// The markdown rendering.
    public static func markdown(_ e: TrainingEstimate, target: MemoryTarget?) -> String {
        var out = "## \(e.analysis.spec.name): training\n\n" + header(e).dropFirst().map { $0 + "  \n" }.joined() + "\n"
        out += stageTable(e).markdown() + "\n" + memoryTable(e).markdown() + "\n"
        out += verdictLines(e, target: target).map { $0 + "  \n" }.joined() + "\n"
        out += workTable(e).markdown() + "\n" + runLines(e).map { $0 + "  \n" }.joined() + "\n" + costTable(e, target: target).markdown()
        out += "\nAssumptions:\n\n" + assumptions(e).map { "- " + $0 }.joined(separator: "\n") + "\n"
        out += "\n- " + Conventions.units + ", GiB = 2³⁰ bytes, MiB = 2²⁰ bytes\n- " + Conventions.macs + "\n"
        return out
    }
}
