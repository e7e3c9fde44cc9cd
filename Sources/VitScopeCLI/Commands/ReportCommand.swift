import Architectures
import CPUBackend
import Foundation
import Reports
import Verifying

/// `vitscope report`: regenerates the reports folder from the spec files.
enum ReportCommand: Command {
    static let name = "report"
    static let abstract =
        "Regenerate the reports folder (zoo table, spatial-dimensions and resolution studies, one page per model, SVG charts) from spec files."
    static let options = [
        OptionSpec(name: "out", value: "DIR", help: "folder to write the reports into (default reports)"),
        OptionSpec(name: "specs", value: "DIR", help: "folder of spec files to report on, searched recursively for *.json (default specs)"),
        OptionSpec(name: "check", value: nil, help: "write nothing; exit 1 and name the files that differ from DIR"),
        OptionSpec(name: "no-execution", value: nil, help: "do not run the models; their pages say they are not verified"),
        OptionSpec(name: "force", value: nil, help: "write into a folder that holds files and was not written by vitscope report"),
    ]
    static let discussion = """
        The output is the same byte for byte on every run. The whole set is written into a temporary folder next
        to DIR, then the changed files are renamed into DIR, so a failure leaves DIR as it was; files whose text
        is unchanged are left alone. DIR/.vitscope-files lists what the run wrote; the next run removes only
        files listed there that it no longer writes. A folder that holds other files and no such list is
        refused unless --force is given (then nothing but files of the report's names is replaced). A test fails
        when the committed reports/ differ from what this command writes.
        Every model is run once on the CPU (as `vitscope verify` does, batch 1, random weights) and its page
        records whether every node matched; use a release build, where that takes well under a minute.
        example: vitscope report --out reports --specs specs
        """

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        guard args.positional.isEmpty else { throw UsageError(message: "report takes no arguments, got '\(args.positional[0])'") }
        let out = URL(fileURLWithPath: args.values["out"] ?? "reports")
        let specs = URL(fileURLWithPath: args.values["specs"] ?? "specs")
        let clock = ContinuousClock()
        let start = clock.now
        let check = args.flags.contains("check")
        let force = args.flags.contains("force")
        // The spec files first (quick): a bad one is reported before the folder is looked at.
        do { _ = try SpecLibrary.load(specs) } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        if !check {
            if let failure = ReportWriter.blockedPath(out) {
                console.err("error: cannot write reports to \(out.path): \(failure)\n")
                return .failure
            }
            if !force, let reason = ReportWriter.refusal(out, command: name) {
                console.err("error: will not write reports to \(out.path): \(reason)\n")
                return .failure
            }
        }
        let files: [ReportFile]
        do {
            files = try generate(specs: specs, execute: !args.flags.contains("no-execution"), console: console)
        } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        if check {
            let manifest = ReportFile(path: ReportWriter.manifestName, contents: ReportWriter.manifest(files, command: name))
            let stale = (files + [manifest]).filter {
                FileManager.default.contents(atPath: out.appendingPathComponent($0.path).path) != Data($0.contents.utf8)
            }
            if stale.isEmpty {
                console.out("\(files.count) report files under \(out.path) are up to date\n")
                return .success
            }
            console.err("error: \(out.path) is stale (\(stale.map(\.path).joined(separator: ", "))); run: \(ReportBook.command)\n")
            return .failure
        }
        let outcome: ReportWriter.Outcome
        do {
            outcome = try ReportWriter.write(files, command: name, to: out, force: force)
        } catch {
            console.err("error: cannot write reports to \(out.path): \(error)\n")
            return .failure
        }
        let seconds = (clock.now - start) / .milliseconds(1) / 1000
        console.out(
            "\(files.count) report files under \(out.path): \(outcome.written) written, \(outcome.unchanged) unchanged, "
                + "\(outcome.removed.count) stale removed\(outcome.removed.isEmpty ? "" : " (" + outcome.removed.joined(separator: ", ") + ")")"
                + "; \(String(format: "%.2f", seconds)) s\n")
        return .success
    }

    /// Every report file for the specs under `specs`, in memory.
    static func generate(specs: URL, execute: Bool = false, console: Console? = nil) throws(SpecError) -> [ReportFile] {
        let sources = try SpecLibrary.load(specs)
        guard execute else { return try ReportBook(sources: sources).files() }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let total = sources.count
        let counter = Counter()
        let files = try ReportBook(sources: sources) { analysis in
            console?.progress("running \(counter.next())/\(total): \(analysis.spec.name)")
            let outcome: VerificationOutcome
            if let shortfall = (try? MemoryEstimate(graph: analysis.graph))?.shortfall(available: MemoryEstimate.availableBytes()) {
                console?.err("warning: \(analysis.spec.name) did not run on the CPU backend: it \(shortfall)\n")
                return nil
            }
            do {
                outcome = try VerificationRun(analysis, seed: 0).execute(threads: threads)
            } catch {
                // The page then says the model is not verified; the failure is not hidden.
                console?.err("warning: \(analysis.spec.name) did not run on the CPU backend: \(error)\n")
                return nil
            }
            let file = sources.first { $0.spec.name == analysis.spec.name }?.file ?? "SPEC.json"
            let command =
                Zoo.preset(analysis.spec.name) == analysis.spec
                ? "vitscope verify \(analysis.spec.name)"
                : "vitscope verify \(file)"
            return VerificationReport.pageSection(outcome, command: command)
        }.files()
        console?.progress("")
        return files
    }

    /// Counts models as they run, for progress lines.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.withLock {
                value += 1; return value
            }
        }
    }
}
