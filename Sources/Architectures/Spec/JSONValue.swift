import JSONOutput

/// A parsed JSON value together with the 1-based line and column where it starts.
public struct JSONValue: Hashable, Sendable {
    /// What the value is.
    public enum Kind: Hashable, Sendable {
        case null
        case bool(Bool)
        case number(JSONNumber)
        case string(String)
        case array([JSONValue])
        /// Members in file order; keys are unique.
        case object([JSONMember])
    }

    public var kind: Kind
    public var line: Int
    public var column: Int

    public init(_ kind: Kind, line: Int, column: Int) {
        self.kind = kind
        self.line = line
        self.column = column
    }

    /// The member named `key`, when this is an object that has one.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = kind else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// How a message names this value after "found": `null`, `true`, `4.5`, `the string "abc"`, `an array`.
    public var foundDescription: String {
        switch kind {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let number): number.literal
        case .string(let text):
            text.count > 40
                ? "the string \(JSONText.quoted(String(text.prefix(40)) + "…"))"
                : "the string \(JSONText.quoted(text))"
        case .array(let elements): elements.isEmpty ? "an empty array" : "an array"
        case .object: "an object"
        }
    }
}

/// A JSON number as written, with its exact integer value when it has one.
public struct JSONNumber: Hashable, Sendable {
    /// The literal exactly as it appears in the text, e.g. `-1.50e3`.
    public var literal: String
    /// True when the literal has neither a fraction nor an exponent.
    public var isInteger: Bool
    /// The exact value, when the literal is an integer that fits in 64 bits.
    public var intValue: Int?
    /// The nearest `Double` (infinite when the literal is too large for one).
    public var doubleValue: Double

    public init(literal: String, isInteger: Bool, intValue: Int?, doubleValue: Double) {
        self.literal = literal
        self.isInteger = isInteger
        self.intValue = intValue
        self.doubleValue = doubleValue
    }
}

/// One `"key": value` pair of a JSON object, with the position of the key.
public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var keyLine: Int
    public var keyColumn: Int
    public var value: JSONValue

    public init(key: String, keyLine: Int, keyColumn: Int, value: JSONValue) {
        self.key = key
        self.keyLine = keyLine
        self.keyColumn = keyColumn
        self.value = value
    }
}

/// A path into a JSON document, printed as `config.stages[1].num_heads`.
struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    /// How the document root is named in problems.
    static let rootName = "spec"

    private(set) var text = ""

    /// The path of member `key` of the object at this path.
    func key(_ key: String) -> JSONPath {
        var path = self
        if Self.isIdentifier(key) {
            path.text += text.isEmpty ? key : "." + key
        } else {
            path.text += "[" + JSONText.quoted(key) + "]"
        }
        return path
    }

    /// The path of element `index` of the array at this path.
    func index(_ index: Int) -> JSONPath {
        var path = self
        path.text += "[\(index)]"
        return path
    }

    var description: String { text.isEmpty ? Self.rootName : text }

    /// Whether `key` can be printed bare in a path: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first == "_" || isLetter(first) else { return false }
        return key.unicodeScalars.allSatisfy { $0 == "_" || isLetter($0) || ("0"..."9").contains($0) }
    }

    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }
}
