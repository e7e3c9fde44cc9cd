import JSONOutput

/// A Python literal as vit-pytorch constructor calls use them, with the 1-based line and
/// column (in Unicode scalars) where it starts.
public struct PythonValue: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// An integer; `nil` when it does not fit in 64 bits.
        case int(Int?)
        case float(Double)
        case string(String)
        case bool(Bool)
        case none
        case tuple([PythonValue])
        case list([PythonValue])
        /// A JSON object in a spec file (calls have no dicts).
        case object
        /// A bare name such as `Bottleneck` or `nn.GELU` (a class passed to a timm constructor).
        case name(String)
    }

    public var kind: Kind
    /// Numbers as written (`1_000`, `0.1`, `-2`); empty for other values.
    public var literal: String
    public var line: Int
    public var column: Int

    public init(_ kind: Kind, literal: String = "", line: Int, column: Int) {
        self.kind = kind
        self.literal = literal
        self.line = line
        self.column = column
    }

    /// The value in Python syntax, compacted: `(3, 3, 3)`, `(7,)`, `'mean'`, `0.1`, `True`.
    public var rendered: String {
        switch kind {
        case .int(let value): value.map(String.init) ?? literal
        case .float: literal
        case .string(let text): Self.quoted(text)
        case .bool(let value): value ? "True" : "False"
        case .none: "None"
        case .tuple(let elements) where elements.count == 1: "(" + elements[0].rendered + ",)"
        case .tuple(let elements): "(" + elements.map(\.rendered).joined(separator: ", ") + ")"
        case .list(let elements): "[" + elements.map(\.rendered).joined(separator: ", ") + "]"
        case .object: "{…}"
        case .name(let name): name
        }
    }

    /// How a message names this value after "found": `4.5`, `the string 'abc'`, `a tuple`, `None`.
    public var foundDescription: String {
        switch kind {
        case .int, .float, .bool, .none: rendered
        case .string(let text):
            "the string " + Self.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        case .tuple(let elements): elements.isEmpty ? "an empty tuple" : "a tuple \(Self.short(rendered))"
        case .list(let elements): elements.isEmpty ? "an empty list" : "a list \(Self.short(rendered))"
        case .object: "a dict"
        case .name(let name): "the name \(name)"
        }
    }

    /// The value read from a spec file's JSON: arrays stand for tuples, `null` for `None`.
    init(json: JSONValue) {
        let kind: Kind
        var literal = ""
        switch json.kind {
        case .null: kind = .none
        case .bool(let value): kind = .bool(value)
        case .number(let number):
            kind = number.isInteger ? .int(number.intValue) : .float(number.doubleValue)
            literal = number.literal
        case .string(let text): kind = .string(text)
        case .array(let elements): kind = .tuple(elements.map(PythonValue.init(json:)))
        case .object: kind = .object
        }
        self.init(kind, literal: literal, line: json.line, column: json.column)
    }

    /// How a message about a spec file names this value after "found", in JSON terms.
    var jsonFoundDescription: String {
        switch kind {
        case .none: "null"
        case .bool(let value): value ? "true" : "false"
        case .int, .float: literal
        case .string(let text): "the string " + JSONText.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text)
        case .tuple(let elements), .list(let elements): elements.isEmpty ? "an empty array" : "an array"
        case .object: "an object"
        case .name(let name): "the name \(name)"
        }
    }

    /// The elements of a tuple or a list, or `nil` for other values.
    public var elements: [PythonValue]? {
        switch kind {
        case .tuple(let elements), .list(let elements): elements
        default: nil
        }
    }

    private static func short(_ text: String) -> String { text.count > 40 ? String(text.prefix(40)) + "…" : text }

    /// A single-quoted Python string literal, as `repr` writes one.
    static func quoted(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case quote: out += "\\" + String(quote)
            default: out.append(character)
            }
        }
        out.append(quote)
        return out
    }
}

/// `name=value` or a positional `value` in a call.
public struct PythonArgument: Hashable, Sendable {
    /// The keyword, or `nil` for a positional argument.
    public var name: String?
    public var line: Int, column: Int
    public var value: PythonValue

    public init(name: String?, line: Int, column: Int, value: PythonValue) {
        self.name = name
        self.line = line
        self.column = column
        self.value = value
    }
}

/// A parsed constructor call `ClassName(kw=value, ...)`.
public struct PythonCall: Hashable, Sendable {
    /// The class name as written, module prefix included (`vit_pytorch.pit.PiT`).
    public var name: String
    public var line: Int, column: Int
    public var arguments: [PythonArgument]

    /// The call in one line: `PiT(image_size=224, depth=(3, 3, 3), heads=16)`.
    public var rendered: String {
        let arguments = arguments.map { ($0.name.map { $0 + "=" } ?? "") + $0.value.rendered }
        return name + "(" + arguments.joined(separator: ", ") + ")"
    }
}
