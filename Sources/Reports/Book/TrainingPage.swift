import ArchGraph
import Architectures
import SizeAlgebra

/// One model's training step at one size, as the training page shows it: per image (batch 1)
/// in float32 with its family's attention, and in bf16 mixed precision.
struct TrainingPageModel: Sendable {
    let facts: ModelFacts
    let fp32: TrainingEstimate
    /// Saved activations in bf16 mixed precision: per image, and per step whatever the batch
    /// (autocast's low-precision copies of the weights); `nil` if not of that form.
    let bf16Saved: (perImage: Int, perStep: Int)?
    /// The largest batch per GPU on ``TrainingPage/batchGPU`` in bf16 with AdamW.
    let maxBatch: MaxBatch
}

/// One model's saved activations per image at each side of the resolution study.
struct SavedSeries: Sendable {
    let facts: ModelFacts
    /// Per side of ``ReportBook/resolutionSides``: the bytes, or why the side was skipped.
    let saved: [Result<Int, SpecError>]
}

/// `reports/training.md` and its charts: what a training step keeps for backward, stage by stage
/// and against resolution, and what each model of the zoo needs to train.
enum TrainingPage {
    static let path = "training.md"
    /// The GPU of the zoo table's largest-batch column, and its reserve.
    static let batchGPU = GPU.named("a100-80gb")!
    static let reserve = 1 << 30

    /// The step's setup on the page: CUDA autocast lists, AdamW, no checkpointing.
    static func setup(_ family: Family, _ precision: Precision) -> TrainingSetup {
        TrainingSetup(attention: family.trainingAttention, precision: precision, device: .cuda)
    }

    static func estimate(_ spec: ModelSpec, size: ImageSize? = nil, precision: Precision) throws(SpecError) -> TrainingEstimate {
        try TrainingEstimate(
            spec: spec, overrides: Overrides(imageSize: size), setup: setup(spec.family, precision), optimizer: .adamw,
            reserve: reserve)
    }

    static func files(_ all: [ModelFacts], study: [ModelFacts], resolution: [ModelFacts]) throws(SpecError) -> [ReportFile] {
        let results = Parallel.map(all) { f -> Result<TrainingPageModel, SpecError> in
            Result { () throws(SpecError) in
                let spec = f.analysis.spec
                let graph = try TrainingModel.graph(spec)
                let fp32 = try TrainingEstimate(
                    analysis: f.analysis, model: TrainingModel(spec: spec, graph: graph, setup: setup(spec.family, .fp32)),
                    optimizer: .adamw, reserve: reserve)
                let bf16 = TrainingModel(spec: spec, graph: graph, setup: setup(spec.family, .bf16))
                let capacity = MemoryTarget(gpu: batchGPU).available(reserve: reserve) ?? 0
                // Saved bytes are a fixed part plus a part per image: read both off batches 1 and 2, check at 3.
                let saved = try [1, 2, 3].map { batch throws(SpecError) in
                    try bf16.memory(batch: batch, optimizer: .adamw).savedActivationsBytes
                }
                let perImage = saved[1] - saved[0]
                let linear = saved[2] == saved[0] + 2 * perImage
                return TrainingPageModel(
                    facts: f, fp32: fp32, bf16Saved: linear ? (perImage, saved[0] - perImage) : nil,
                    maxBatch: bf16.maxBatch(optimizer: .adamw, capacity: capacity))
            }
        }
        var zoo: [TrainingPageModel] = []
        for result in results {
            switch result {
            case .success(let t): zoo.append(t)
            case .failure(let error): throw error
            }
        }
        let byName = Dictionary(zoo.map { ($0.facts.name, $0) }, uniquingKeysWith: { a, _ in a })
        let series = Parallel.map(resolution) { f in SavedSeries(facts: f, saved: savedPerImage(f, sides: ReportBook.resolutionSides)) }
        let studied = study.compactMap { byName[$0.name] }
        var files = TrainingCharts.files(studied, series: series, study: study)
        files.append(ReportFile(path: path, contents: markdown(zoo, studied: studied, series: series)))
        return files
    }

