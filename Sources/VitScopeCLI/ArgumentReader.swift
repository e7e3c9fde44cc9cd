import Architectures

/// An option a command accepts.
struct OptionSpec: Sendable {
    /// The long name without dashes: `image-size`.
    let name: String
    /// The value's placeholder (`N|HxW`), or `nil` for a flag.
    let value: String?
    let help: String
    /// Whether the option may be given more than once; its values are kept in order among the
    /// positional arguments (see ``ParsedArguments/ordered``).
    var repeatable = false
}

/// A command line split into positional arguments and options, checked against a command's
/// options: unknown options, missing values and repeated options are usage errors.
struct ParsedArguments {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []
    /// Positional arguments (option `nil`) and the values of repeatable options, in
    /// command-line order.
    var ordered: [(option: String?, value: String)] = []

    init(_ arguments: [String], options: [OptionSpec]) throws(UsageError) {
        var index = 0
        var onlyPositional = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositional || !argument.hasPrefix("--") || argument == "-" {
                if !onlyPositional, argument.hasPrefix("-"), argument.count > 1, argument != "-" {
                    throw UsageError(message: "unknown option '\(argument)' (options are written --name)")
                }
                positional.append(argument)
                ordered.append((nil, argument))
                continue
            }
            if argument == "--" { onlyPositional = true; continue }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                let suggestion = Suggestion.nearest(to: name, among: options.map(\.name)).map { "; did you mean --\($0)?" } ?? ""
                throw UsageError(message: "unknown option '--\(name)'\(suggestion)")
            }
            if values[name] != nil || flags.contains(name) { throw UsageError(message: "--\(name) given more than once") }
            if let placeholder = spec.value {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else if index < arguments.count {
                    value = arguments[index]
                    index += 1
                } else {
                    throw UsageError(message: "--\(name) needs a value (\(placeholder))")
                }
                if spec.repeatable { ordered.append((name, value)) } else { values[name] = value }
            } else {
                if inlineValue != nil { throw UsageError(message: "--\(name) takes no value") }
                flags.insert(name)
            }
        }
    }

    /// An integer option's value, or `nil` when absent.
    func integer(_ name: String) throws(UsageError) -> Int? {
        guard let text = values[name] else { return nil }
        guard let value = Int(text) else { throw UsageError(message: "--\(name) expects a whole number, got '\(text)'") }
        return value
    }
}
