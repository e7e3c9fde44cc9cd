import ArchGraph
import Architectures
import JSONOutput

/// One size of a training sweep: the step's estimate, or why the size was skipped.
public struct TrainingSweepPoint: Sendable {
    public let size: ImageSize
    public let result: Result<TrainingEstimate, SpecError>

    public init(size: ImageSize, result: Result<TrainingEstimate, SpecError>) {
        self.size = size
        self.result = result
    }
}

/// `sweep --train` output: saved activations per stage, the step's peak and its training MACs
/// against input size.
public enum TrainingSweepReport {
    /// The stages of the first valid point, by name.
    static func stages(_ points: [TrainingSweepPoint]) -> [String] {
        first(points)?.analysis.summary.stages.map(\.name) ?? []
    }

    /// The estimate of the first size that was not skipped.
    static func first(_ points: [TrainingSweepPoint]) -> TrainingEstimate? {
        for point in points { if case .success(let e) = point.result { return e } }
        return nil
    }

    static func saved(_ e: TrainingEstimate, stage: String) -> Int? {
        zip(e.analysis.summary.stages, e.stages).first { $0.0.name == stage }?.1.savedBytes
    }

    public static func table(_ points: [TrainingSweepPoint], target: MemoryTarget?) -> TextTable {
        let stages = stages(points)
        var headers = ["input"] + stages.map { "\($0) saved (MiB)" } + ["saved (MiB)", "peak (GiB)", "training MACs per image (G)"]
        if let target { headers.append("on \(target.name)") }
        headers.append("note")
        let numbers = stages.count + 3
        var table = TextTable(
            headers: headers,
            alignments: [.left] + Array(repeating: .right, count: numbers) + Array(repeating: .left, count: headers.count - numbers - 1))
        for point in points {
            switch point.result {
            case .success(let e):
                var row = [point.size.description] + stages.map { saved(e, stage: $0).map(TrainingFormat.mib) ?? "-" }
                row += [
                    TrainingFormat.mib(e.memory.savedActivationsBytes), TrainingFormat.gib(e.memory.peakBytes),
                    NumberFormat.billions(e.work.perImage.total),
                ]
                if let target { row.append(TrainingFormat.verdict(e.verdict(target))) }
                table.append(row + [""])
            case .failure(let error):
                table.append(
                    [point.size.description] + stages.map { _ in "-" } + ["-", "-", "-"] + (target == nil ? [] : ["-"])
                        + ["skipped: " + SweepReport.reason(error)])
            }
        }
        return table
    }

    static func footer(_ points: [TrainingSweepPoint]) -> String {
        var lines: [String] = []
        if let e = first(points) {
            lines.append("batch \(e.batch) per GPU; " + TrainingFormat.setup(e.model.setup, optimizer: e.optimizer))
        }
        lines.append(
            "saved: bytes autograd keeps from forward to backward; peak: parameters, gradients and optimizer state plus the "
                + "most activations and gradients alive at once (vitscope train lists the assumptions); MiB = 2²⁰ bytes, GiB = 2³⁰ bytes")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func text(_ points: [TrainingSweepPoint], target: MemoryTarget?) -> String {
        table(points, target: target).text() + "\n" + footer(points)
    }

    public static func markdown(_ points: [TrainingSweepPoint], target: MemoryTarget?) -> String {
        table(points, target: target).markdown() + "\n" + footer(points).split(separator: "\n").map { $0 + "  \n" }.joined()
    }

    /// One row per size, exact integers:
    /// `height,width,<stage>_saved_bytes…,saved_activations_bytes,peak_bytes,training_macs_per_image,fits,skipped`.
    public static func csv(_ points: [TrainingSweepPoint], target: MemoryTarget?) -> String {
        let stages = stages(points)
        var lines = [
            (["height", "width"] + stages.map { "\($0)_saved_bytes" }
                + ["saved_activations_bytes", "peak_bytes", "training_macs_per_image", "fits", "skipped"]).joined(separator: ",")
        ]
        for point in points {
            var row = [String(point.size.height), String(point.size.width)]
            switch point.result {
            case .success(let e):
                row += stages.map { saved(e, stage: $0).map(String.init) ?? "" }
                row += [
                    String(e.memory.savedActivationsBytes), String(e.memory.peakBytes), String(e.work.perImage.total),
                    target.map { String(e.verdict($0).fits) } ?? "", "",
                ]
            case .failure(let error):
                row += stages.map { _ in "" } + ["", "", "", "", SweepReport.csvField(SweepReport.reason(error))]
            }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ model: String, _ points: [TrainingSweepPoint], target: MemoryTarget?) -> JSONText {
        let rows: [JSONText] = points.map { point in
            var members: [(String, JSONText)] = [("height", .int(point.size.height)), ("width", .int(point.size.width))]
            switch point.result {
            case .success(let e):
                members += [
                    ("training", .object(TrainingReport.countsObject(e.work.perImage))), ("memory", TrainingReport.memoryObject(e)),
                    ("target", target.map { TrainingReport.verdictObject(e.verdict($0)) } ?? .null),
                    ("stages", TrainingReport.stagesArray(e)),
                ]
            case .failure(let error):
                members.append(("skipped", .string(SweepReport.reason(error))))
            }
            return .object(members)
        }
        var members: [(String, JSONText)] = [("model", .string(model))]
        if let e = first(points) { members += [("batch", .int(e.batch)), ("setup", TrainingReport.setupObject(e))] }
        return .object(members + [("sizes", .array(rows)), ("conventions", .array(Conventions.all.map(JSONText.string)))])
    }
}
