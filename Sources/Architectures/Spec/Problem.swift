/// One thing wrong with an input: where, what, and how to fix it.
public struct Problem: Hashable, Sendable, CustomStringConvertible {
    /// Where: a spec field path (`config.heads[2]`), a graph scope path, or `image_size`.
    public var field: String
    /// What is wrong, with the constraint and the offending values.
    public var message: String
    /// A suggested fix, when there is one.
    public var fix: String?
    /// Position in the spec file, when the problem comes from one.
    public var line: Int?
    public var column: Int?

    public init(field: String, message: String, fix: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.field = field
        self.message = message
        self.fix = fix
        self.line = line
        self.column = column
    }

    /// `field (line 3, column 5): message; fix`.
    public var description: String {
        var text = field
        if let line, let column { text += " (line \(line), column \(column))" }
        text += ": " + message
        if let fix { text += "; " + fix }
        return text
    }
}

/// Every problem found in one input.
public struct SpecError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problems: [Problem]
    public init(_ problems: [Problem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
