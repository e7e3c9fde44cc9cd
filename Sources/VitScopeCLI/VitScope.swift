import Architectures
import Foundation

/// The `vitscope` command line: dispatches to a subcommand and maps errors to exit codes.
public enum VitScope {
    static let commands: [CommandEntry] = [
        ListCommand.entry, AnalyzeCommand.entry, CompareCommand.entry, ValidateCommand.entry, FormulaCommand.entry,
        SweepCommand.entry, TrainCommand.entry, VerifyCommand.entry, BenchCommand.entry, ReportCommand.entry, SpecsCommand.entry,
    ]

    /// The version `vitscope --version` prints.
    public static let version = "0.1.0"

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
        text +=
            "\n'vitscope COMMAND --help' (or 'vitscope help COMMAND') describes a command; 'vitscope --version' prints the version. "
            + "Exit codes: 0 success, 1 invalid input, 2 usage error.\n"
        return text
    }

    /// Runs the command line `arguments` (without the program name) writing to `stdout` and
    /// `stderr`; when the results could not all be written (a full disk), says so on `stderr`
    /// and returns 1. The executable is this and `exit`.
    public static func main(_ arguments: [String], stdout: FileOutput, stderr: FileOutput, errIsTerminal: Bool = false) -> Int32 {
        if let problem = InstructionSets.problem {
            stderr.write(problem)
            return ExitCode.failure.rawValue
        }
        let console = Console(out: stdout.write, err: stderr.write, errIsTerminal: errIsTerminal)
        let code = run(arguments, console: console)
        if let failure = stdout.failure {
            stderr.write("error: cannot write to \(stdout.name): \(failure)\n")
            return code == .success ? ExitCode.failure.rawValue : code.rawValue
        }
        return code.rawValue
    }

    /// Runs the command line `arguments` (without the program name) and returns the exit code.
    public static func run(_ arguments: [String], console: Console) -> ExitCode {
        guard let first = arguments.first else {
            console.err(help)
            return .usage
        }
        if first == "--version" {
            console.out("vitscope \(version)\n")
            return .success
        }
        if first == "--help" || first == "-h" || first == "help" {
            guard arguments.count > 1 else {
                console.out(help)
                return .success
            }
            guard arguments.count == 2, let command = commands.first(where: { $0.name == arguments[1] }) else {
                let suggestion = Suggestion.nearest(to: arguments[1], among: commands.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                console.err(
                    "error: \(arguments.count == 2 ? "unknown command '\(arguments[1])'\(suggestion)" : "help takes one COMMAND")\n\n"
                        + help)
                return .usage
            }
            console.out(command.help)
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
            let parsed = try ParsedArguments(rest, options: command.options, inapplicable: command.inapplicable)
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
