import Architectures
import Foundation
import Reports

/// `vitscope report`: regenerates the reports folder from the spec files.
enum ReportCommand: Command {
    static let name = "report"
    static let abstract = "Regenerate the reports folder (zoo table, spatial-dimensions and resolution studies, one page per model, SVG charts) from spec files."
    static let usage = "vitscope report [--out DIR] [--specs DIR]"
    static let options = [
        OptionSpec(name: "out", value: "DIR", help: "folder to write the reports into (default reports)"),
        OptionSpec(name: "specs", value: "DIR", help: "folder of spec files to report on, searched recursively for *.json (default specs)"),
    ]
    static let discussion = """
        The output is the same byte for byte on every run. Files are written atomically (a temporary file in the
        same folder, then a rename); files whose text is unchanged are left alone. Stale pages and charts are
        removed: *.md and *.svg files directly in DIR or in DIR/models that this run did not write. Nothing else
        in DIR is touched. A test fails when the committed reports/ differ from what this command writes.
        example: vitscope report --out reports --specs specs
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        guard args.positional.isEmpty else { throw UsageError(message: "report takes no arguments, got '\(args.positional[0])'") }
        let out = URL(fileURLWithPath: args.values["out"] ?? "reports")
        let specs = URL(fileURLWithPath: args.values["specs"] ?? "specs")
        let clock = ContinuousClock()
        let start = clock.now
        if let problem = ReportWriter.unwritableReason(out) {
            console.err("error: cannot write reports to \(out.path): \(problem)\n")
            return .failure
        }
        let files: [ReportFile]
        do {
            files = try generate(specs: specs)
        } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        let outcome: ReportWriter.Outcome
        do {
            outcome = try ReportWriter.write(files, to: out)
        } catch {
            console.err("error: cannot write reports to \(out.path): \(error.localizedDescription)\n")
            return .failure
        }
        let seconds = (clock.now - start) / .milliseconds(1) / 1000
        console.out("\(files.count) report files under \(out.path): \(outcome.written) written, \(outcome.unchanged) unchanged, "
                    + "\(outcome.removed.count) stale removed\(outcome.removed.isEmpty ? "" : " (" + outcome.removed.joined(separator: ", ") + ")")"
                    + "; \(String(format: "%.2f", seconds)) s\n")
        return .success
    }

    /// Every report file for the specs under `specs`, in memory.
    static func generate(specs: URL) throws(SpecError) -> [ReportFile] {
        try ReportBook(sources: SpecLibrary.load(specs)).files()
    }
}
