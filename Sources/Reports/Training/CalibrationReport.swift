import ArchGraph
import Architectures
import JSONOutput

/// A published run with vitscope's MACs for its model and the utilisation they imply.
public struct CalibrationRow: Sendable {
    public let run: PublishedRun
    public let work: TrainingWork

    /// The FLOPs of the whole run.
    public var flops: Double { Double(work.perImage.flops) * Double(run.epochs) * Double(run.imagesPerEpoch) }
    public var utilization: Double { run.utilization(flopsPerImage: work.perImage.flops) }

    /// Every run of ``PublishedRun/all``, with the MACs of its preset as it trained.
    /// - Throws: ``SpecError`` when a preset is missing or does not build.
    public static func all() throws(SpecError) -> [CalibrationRow] {
        var rows: [CalibrationRow] = []
        for run in PublishedRun.all {
            guard let spec = Zoo.preset(run.model) else {
                throw SpecError([Problem(field: run.model, message: "the calibration run \(run.name) names no preset")])
            }
            let model = try TrainingModel(spec: spec, setup: run.setup)
            rows.append(CalibrationRow(run: run, work: try model.work(batch: 1)))
        }
        return rows
    }
}

/// `train --calibration` output: published runs beside the utilisation vitscope's MACs imply.
public enum CalibrationReport {
    public static func table(_ rows: [CalibrationRow]) -> TextTable {
        var table = TextTable(
            headers: [
                "run", "model", "input", "epochs", "images per epoch", "GPUs", "hours", "precision",
                "training GFLOPs per image", "run FLOPs", "peak TFLOPS per GPU", "implied utilisation",
            ],
            alignments: [.left, .left, .left, .right, .right, .left, .right, .left, .right, .right, .right, .right])
        for row in rows {
            let r = row.run
            let spec = Zoo.preset(r.model)
            table.append([
                r.name, r.model, spec.map { "\($0.imageSize.height)×\($0.imageSize.width)" } ?? "-", NumberFormat.grouped(r.epochs),
                NumberFormat.grouped(r.imagesPerEpoch), "\(r.gpus) × \(r.gpu.name)", NumberFormat.published(r.hours),
                r.precision.rawValue, NumberFormat.scaled(row.work.perImage.flops, 1_000_000_000, decimals: 2),
                TrainingFormat.scientific(row.flops), r.gpu.peak(r.precision).map { NumberFormat.published($0 / 1e12) } ?? "-",
                String(format: "%.1f%%", row.utilization * 100),
            ])
        }
        return table
    }

    static func notes(_ rows: [CalibrationRow]) -> [String] {
        var notes = [
            "implied utilisation = run FLOPs / (GPUs × peak × hours × 3600); run FLOPs = 2 × training MACs per image "
                + "(forward + backward, vitscope's count) × epochs × images per epoch",
            "peak: the V100's FP16 tensor-core rate (NVIDIA Tesla V100 datasheet, SXM2), since the runs used mixed precision",
        ]
        var seen = Set<String>()
        for row in rows where seen.insert(row.run.source + row.run.note).inserted {
            notes.append("\(row.run.source); \(row.run.note)")
        }
        return notes
    }

    public static func text(_ rows: [CalibrationRow]) -> String {
        "published training runs and the utilisation they imply\n\n" + table(rows).text() + "\n"
            + notes(rows).map { "- " + $0 }.joined(separator: "\n") + "\n"
    }

    public static func markdown(_ rows: [CalibrationRow]) -> String {
        table(rows).markdown() + "\n" + notes(rows).map { "- " + $0 }.joined(separator: "\n") + "\n"
    }

    public static func json(_ rows: [CalibrationRow]) -> JSONText {
        .object([
            (
                "runs",
                .array(
                    rows.map { row in
                        let r = row.run
                        return .object([
                            ("name", .string(r.name)), ("model", .string(r.model)), ("epochs", .int(r.epochs)),
                            ("images_per_epoch", .int(r.imagesPerEpoch)), ("gpu", .string(r.gpu.id)), ("gpus", .int(r.gpus)),
                            ("hours", .double(r.hours)), ("precision", .string(r.precision.rawValue)),
                            ("attention", .string(r.attention.rawValue)), ("training_macs_per_image", .int(row.work.perImage.total)),
                            ("training_flops_per_image", .int(row.work.perImage.flops)), ("run_flops", .double(row.flops)),
                            ("peak_flops", r.gpu.peak(r.precision).map(JSONText.double) ?? .null),
                            ("utilization", .double(row.utilization)), ("source", .string(r.source)), ("note", .string(r.note)),
                        ])
                    })
            ),
            ("notes", .array(notes(rows).map(JSONText.string))),
        ])
    }

    /// `run,model,epochs,images_per_epoch,gpu,gpus,hours,precision,training_flops_per_image,utilization`.
    public static func csv(_ rows: [CalibrationRow]) -> String {
        var lines = ["run,model,epochs,images_per_epoch,gpu,gpus,hours,precision,training_flops_per_image,utilization"]
        for row in rows {
            let r = row.run
            lines.append(
                [
                    SweepReport.csvField(r.name), r.model, String(r.epochs), String(r.imagesPerEpoch), r.gpu.id, String(r.gpus),
                    NumberFormat.published(r.hours), r.precision.rawValue, String(row.work.perImage.flops), "\(row.utilization)",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
