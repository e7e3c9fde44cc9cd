import ArchGraph
import Architectures
import JSONOutput

/// One size of a sweep: the analysis, or why the size was skipped.
public struct SweepPoint: Sendable {
    public let size: ImageSize
    public let result: Result<Analysis, SpecError>

    public init(size: ImageSize, result: Result<Analysis, SpecError>) {
        self.size = size
        self.result = result
    }
}

/// `sweep` output: tokens per stage, params and MACs against input size.
public enum SweepReport {
    /// Stages that carry tokens or a feature map, named from the first valid point.
    static func gridStages(_ points: [SweepPoint]) -> [String] {
        for point in points {
            if case .success(let a) = point.result {
                return a.summary.stages.filter { $0.grid != nil && $0.kind != .embed && $0.kind != .pool }.map(\.name)
            }
        }
        return []
    }

    static func tokens(_ a: Analysis, stage: String) -> String {
        guard let s = a.summary.stages.first(where: { $0.name == stage }) else { return "-" }
        return AnalysisReport.tokens(s)
    }

    static func reason(_ error: SpecError) -> String {
        error.problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }

    public static func table(_ points: [SweepPoint]) -> TextTable {
        let stages = gridStages(points)
        var table = TextTable(
            headers: ["input"] + stages.map { "\($0) tokens" } + ["params (M)", "MACs (G)", "fvcore (G)", "note"],
            alignments: [.left] + stages.map { _ in .right } + [.right, .right, .right, .left])
        for point in points {
            switch point.result {
            case .success(let a):
                let t = a.summary.totals
                table.append(
                    [point.size.description] + stages.map { tokens(a, stage: $0) }
                        + [NumberFormat.millions(t.params), NumberFormat.billions(t.macs), NumberFormat.billions(t.fvcore), ""])
            case .failure(let error):
                table.append([point.size.description] + stages.map { _ in "-" } + ["-", "-", "-", "skipped: " + reason(error)])
            }
        }
        return table
    }

    public static func text(_ points: [SweepPoint]) -> String {
        table(points).text() + "\n" + Conventions.units + "; " + Conventions.macs + "\n"
    }

    public static func markdown(_ points: [SweepPoint]) -> String {
        table(points).markdown() + "\n" + Conventions.units + "; " + Conventions.macs + "\n"
    }

    /// One row per size with exact integers: `height,width,<stage>_tokens…,params,trainable_params,macs,fvcore,skipped`.
    public static func csv(_ points: [SweepPoint]) -> String {
        let stages = gridStages(points)
        var lines = [
            (["height", "width"] + stages.map { "\($0)_tokens" }
                + ["params", "trainable_params", "macs", "fvcore", "skipped"]).joined(separator: ",")
        ]
        for point in points {
            var row = [String(point.size.height), String(point.size.width)]
            switch point.result {
            case .success(let a):
                let t = a.summary.totals
                row += stages.map { stage in
                    a.summary.stages.first { $0.name == stage }.flatMap { s in s.spatialTokens.map { String($0 + s.extraTokens) } } ?? ""
                }
                row += [String(t.params), String(t.trainableParams), String(t.macs), String(t.fvcore), ""]
            case .failure(let error):
                row += stages.map { _ in "" } + ["", "", "", "", csvField(reason(error))]
            }
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }

    public static func json(_ model: String, _ points: [SweepPoint]) -> JSONText {
        let rows: [JSONText] = points.map { point in
            var members: [(String, JSONText)] = [("height", .int(point.size.height)), ("width", .int(point.size.width))]
            switch point.result {
            case .success(let a):
                members.append(
                    (
                        "stages",
                        .array(
                            a.summary.stages.filter { $0.grid != nil }.map { s in
                                .object([
                                    ("name", .string(s.name)), ("grid", .array((s.grid ?? []).map(JSONText.int))),
                                    ("spatial_tokens", AnalysisReport.optional(s.spatialTokens)), ("extra_tokens", .int(s.extraTokens)),
                                ])
                            })
                    ))
                members += AnalysisReport.costObject(a.summary.totals)
            case .failure(let error):
                members.append(("skipped", .string(reason(error))))
            }
            return .object(members)
        }
        return .object([
            ("model", .string(model)), ("sizes", .array(rows)),
            ("conventions", .array(Conventions.all.map(JSONText.string))),
        ])
    }
}
