import Architectures
import Foundation
import Reports

/// `vitscope specs`: writes every preset as a spec file, `DIR/<family>/<name>.json`.
enum SpecsCommand: Command {
    static let name = "specs"
    static let abstract =
        "Write every preset (and the vit-pytorch examples) as a JSON spec file (DIR/<family>/<name>.json), a starting point for your own."
    static let options = [
        OptionSpec(name: "out", value: "DIR", help: "folder to write into (default specs)"),
        OptionSpec(name: "force", value: nil, help: "write into a folder that holds files and was not written by vitscope specs"),
    ]
    static let discussion = """
        The whole set is written into a temporary folder next to DIR, then renamed into place, so a failure leaves
        DIR as it was. DIR/.vitscope-files lists what the run wrote; the next run removes only files listed there
        that it no longer writes. A folder that holds other files and no such list is refused unless --force is
        given (then only files of the presets' names are replaced). A test fails when the committed specs/ differ.
        """

    /// What the command writes: every preset, then the vit-pytorch examples.
    static var specs: [ModelSpec] { Zoo.all + VitPytorch.examples }

    /// The path of `spec` under the specs folder.
    static func relativePath(_ spec: ModelSpec) -> String { "\(spec.family.rawValue)/\(spec.name).json" }

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        guard args.positional.isEmpty else { throw UsageError(message: "specs takes no arguments, got '\(args.positional[0])'") }
        let root = URL(fileURLWithPath: args.values["out"] ?? "specs")
        if let failure = ReportWriter.blockedPath(root) {
            console.err("error: cannot write specs to \(root.path): \(failure)\n")
            return .failure
        }
        if !args.flags.contains("force"), let reason = ReportWriter.refusal(root, command: name) {
            console.err("error: will not write specs to \(root.path): \(reason)\n")
            return .failure
        }
        let files = specs.map { ReportFile(path: relativePath($0), contents: SpecEncoder.encode($0)) }
        do {
            _ = try ReportWriter.write(files, command: name, to: root, force: args.flags.contains("force"))
        } catch {
            console.err("error: cannot write specs to \(root.path): \(error)\n")
            return .failure
        }
        console.out("wrote \(specs.count) spec files under \(root.path)\n")
        return .success
    }
}
