import ArchGraph
import Architectures

/// The charts of the training page.
enum TrainingCharts {
    /// File names and alt texts, in the order the page shows them.
    static let all: [(file: String, alt: String)] = [
        (
            "training-stages.svg",
            "Saved activations per image by stage at 224×224 for ResNet-50, ViT-S/16, PiT-S, CvT-13, T2T-ViT-14 and Swin-T"
        ),
        ("training-resolution.svg", "Saved activations per image against image side"),
    ]

    /// How many block stages the stage chart shows before it groups the rest.
    static let blockStages = 4

    static func files(
        _ studied: [TrainingPageModel], series: [SavedSeries], study: [ModelFacts]
    ) -> [ReportFile] {
        // Per model: the saved MiB of its stages that hold blocks, in depth order, then everything else.
        let values = studied.map { t -> [Double] in
            var blocks: [Double] = [], other = 0.0
            for (s, stage) in zip(t.fp32.analysis.summary.stages, t.fp32.stages) {
                let mib = Double(stage.savedBytes) / Double(1 << 20)
                if s.depth != nil && blocks.count < blockStages { blocks.append(mib) } else { other += mib }
            }
            return blocks + Array(repeating: 0, count: blockStages - blocks.count) + [other]
        }
        let names = (1...blockStages).map { "block stage \($0)" } + ["embeddings, pooling, T2T, head"]
        let stages = BarChart(
            title: "Saved activations by stage",
            subtitle: "bytes autograd keeps for backward, per image at 224×224, float32; stages that hold blocks in depth order",
            categories: studied.map { Markdown.shortName($0.facts.name) }, xTitle: "model",
            y: ChartAxis("saved activations per image (MiB)", tickTarget: 6),
            series: names.indices.map { index in BarChart.Series(names[index], values.map { $0[index] }) })
        let x = ChartAxis("image side (px), square input", ticks: Array(stride(from: 160.0, through: 512, by: 64)) + [512])
        let resolution = LineChart(
            title: "Saved activations against input resolution",
            subtitle: "bytes autograd keeps for backward, per image, float32, each model with its reference's attention",
            x: x, y: ChartAxis("saved activations per image (MiB)", tickTarget: 6),
            series: series.map { s in
                LineChart.Series(
                    Markdown.shortName(s.facts.name),
                    zip(ReportBook.resolutionSides, s.saved).compactMap { side, saved in
                        guard case .success(let bytes) = saved else { return nil }
                        return ChartPoint(Double(side), Double(bytes) / Double(1 << 20))
                    }, style: study.firstIndex { $0.name == s.facts.name })
            })
        return zip(all, [stages.svg(), resolution.svg()]).map { ReportFile(path: $0.file, contents: $1) }
    }
}