    /// Saved bytes per image, float32, at each square side: from one analysis of the model's
    /// graph in B, H and W, evaluated where its size constraints hold (what building it at each
    /// size gives, as the symbolic tests check), or built at each side when the graph's
    /// structure is chosen for its size (Swin's windows).
    static func savedPerImage(_ f: ModelFacts, sides: [Int]) -> [Result<Int, SpecError>] {
        let spec = f.source.spec
        let setup = setup(spec.family, .fp32)
        guard let graph = try? spec.symbolicGraph(), !graph.constraints.contains(where: { $0.relation == .atLeast }) else {
            return sides.map { side in
                Result { () throws(SpecError) in try estimate(spec, size: ImageSize(side), precision: .fp32).memory.savedActivationsBytes }
            }
        }
        let saved = TrainingAnalysis(graph, setup: setup).savedBytes
        return sides.map { side in
            let binding = Binding(batch: 1, height: side, width: side)
            do throws(SummaryError) {
                try graph.check(at: binding)
            } catch {
                return .failure(SpecError([Problem(field: error.path, message: error.message)]))
            }
            guard let bytes = try? saved.evaluate(binding) else {
                return .failure(SpecError([Problem(field: "image_size", message: "saved bytes at \(side)×\(side) do not fit in 64 bits")]))
            }
            return .success(bytes)
        }
    }

    static func markdown(
        _ zoo: [TrainingPageModel], studied: [TrainingPageModel], series: [SavedSeries]
    ) -> String {
        var out = Markdown.generatedNotice + "\n# Training: what a step keeps, and what it needs\n\n"
        out += """
            What one training step of each model keeps from its forward for its backward (*saved activations*: the \
            distinct storages PyTorch's autograd holds, as the reference implementation runs — timm's models with \
            `F.scaled_dot_product_attention`, the authors' T2T-ViT and CvT with the attention matrix computed and kept), \
            the MACs of its backward, and the memory of the whole step on a GPU. Figures are per image (batch 1) at each \
            model's own input size, in float32 unless a column says bf16 (`torch.autocast`, CUDA's op lists), with AdamW. \
            `vitscope train MODEL` gives the same figures for any batch, precision, attention and checkpointing, with \
            every assumption; `vitscope sweep MODEL --train` and `vitscope compare --train` set them against image size \
            and against other models.


            """
        for chart in TrainingCharts.all { out += "![\(chart.alt)](\(chart.file))\n\n" }
        out += "## By stage\n\n" + stageSection(studied)
        out += "## Against resolution\n\n" + resolutionSection(series)
        out += "## The zoo\n\n" + zooSection(zoo)
        out += "## Assumptions\n\n"
        let assumptions = TrainingReport.assumptions(
            setup: TrainingSetup(), optimizer: .adamw, reserve: reserve,
            attention: "timm's models with fused attention, the authors' T2T-ViT and CvT and vit-pytorch with eager attention")
        out += assumptions.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
        out += "## Conventions\n\n" + Markdown.conventions + "- MiB = 2²⁰ bytes, GiB = 2³⁰ bytes\n"
        return out
    }

