/// Parses a Python constructor call, `ClassName(kw=value, ...)`, with literal arguments only.
///
/// Values are integers (`-3`, `1_000`, `0x10`), floats (`0.1`, `1e-3`, `.5`), strings (`'…'`
/// or `"…"`), `True`, `False`, `None`, tuples and lists (nested, trailing commas allowed), and
/// parenthesised values. Whitespace, newlines and `#` comments may appear between tokens.
/// A syntax error throws a ``SpecError`` with one ``Problem`` saying what was expected and what
/// was found, at a 1-based line and column (columns count Unicode scalars).
public enum PythonCallParser {
    /// How deeply tuples and lists may nest.
    public static let maxDepth = 32
    /// The longest call accepted, in Unicode scalars.
    public static let maxLength = 100_000
    /// The field problems about the call's syntax are reported under.
    public static let field = "call"

    /// Parses `text` as one call.
    /// - Parameters:
    ///   - names: whether bare names (`Bottleneck`, `nn.GELU`) are values, as classes passed to
    ///     timm's constructors are; otherwise a name is an error.
    ///   - expecting: what the call should start with, for the message when it does not.
    public static func parse(
        _ text: String, names: Bool = false, expecting: String = "a vit-pytorch class name such as ViT, PiT, T2TViT or CvT"
    ) throws(SpecError) -> PythonCall {
        var scanner = PythonScanner(text)
        scanner.namesAreValues = names
        scanner.callExpectation = expecting
        guard scanner.scalars.count <= maxLength else {
            throw SpecError([
                Problem(field: field, message: "is \(scanner.scalars.count) characters long; at most \(maxLength) are accepted")
            ])
        }
        return try scanner.call()
    }
}

/// The parser's cursor over the call's Unicode scalars.
struct PythonScanner {
    let scalars: [Unicode.Scalar]
    var index = 0
    var line = 1
    var column = 1
    var depth = 0
    /// Whether a bare (dotted) name is a value.
    var namesAreValues = false
    /// What the call should start with.
    var callExpectation = ""

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    mutating func advance() {
        guard let scalar = current else { return }
        index += 1
        if scalar == "\n" || (scalar == "\r" && current != "\n") {
            line += 1
            column = 1
        } else {
            column += 1
        }
    }

    /// Skips spaces, tabs, newlines, line continuations and `#` comments.
    mutating func skipWhitespace() {
        while let scalar = current {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0C}" {
                advance()
            } else if scalar == "\\", peek(1) == "\n" || peek(1) == "\r" {
                advance()
            } else if scalar == "#" {
                while let c = current, c != "\n", c != "\r" { advance() }
            } else {
                return
            }
        }
    }

    /// A syntax problem at the cursor: `expected …, found …`.
    func fail(expected: String) -> SpecError {
        failure("expected \(expected), found \(describeCurrent())", line: line, column: column)
    }

    func failure(_ message: String, line: Int, column: Int, fix: String? = nil) -> SpecError {
        SpecError([Problem(field: PythonCallParser.field, message: message, fix: fix, line: line, column: column)])
    }

    /// `'='`, `the name 'foo'`, `end of input`, for messages.
    func describeCurrent() -> String {
        guard let scalar = current else { return "end of input" }
        if Self.isNameStart(scalar) {
            var end = index
            while end < scalars.count, Self.isNameContinue(scalars[end]) { end += 1 }
            var name = ""
            name.unicodeScalars.append(contentsOf: scalars[index..<end])
            return "the name '\(name)'"
        }
        switch scalar {
        case "\n", "\r": return "a line break"
        case "'": return "\"'\""
        default:
            var text = ""
            text.unicodeScalars.append(scalar)
            return "'\(text)'"
        }
    }

    static func isNameStart(_ s: Unicode.Scalar) -> Bool {
        s == "_" || ("a"..."z").contains(s) || ("A"..."Z").contains(s)
    }

    static func isNameContinue(_ s: Unicode.Scalar) -> Bool {
        isNameStart(s) || isDigit(s)
    }

    static func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }

    /// A name `[A-Za-z_][A-Za-z0-9_]*` at the cursor, or nil (cursor unchanged).
    mutating func name() -> String? {
        guard let first = current, Self.isNameStart(first) else { return nil }
        var text = ""
        while let s = current, Self.isNameContinue(s) {
            text.unicodeScalars.append(s)
            advance()
        }
        return text
    }

    /// Extends `name` with `.part`s at the cursor (`vit_pytorch.pit.PiT`).
    mutating func dottedTail(_ name: inout String) {
        while current == ".", let next = peek(1), Self.isNameStart(next) {
            advance()
            name += "." + (self.name() ?? "")
        }
    }

    /// The whole input: one call and nothing after it.
    mutating func call() throws(SpecError) -> PythonCall {
        skipWhitespace()
        let (startLine, startColumn) = (line, column)
        guard var name = name() else {
            throw fail(expected: callExpectation)
        }
        dottedTail(&name)
        skipWhitespace()
        guard current == "(" else { throw fail(expected: "'(' after the class name \(name)") }
        advance()
        var arguments: [PythonArgument] = []
        skipWhitespace()
        while current != ")" {
            arguments.append(try argument())
            skipWhitespace()
            if current == "," {
                advance()
                skipWhitespace()
            } else if current != ")" {
                throw fail(expected: "',' or ')' after an argument")
            }
        }
        advance()
        skipWhitespace()
        if current != nil { throw fail(expected: "end of input after the call's closing ')'") }
        return PythonCall(name: name, line: startLine, column: startColumn, arguments: arguments)
    }

    /// `name=value` or a positional value.
    mutating func argument() throws(SpecError) -> PythonArgument {
        let (startLine, startColumn, startIndex) = (line, column, index)
        if let keyword = name() {
            skipWhitespace()
            if current == "=", peek(1) != "=" {
                advance()
                skipWhitespace()
                return PythonArgument(name: keyword, line: startLine, column: startColumn, value: try value())
            }
            // Not a keyword: rewind and read it as a value (True, False, None).
            (index, line, column) = (startIndex, startLine, startColumn)
        }
        return PythonArgument(name: nil, line: startLine, column: startColumn, value: try value())
    }
}
