/// An option a command accepts.
struct OptionSpec: Sendable {
    /// The long name without dashes: `image-size`.
    let name: String
    /// The value's placeholder (`N|HxW`), or `nil` for a flag.
    let value: String?
    let help: String
}

/// A command line split into positional arguments and options, checked against a command's
/// options: unknown options, missing values and repeated options are usage errors.
struct ParsedArguments {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

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
                let suggestion = nearest(name, among: options.map(\.name)).map { "; did you mean --\($0)?" } ?? ""
                throw UsageError(message: "unknown option '--\(name)'\(suggestion)")
            }
            if values[name] != nil || flags.contains(name) { throw UsageError(message: "--\(name) given more than once") }
            if let placeholder = spec.value {
                if let inlineValue {
                    values[name] = inlineValue
                } else if index < arguments.count {
                    values[name] = arguments[index]
                    index += 1
                } else {
                    throw UsageError(message: "--\(name) needs a value (\(placeholder))")
                }
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

/// The candidate closest to `word` by edit distance, when close enough to be a likely typo.
func nearest(_ word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(2, word.count / 3) ? best.0 : nil
}

/// Levenshtein distance between two strings, by characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in stride(from: 1, through: b.count, by: 1) {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