    static func stageSection(_ studied: [TrainingPageModel]) -> String {
        let out =
            "Saved activations per image by stage at 224×224, float32. A transformer stage keeps a few tensors of its "
            + "tokens' width per block (the norms' inputs, the projections' inputs, the MLP's hidden activations, and with "
            + "fused attention q, k, v and the output), so what a stage keeps grows with its tokens × width × depth; "
            + "pooling and patch merging shrink the first factor as they raise the second.\n\n"
        var table = TextTable(
            headers: ["model", "stage", "grid", "tokens", "channels", "depth", "saved per image (MiB)", "share", "backward MACs (G)"],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .right])
        for t in studied {
            let e = t.fp32
            for (s, stage) in zip(e.analysis.summary.stages, e.stages) {
                table.append([
                    Markdown.shortName(t.facts.name), s.name, NumberFormat.grid(s.grid), AnalysisReport.tokens(s),
                    s.channels.map(String.init) ?? "-", s.depth.map(String.init) ?? "-", TrainingFormat.mib(stage.savedBytes),
                    NumberFormat.percent(stage.savedBytes, of: e.memory.savedActivationsBytes),
                    NumberFormat.billions(stage.backwardInputMacs + stage.backwardWeightMacs),
                ])
            }
        }
        return out + table.markdown() + "\n"
    }

    static func resolutionSection(_ series: [SavedSeries]) -> String {
        let out =
            "Saved activations per image, float32, against the side of a square input. Each model is built for the size it "
            + "is given, as for the resolution page. Where attention keeps the matrix (T2T-ViT's and CvT's eager attention) "
            + "the bytes grow with the square of the token count; with fused attention they grow linearly with it.\n\n"
        var table = TextTable(
            headers: ["input"] + series.map { Markdown.shortName($0.facts.name) + " (MiB)" },
            alignments: [.left] + series.map { _ in .right })
        var notes: [String] = []
        for (row, side) in ReportBook.resolutionSides.enumerated() {
            table.append(
                ["\(side)×\(side)"]
                    + series.map { s in
                        switch s.saved[row] {
                        case .success(let bytes): return TrainingFormat.mib(bytes)
                        case .failure(let error):
                            notes.append("\(Markdown.shortName(s.facts.name)) at \(side)×\(side): " + SweepReport.reason(error))
                            return "skipped (\(notes.count))"
                        }
                    })
        }
        return out + table.markdown() + notes.enumerated().map { "\n(\($0.offset + 1)) \($0.element)\n" }.joined() + "\n"
    }

    static func zooSection(_ zoo: [TrainingPageModel]) -> String {
        let gpu = batchGPU
        let out =
            "Every model at its own size, per image: training MACs (forward + backward, input- and weight-gradient products), "
            + "the backward's MACs over the forward's, saved activations in float32 and in bf16 mixed precision — there a part "
            + "per image and the low-precision copies of the weights that autocast keeps once per step, whatever the batch — and the "
            + "largest batch per GPU whose step fits an \(gpu.name) (\(TrainingFormat.gib(gpu.memoryBytes)) GiB less a "
            + "\(TrainingFormat.size(reserve)) reserve) in bf16 with AdamW.\n\n"
        var table = TextTable(
            headers: [
                "model", "input", "attention", "params (M)", "forward MACs (G)", "backward MACs (G)", "backward / forward",
                "saved fp32 per image (MiB)", "saved bf16 per image (MiB)", "bf16 weight copies per step (MiB)",
                "largest batch, \(gpu.name), bf16",
            ],
            alignments: [.left, .left, .left, .right, .right, .right, .right, .right, .right, .right, .right])
        for t in zoo {
            let w = t.fp32.work.perImage
            table.append([
                Markdown.modelLink(t.facts.name), Markdown.input(t.facts.analysis),
                t.facts.analysis.summary.totals.attentionMacs > 0 ? t.fp32.model.setup.attention.rawValue : "none",
                NumberFormat.millions(t.facts.analysis.summary.totals.params), NumberFormat.billions(w.forward),
                NumberFormat.billions(w.backward), NumberFormat.ratio(w.backward, w.forward),
                TrainingFormat.mib(t.fp32.memory.savedActivationsBytes), t.bf16Saved.map { TrainingFormat.mib($0.perImage) } ?? "-",
                t.bf16Saved.map { TrainingFormat.mib($0.perStep) } ?? "-",
                t.maxBatch.batch.map(NumberFormat.grouped) ?? "none",
            ])
        }
        return out + table.markdown() + "\n"
    }
}
