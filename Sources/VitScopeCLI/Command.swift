/// One subcommand: its name, a one-line abstract, the forms of its usage, options and what it does.
protocol Command: SendableMetatype {
    static var name: String { get }
    static var abstract: String { get }
    /// The ways to call it, one usage line each, generated from ``options``.
    static var forms: [UsageForm] { get }
    static var options: [OptionSpec] { get }
    /// Extra help text after the options (examples, conventions).
    static var discussion: String { get }
    /// Options other commands take that this one does not, with why: `--batch` to `formula`.
    static var inapplicable: [String: String] { get }
    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode
}

extension Command {
    static var discussion: String { "" }
    static var inapplicable: [String: String] { [:] }
    /// No arguments, every option optional.
    static var forms: [UsageForm] { [UsageForm()] }

    /// The command as a value for the dispatch table.
    static var entry: CommandEntry {
        CommandEntry(
            name: name, abstract: abstract, forms: forms, options: options, discussion: discussion, inapplicable: inapplicable,
            run: { args, console in try run(args, console: console) })
    }
}

/// A subcommand as a value: what `vitscope` dispatches on and prints help from.
struct CommandEntry: Sendable {
    let name: String
    let abstract: String
    let forms: [UsageForm]
    let options: [OptionSpec]
    let discussion: String
    let inapplicable: [String: String]
    let run: @Sendable (ParsedArguments, Console) throws -> ExitCode

    /// The usage lines, generated from the options; the second and later indented under the first.
    var usage: String {
        forms.map { $0.line(command: name, options: options) }.joined(separator: "\n       ")
    }

    /// The `--help` text.
    var help: String {
        var text = "\(abstract)\n\nusage: \(usage)\n"
        if !options.isEmpty {
            text += "\noptions:\n"
            let width = options.map { $0.synopsis.count - 2 }.max() ?? 0
            for option in options {
                let left = option.synopsis
                text += "  " + left + String(repeating: " ", count: max(1, width + 4 - left.count)) + option.help + "\n"
            }
            text += "  --help" + String(repeating: " ", count: max(1, width - 2)) + "show this help\n"
        }
        if !discussion.isEmpty { text += "\n" + discussion + "\n" }
        return text
    }
}
