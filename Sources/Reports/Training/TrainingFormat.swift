import ArchGraph
import Architectures
import Foundation

/// Formatting and wording shared by the training reports.
enum TrainingFormat {
    static let gibibyte = 1 << 30, mebibyte = 1 << 20

    /// `12.34` (GiB, two decimals).
    static func gib(_ bytes: Int) -> String { NumberFormat.scaled(bytes, gibibyte, decimals: 2) }
    /// `123.4` (MiB, one decimal).
    static func mib(_ bytes: Int) -> String { NumberFormat.scaled(bytes, mebibyte, decimals: 1) }

    /// A size as it reads best: `1 GiB`, `40 GiB`, `512 MiB`, `123,456 B`.
    static func size(_ bytes: Int) -> String {
        if bytes > 0, bytes % gibibyte == 0 { return "\(bytes / gibibyte) GiB" }
        if bytes > 0, bytes % mebibyte == 0 { return "\(bytes / mebibyte) MiB" }
        return NumberFormat.grouped(bytes) + " B"
    }

    /// `4.054 × 10¹⁹`: four significant digits and a power of ten.
    static func scientific(_ value: Double) -> String {
        guard value.isFinite, value > 0 else { return value == 0 ? "0" : "-" }
        var exponent = Int(log10(value).rounded(.down))
        var mantissa = value / pow(10, Double(exponent))
        if (mantissa * 1000).rounded() >= 10_000 {
            exponent += 1
            mantissa /= 10
        }
        let digits = String(format: "%.3f", mantissa)
        guard exponent != 0 else { return digits }
        let superscripts: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
        ]
        return digits + " × 10" + String(String(exponent).map { superscripts[$0] ?? $0 })
    }

    /// Hours with one decimal, `-` when not finite.
    static func hours(_ value: Double) -> String { value.isFinite ? String(format: "%.1f", value) : "-" }

    /// `fits, 12.34 GiB to spare` / `does not fit, 3.21 GiB short`.
    static func verdict(_ v: Verdict) -> String {
        guard let margin = v.margin else { return "does not fit: the reserve is at least the memory" }
        return margin >= 0 ? "fits, \(NumberFormat.bytes(margin)) to spare" : "does not fit, \(NumberFormat.bytes(-margin)) short"
    }

    /// `bf16 mixed precision (torch.autocast, CUDA op lists)`.
    static func precision(_ setup: TrainingSetup) -> String {
        switch setup.precision {
        case .fp32: "float32"
        case .bf16: "bf16 mixed precision (torch.autocast, \(setup.device == .cuda ? "CUDA" : "CPU") op lists)"
        case .fp16: "fp16 mixed precision (torch.autocast, \(setup.device == .cuda ? "CUDA" : "CPU") op lists)"
        }
    }

    static func attention(_ attention: AttentionImplementation) -> String {
        switch attention {
        case .fused: "fused attention (F.scaled_dot_product_attention)"
        case .eager: "eager attention (the attention matrix computed and kept)"
        }
    }

    static func checkpoint(_ mode: CheckpointMode) -> String {
        switch mode {
        case .none: "no activation checkpointing"
        case .blocks: "activation checkpointing per block"
        }
    }

    /// One line describing the step.
    static func setupLine(_ e: TrainingEstimate) -> String {
        let b = e.analysis.summary.binding
        let step = e.model.setup
        return "training step: batch \(b.batch) per GPU × \(e.analysis.summary.inputChannels) channels × \(b.height)×\(b.width) pixels; "
            + setup(step, optimizer: e.optimizer)
    }

    /// `bf16 mixed precision (…), fused attention (…), adamw, no activation checkpointing`.
    static func setup(_ setup: TrainingSetup, optimizer: OptimizerKind) -> String {
        [precision(setup), attention(setup.attention), optimizer.rawValue, checkpoint(setup.checkpoint)].joined(separator: ", ")
    }

    /// The node a peak is at, in words: `the backward of stage1/block11/attn/qkv`.
    static func peakPlace(_ e: TrainingEstimate) -> String {
        let peak = e.memory.peak
        let path = e.model.graph.nodes.indices.contains(peak.step) ? e.model.graph.nodes[peak.step].path : "-"
        return "the \(e.memory.peakPhase.rawValue) of \(path)"
    }
}
