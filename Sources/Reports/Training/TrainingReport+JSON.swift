import ArchGraph
import Architectures
import JSONOutput

extension TrainingReport {
    static func countsObject(_ c: TrainingWork.Counts) -> [(String, JSONText)] {
        [
            ("forward_macs", .int(c.forward)), ("backward_macs", .int(c.backward)),
            ("backward_input_gradient_macs", .int(c.backwardInput)), ("backward_weight_gradient_macs", .int(c.backwardWeight)),
            ("recompute_macs", .int(c.recompute)), ("macs", .int(c.total)), ("flops", .int(c.flops)),
        ]
    }

    static func verdictObject(_ v: Verdict) -> JSONText {
        .object([
            ("name", .string(v.target.name)), ("gpu", v.target.gpu.map { .string($0.id) } ?? .null),
            ("memory_bytes", .int(v.target.memoryBytes)), ("available_bytes", AnalysisReport.optional(v.available)),
            ("fits", .bool(v.fits)), ("margin_bytes", AnalysisReport.optional(v.margin)),
        ])
    }

    static func setupObject(_ e: TrainingEstimate) -> JSONText {
        let s = e.model.setup
        return .object([
            ("precision", .string(s.precision.rawValue)), ("attention", .string(s.attention.rawValue)),
            ("autocast", .string(s.device.rawValue)), ("optimizer", .string(e.optimizer.rawValue)),
            ("checkpoint", .string(s.checkpoint.rawValue)), ("dropout", .bool(s.dropout)),
        ])
    }

    static func memoryObject(_ e: TrainingEstimate) -> JSONText {
        let m = e.memory, peak = e.memory.peak
        let node = e.model.graph.nodes.indices.contains(peak.step) ? e.model.graph.nodes[peak.step].path : ""
        return .object([
            ("parameters_bytes", .int(m.parametersBytes)), ("gradients_bytes", .int(m.gradientsBytes)),
            ("optimizer_bytes", .int(m.optimizerBytes)), ("saved_activations_bytes", .int(m.savedActivationsBytes)),
            ("persistent_bytes", .int(m.persistentBytes)), ("peak_activations_bytes", .int(peak.bytes)),
            ("peak_bytes", .int(m.peakBytes)), ("peak_phase", .string(m.peakPhase.rawValue)), ("peak_node", .string(node)),
            (
                "peak_breakdown",
                .object([
                    ("saved_bytes", .int(peak.bytes(.saved))), ("outputs_bytes", .int(peak.bytes(.output))),
                    ("gradients_bytes", .int(peak.bytes(.gradient))), ("recomputed_bytes", .int(peak.bytes(.recomputed))),
                ])
            ),
            ("forward_peak_activations_bytes", .int(m.forward.bytes)), ("backward_peak_activations_bytes", .int(m.backward.bytes)),
            ("reserve_bytes", .int(e.reserve)),
        ])
    }

    static func runObject(_ e: TrainingEstimate, target: MemoryTarget?) -> [(String, JSONText)] {
        let run = e.run, precision = e.model.setup.precision
        let cost: [JSONText] = costGPUs(target).map { gpu in
            guard let peak = gpu.peak(precision) else {
                return .object([("gpu", .string(gpu.id)), ("peak_flops", .null), ("gpu_hours", .null), ("hours", .null)])
            }
            return .object([
                ("gpu", .string(gpu.id)), ("peak_flops", .double(peak)),
                ("gpu_hours", .double(run.gpuHours(flopsPerImage: e.work.perImage.flops, peak: peak))),
                ("hours", .double(run.hours(flopsPerImage: e.work.perImage.flops, peak: peak))),
            ])
        }
        return [
            (
                "run",
                .object([
                    ("epochs", .int(run.epochs)), ("images_per_epoch", .int(run.imagesPerEpoch)), ("images", .double(run.images)),
                    ("flops", .double(run.flops(perImage: e.work.perImage.flops))), ("gpus", .int(run.gpus)),
                    ("utilization", .double(run.utilization)), ("peak", .string(GPU.peakName(precision))),
                ])
            ),
            ("cost", .array(cost)),
        ]
    }

