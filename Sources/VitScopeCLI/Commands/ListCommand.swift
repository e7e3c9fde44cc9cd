import ArchGraph
import Architectures
import Dispatch
import Foundation
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
        // The presets are analysed side by side, one per processor at a time, in a fixed order.
        let specs = Zoo.all
        let results = Results(count: specs.count)
        DispatchQueue.concurrentPerform(iterations: specs.count) { i in
            results.set(i, Result { () throws(SpecError) -> CostValues in try specs[i].totals(Overrides()) })
        }
        var totals: [CostValues] = []
        for result in results.all {
            switch result {
            case .success(let total): totals.append(total)
            case .failure(let error):
                ModelOptions.report(error, console: console)
                return .failure
            case nil: return .failure
            }
        }
        switch format {
        case .json:
            let items: [JSONText] = zip(specs, totals).map { spec, total in
                .object([
                    ("name", .string(spec.name)), ("family", .string(spec.family.rawValue)),
                    ("height", .int(spec.imageSize.height)), ("width", .int(spec.imageSize.width)),
                    ("params", .int(total.params)), ("macs", .int(total.macs)),
                ])
            }
            console.out(JSONText.array(items).rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(
                headers: ["model", "family", "input", "params (M)", "MACs (G)"],
                alignments: [.left, .left, .right, .right, .right])
            for (spec, total) in zip(specs, totals) {
                table.append([
                    spec.name, spec.family.rawValue, spec.imageSize.description, NumberFormat.millions(total.params),
                    NumberFormat.billions(total.macs),
                ])
            }
            console.out(format == .table ? table.text() : table.markdown())
        }
        return .success
    }
}

/// Results written by concurrent work, one slot each, under a lock.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<CostValues, SpecError>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<CostValues, SpecError>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    var all: [Result<CostValues, SpecError>?] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}
