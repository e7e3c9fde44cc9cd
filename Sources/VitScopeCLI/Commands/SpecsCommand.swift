import Architectures
import Foundation

/// `vitscope specs`: writes every preset as a spec file, `DIR/<family>/<name>.json`.
enum SpecsCommand: Command {
    static let name = "specs"
    static let abstract =
        "Write every preset (and the vit-pytorch examples) as a JSON spec file (DIR/<family>/<name>.json), a starting point for your own."
    static let options = [OptionSpec(name: "out", value: "DIR", help: "folder to write into (default specs)")]
    static let discussion =
        "Files are written atomically; existing preset files are replaced. A test fails when the committed specs/ differ."

    /// What the command writes: every preset, then the vit-pytorch examples.
    static var specs: [ModelSpec] { Zoo.all + VitPytorch.examples }

    /// The path of `spec` under the specs folder.
    static func relativePath(_ spec: ModelSpec) -> String { "\(spec.family.rawValue)/\(spec.name).json" }

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        guard args.positional.isEmpty else { throw UsageError(message: "specs takes no arguments, got '\(args.positional[0])'") }
        let root = URL(fileURLWithPath: args.values["out"] ?? "specs")
        do {
            for spec in specs {
                let url = root.appendingPathComponent(relativePath(spec))
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(SpecEncoder.encode(spec).utf8).write(to: url, options: .atomic)
            }
        } catch {
            console.err("error: cannot write specs to \(root.path): \(error.localizedDescription)\n")
            return .failure
        }
        console.out("wrote \(specs.count) spec files under \(root.path)\n")
        return .success
    }
}