    static func stagesArray(_ e: TrainingEstimate) -> JSONText {
        .array(
            zip(e.analysis.summary.stages, e.stages).map { s, t in
                .object([
                    ("name", .string(s.name)), ("kind", .string(s.kind.rawValue)),
                    ("grid", s.grid.map { .array($0.map(JSONText.int)) } ?? .null),
                    ("spatial_tokens", AnalysisReport.optional(s.spatialTokens)), ("extra_tokens", .int(s.extraTokens)),
                    ("params", .int(s.cost.params)), ("forward_macs", .int(t.forwardMacs)),
                    ("backward_macs", .int(t.backwardInputMacs + t.backwardWeightMacs)),
                    ("backward_input_gradient_macs", .int(t.backwardInputMacs)),
                    ("backward_weight_gradient_macs", .int(t.backwardWeightMacs)), ("recompute_macs", .int(t.recomputeMacs)),
                    ("saved_activations_bytes", .int(t.savedBytes)),
                ])
            })
    }

    /// The `train --format json` object: `training` (MACs at the batch, and `per_image`),
    /// `memory` (bytes), `target` and `fits` (verdicts), `run` and `cost`, `stages`, and the
    /// assumptions.
    public static func json(_ e: TrainingEstimate, target: MemoryTarget?, maxBatch: JSONText? = nil) -> JSONText {
        let b = e.analysis.summary.binding
        var members: [(String, JSONText)] = [
            ("model", .string(e.analysis.spec.name)), ("family", .string(e.analysis.spec.family.rawValue)),
            ("reference", .string(e.analysis.spec.reference)),
            (
                "input",
                .object([
                    ("batch", .int(b.batch)), ("channels", .int(e.analysis.summary.inputChannels)), ("height", .int(b.height)),
                    ("width", .int(b.width)),
                ])
            ),
            ("setup", setupObject(e)),
            ("training", .object(countsObject(e.work.perBatch) + [("per_image", .object(countsObject(e.work.perImage)))])),
            ("memory", memoryObject(e)),
            ("target", target.map { verdictObject(e.verdict($0)) } ?? .null),
            ("fits", .array(GPU.all.map { verdictObject(e.verdict(MemoryTarget(gpu: $0))) })),
        ]
        if let maxBatch { members.append(("max_batch", maxBatch)) }
        members += runObject(e, target: target)
        members += [
            ("stages", stagesArray(e)), ("assumptions", .array(assumptions(e).map(JSONText.string))),
            ("conventions", .array(Conventions.all.map(JSONText.string))),
        ]
        return .object(members)
    }

    /// One row per stage and a totals row, exact integers:
    /// `stage,kind,grid,tokens,forward_macs,backward_input_gradient_macs,backward_weight_gradient_macs,recompute_macs,saved_activations_bytes`.
    public static func csv(_ e: TrainingEstimate) -> String {
        var lines = [
            "stage,kind,grid,tokens,forward_macs,backward_input_gradient_macs,backward_weight_gradient_macs,recompute_macs,saved_activations_bytes"
        ]
        for (s, t) in zip(e.analysis.summary.stages, e.stages) {
            let tokens = s.spatialTokens.map { String($0 + s.extraTokens) } ?? ""
            let grid = s.grid.map { $0.map(String.init).joined(separator: "x") } ?? ""
            lines.append(
                [
                    s.name, s.kind.rawValue, grid, tokens, String(t.forwardMacs), String(t.backwardInputMacs), String(t.backwardWeightMacs),
                    String(t.recomputeMacs), String(t.savedBytes),
                ].joined(separator: ","))
        }
        let w = e.work.perBatch
        lines.append(
            [
                "total", "", "", "", String(w.forward), String(w.backwardInput), String(w.backwardWeight), String(w.recompute),
                String(e.memory.savedActivationsBytes),
            ].joined(separator: ","))
        return lines.joined(separator: "\n") + "\n"
    }
}
