/// What a usage line puts where a command's arguments go: a positional placeholder, or an option
/// that may stand in for it.
enum Operand: Sendable, Equatable {
    /// Positional arguments, written as given: `MODEL`, `SPEC.json`.
    case positional(String)
    /// The option of this name (one of the command's options), written `--name VALUE`.
    case option(String)
}

/// One way to call a command, shown as one usage line and generated from the command's declared
/// options, so `--help` cannot describe options the command does not parse.
struct UsageForm: Sendable {
    /// Alternatives, one of which is given (`MODEL|--vit-pytorch CALL`); empty for none.
    var operands: [Operand] = []
    /// Whether the operands may be given several times: each is then written with `...`
    /// (flags excepted).
    var repeated = false
    /// Options this form needs, by name, written without brackets after the operands.
    var required: [String] = []
    /// Options shown in brackets, by name and in this order; `nil` for every option of the
    /// command not already shown, in declaration order.
    var optional: [String]?

    /// The usage line: `vitscope NAME OPERANDS REQUIRED [OPTIONAL]...`. Names that are not among
    /// `options` are left out (a test checks that there are none).
    func line(command: String, options: [OptionSpec]) -> String {
        func option(_ name: String) -> OptionSpec? { options.first { $0.name == name } }
        var words = ["vitscope", command]
        let alternatives = operands.compactMap { operand -> String? in
            switch operand {
            case .positional(let text): text + (repeated ? "..." : "")
            case .option(let name): option(name).map { $0.synopsis + (repeated && $0.value != nil ? "..." : "") }
            }
        }
        if !alternatives.isEmpty { words.append(alternatives.joined(separator: "|")) }
        words += required.compactMap { option($0)?.synopsis }
        let shown = Set(operands.compactMap { if case .option(let name) = $0 { name } else { nil } } + required)
        let bracketed = optional?.compactMap(option) ?? options.filter { !shown.contains($0.name) }
        words += bracketed.map { "[" + $0.synopsis + "]" }
        return words.joined(separator: " ")
    }
}

extension OptionSpec {
    /// `--name VALUE`, or `--name` for a flag: how usage lines and help write the option.
    var synopsis: String { "--" + name + (value.map { " " + $0 } ?? "") }

    /// The same option with other help text, for a command where it means something narrower.
    func with(help: String) -> OptionSpec {
        OptionSpec(name: name, value: value, help: help, repeatable: repeatable, range: range)
    }
}
