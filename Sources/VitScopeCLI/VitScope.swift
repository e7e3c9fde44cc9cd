import Architectures

/// The `vitscope` command line: dispatches to a subcommand and maps errors to exit codes.
public enum VitScope {
    static let commands: [CommandEntry] = [
        ListCommand.entry, AnalyzeCommand.entry, CompareCommand.entry, ValidateCommand.entry, FormulaCommand.entry,
        SweepCommand.entry, VerifyCommand.entry, BenchCommand.entry, ReportCommand.entry, SpecsCommand.entry,
    ]

    static var help: String {
        var text = """
            vitscope — exact parameter and MAC counts for vision transformers (ViT, DeiT, PiT, T2T-ViT, CvT, ResNet-50)

            usage: vitscope COMMAND [ARGUMENTS] [OPTIONS]

            commands:

            """
        let width = commands.map { $0.name.count }.max() ?? 0
        for command in commands {
            text += "  " + command.name + String(repeating: " ", count: width + 3 - command.name.count) + command.abstract + "\n"
        }
        text += "\n'vitscope COMMAND --help' describes a command. Exit codes: 0 success, 1 invalid input, 2 usage error.\n"
        return text
    }

    /// Runs the command line `arguments` (without the program name) and returns the exit code.
    public static func run(_ arguments: [String], console: Console) -> ExitCode {
        guard let first = arguments.first else {
            console.err(help)
            return .usage
        }
        if first == "--help" || first == "-h" || first == "help" {
            console.out(help)
            return .success
        }
        guard let command = commands.first(where: { $0.name == first }) else {
            let suggestion = Suggestion.nearest(to: first, among: commands.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
            console.err("error: unknown command '\(first)'\(suggestion)\n\n" + help)
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            console.out(command.help)
            return .success
        }
        do {
            let parsed = try ParsedArguments(rest, options: command.options)
            return try command.run(parsed, console)
        } catch let error as UsageError {
            console.err("error: \(error.message)\nusage: \(command.usage)\n'vitscope \(command.name) --help' for more.\n")
            return .usage
        } catch {
            console.err("error: \(error)\n")
            return .failure
        }
    }
}
