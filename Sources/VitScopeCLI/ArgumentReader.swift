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
    /// For a whole-number option, the values it accepts; the command line is read against it, so
    /// a value outside it is a usage error in every command alike.
    var range: ClosedRange<Int>? = nil
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

    /// - Parameter inapplicable: options the command does not take, with the reason a usage
    ///   error gives for them instead of "unknown option".
    init(_ arguments: [String], options: [OptionSpec], inapplicable: [String: String] = [:]) throws(UsageError) {
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
            if let reason = inapplicable[name] { throw UsageError(message: "--\(name) does not apply here: \(reason)") }
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
                // An empty value is a mistake (`--out "$UNSET"`), never a default.
                if value.isEmpty { throw UsageError(message: "--\(name) is given an empty value (\(placeholder))") }
                if let range = spec.range { _ = try Self.wholeNumber(value, option: name, in: range) }
                if spec.repeatable { ordered.append((name, value)) } else { values[name] = value }
            } else {
                if inlineValue != nil { throw UsageError(message: "--\(name) takes no value") }
                flags.insert(name)
            }
        }
    }

    /// An integer option's value, or `nil` when absent; options declared with a range were
    /// checked against it when the command line was read.
    func integer(_ name: String) throws(UsageError) -> Int? {
        guard let text = values[name] else { return nil }
        return try Self.wholeNumber(text, option: name, in: Int.min...Int.max)
    }

    /// `text` as a whole number in `range`: ASCII digits with an optional leading `-` (no `+`,
    /// no spaces, no `0x`), so every command reads numbers the same way.
    /// - Throws: a ``UsageError`` naming the option, the accepted range and the value.
    static func wholeNumber(_ text: String, option name: String, in range: ClosedRange<Int>) throws(UsageError) -> Int {
        let digits = text.hasPrefix("-") ? text.utf8.dropFirst() : text.utf8[...]
        let expected =
            range == Int.min...Int.max
            ? "a whole number" : "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw UsageError(message: "--\(name) expects \(expected), got '\(text)'")
        }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(message: "--\(name) expects \(expected), got \(text)")
        }
        return value
    }
}
