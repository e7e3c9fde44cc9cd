import Architectures
import JSONOutput
import Reports

/// `vitscope validate SPEC|MODEL`: every problem in a spec, or a one-line confirmation.
enum ValidateCommand: Command {
    static let name = "validate"
    static let abstract = "Check a spec file or preset (with overrides): exit 0 if valid, 1 listing every problem."
    static let forms = [UsageForm(operands: [.positional("SPEC.json")] + ModelOptions.operands)]
    static let options = ModelOptions.callOptions + ModelOptions.sizeOptions + [ModelOptions.format([.table, .json])]

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let models = ModelOptions.models(args)
        guard models.count == 1 else { throw UsageError(message: "validate takes one SPEC.json or MODEL") }
        let format = try ModelOptions.outputFormat(args, [.table, .json])
        let overrides = try ModelOptions.overrides(args)
        let model = models[0].description
        let result: Result<Analysis, SpecError>
        do { result = .success(try ModelOptions.resolve(models[0]).analyze(overrides)) } catch { result = .failure(error) }
        switch (result, format) {
        case (.success(let a), .table):
            console.out(
                "valid: \(a.spec.name) at \(a.summary.binding.height)×\(a.summary.binding.width), "
                    + "\(NumberFormat.grouped(a.summary.totals.params)) params, \(NumberFormat.grouped(a.summary.totals.macs)) MACs\n")
        case (.failure(let error), .table):
            ModelOptions.report(error, console: console)
            console.err("\(error.problems.count) problem\(error.problems.count == 1 ? "" : "s") in \(model)\n")
        case (_, _):
            let problems: [JSONText]
            if case .failure(let error) = result {
                problems = error.problems.map { p in
                    .object([
                        ("field", .string(p.field)), ("message", .string(p.message)), ("fix", p.fix.map(JSONText.string) ?? .null),
                        ("line", p.line.map(JSONText.int) ?? .null), ("column", p.column.map(JSONText.int) ?? .null),
                    ])
                }
            } else {
                problems = []
            }
            console.out(
                JSONText.object([
                    ("input", .string(model)), ("valid", .bool(problems.isEmpty)),
                    ("problems", .array(problems)),
                ]).rendered() + "\n")
        }
        if case .success = result { return .success }
        return .failure
    }
}
