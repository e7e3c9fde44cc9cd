import Architectures
import JSONOutput
import Reports

/// `vitscope list`: every preset with its family, input size, params and MACs.
enum ListCommand: Command {
    static let name = "list"
    static let abstract = "List the preset models: name, family, input size, params and MACs at the preset's own size."
    static let options = [ModelOptions.format()]
    static let discussion = "Presets use timm's names where timm has the model, the authors' names otherwise."

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        guard args.positional.isEmpty else { throw UsageError(message: "list takes no arguments, got '\(args.positional[0])'") }
        let format = try ModelOptions.outputFormat(args)
        var analyses: [Analysis] = []
        for spec in Zoo.all {
            guard let analysis = ModelOptions.analyze(spec.name, Overrides(), console: console) else { return .failure }
            analyses.append(analysis)
        }
        switch format {
        case .json:
            let items: [JSONText] = analyses.map { a in
                .object([
                    ("name", .string(a.spec.name)), ("family", .string(a.spec.family.rawValue)),
                    ("height", .int(a.spec.imageSize.height)), ("width", .int(a.spec.imageSize.width)),
                    ("params", .int(a.summary.totals.params)), ("macs", .int(a.summary.totals.macs)),
                ])
            }
            console.out(JSONText.array(items).rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(
                headers: ["model", "family", "input", "params (M)", "MACs (G)"],
                alignments: [.left, .left, .right, .right, .right])
            for a in analyses {
                table.append([
                    a.spec.name, a.spec.family.rawValue, a.spec.imageSize.description,
                    NumberFormat.millions(a.summary.totals.params), NumberFormat.billions(a.summary.totals.macs),
                ])
            }
            console.out(format == .table ? table.text() : table.markdown())
        }
        return .success
    }
}
