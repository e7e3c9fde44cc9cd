import Architectures
import JSONOutput

/// The largest batch per GPU that fits one memory target.
public struct MaxBatchRow: Sendable {
    public let target: MemoryTarget
    /// Bytes left after the reserve (0 when the reserve takes it all).
    public let available: Int
    public let result: MaxBatch

    public init(target: MemoryTarget, available: Int, result: MaxBatch) {
        self.target = target
        self.available = available
        self.result = result
    }
}

/// `train --max-batch` output.
public enum MaxBatchReport {
    /// `batch 87 (peak 38.91 GiB; batch 88 would need 39.34 GiB)`.
    public static func sentence(_ row: MaxBatchRow) -> String {
        let b = NumberFormat.bytes
        guard let batch = row.result.batch else {
            return "batch 1 does not fit: its peak is " + (row.result.peakBytes.map(b) ?? "beyond 64-bit")
        }
        var text = "batch \(NumberFormat.grouped(batch)) (peak \(row.result.peakBytes.map(b) ?? "-"); "
        if row.result.atLimit {
            text += "the largest batch vitscope takes, \(NumberFormat.grouped(Limits.maxBatch)))"
        } else {
            text +=
                "batch \(NumberFormat.grouped(batch + 1)) would need \(row.result.nextPeakBytes.map(b) ?? "more bytes than 64 bits hold"))"
        }
        return text
    }

    public static func table(_ rows: [MaxBatchRow]) -> TextTable {
        var table = TextTable(
            headers: ["GPU", "memory (GiB)", "available (GiB)", "largest batch", "peak at it (GiB)", "peak one above (GiB)"],
            alignments: [.left, .right, .right, .right, .right, .right])
        for row in rows {
            let g = TrainingFormat.gib
            table.append([
                row.target.name, g(row.target.memoryBytes), g(row.available), row.result.batch.map(NumberFormat.grouped) ?? "none",
                row.result.batch == nil ? "-" : row.result.peakBytes.map(g) ?? "-",
                row.result.batch == nil
                    ? (row.result.peakBytes.map { g($0) + " at batch 1" } ?? "-") : row.result.nextPeakBytes.map(g) ?? "-",
            ])
        }
        return table
    }

    public static func text(_ model: String, setup: String, _ rows: [MaxBatchRow], assumptions: [String]) -> String {
        "\(model) — largest batch per GPU\n\(setup)\n\n" + table(rows).text() + "\nassumptions:\n"
            + assumptions.map { "- " + $0 }.joined(separator: "\n") + "\n\nGiB = 2³⁰ bytes\n"
    }

    public static func markdown(_ model: String, setup: String, _ rows: [MaxBatchRow], assumptions: [String]) -> String {
        "## \(model): largest batch per GPU\n\n\(setup)\n\n" + table(rows).markdown() + "\nAssumptions:\n\n"
            + assumptions.map { "- " + $0 }.joined(separator: "\n") + "\n\nGiB = 2³⁰ bytes\n"
    }

    public static func object(_ row: MaxBatchRow) -> JSONText {
        .object([
            ("name", .string(row.target.name)), ("gpu", row.target.gpu.map { .string($0.id) } ?? .null),
            ("memory_bytes", .int(row.target.memoryBytes)), ("available_bytes", .int(row.available)),
            ("max_batch", AnalysisReport.optional(row.result.batch)),
            ("peak_bytes", AnalysisReport.optional(row.result.peakBytes)),
            ("next_peak_bytes", AnalysisReport.optional(row.result.batch == nil ? nil : row.result.nextPeakBytes)),
            ("at_limit", .bool(row.result.atLimit)),
        ])
    }

    public static func json(_ model: String, _ rows: [MaxBatchRow], assumptions: [String]) -> JSONText {
        .object([
            ("model", .string(model)), ("max_batch", .array(rows.map(object))),
            ("assumptions", .array(assumptions.map(JSONText.string))),
        ])
    }

    /// `gpu,memory_bytes,available_bytes,max_batch,peak_bytes,next_peak_bytes`.
    public static func csv(_ rows: [MaxBatchRow]) -> String {
        var lines = ["gpu,memory_bytes,available_bytes,max_batch,peak_bytes,next_peak_bytes"]
        for row in rows {
            lines.append(
                [
                    row.target.gpu?.id ?? row.target.name, String(row.target.memoryBytes), String(row.available),
                    row.result.batch.map(String.init) ?? "", row.result.peakBytes.map(String.init) ?? "",
                    row.result.batch == nil ? "" : row.result.nextPeakBytes.map(String.init) ?? "",
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
