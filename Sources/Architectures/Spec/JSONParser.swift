import JSONOutput

/// A strict RFC 8259 JSON parser that records where every value and key starts.
///
/// Syntax errors throw a ``SpecError`` holding one ``Problem`` that says what was expected
/// and what was found, at a 1-based line and column (columns count Unicode scalars).
/// Duplicate object keys are rejected too, all of them reported together.
public enum JSONParser {
    /// How deeply arrays and objects may nest.
    public static let maxDepth = 200

    /// Parses `text` as one JSON value.
    public static func parse(_ text: String) throws(SpecError) -> JSONValue {
        try parse(bytes: Array(text.utf8))
    }

    /// Parses UTF-8 `bytes` (a leading byte-order mark is skipped) as one JSON value.
    public static func parse(bytes: [UInt8]) throws(SpecError) -> JSONValue {
        let (value, duplicates) = try parseKeepingFirstKeys(bytes: bytes)
        guard duplicates.isEmpty else { throw SpecError(duplicates) }
        return value
    }

    /// Parses `bytes`, keeping the first of duplicated keys and returning a problem for each later one.
    static func parseKeepingFirstKeys(bytes: [UInt8]) throws(SpecError) -> (JSONValue, [Problem]) {
        var scanner = JSONScanner(bytes: bytes)
        let value = try scanner.parseValue(expected: "a value")
        scanner.skipWhitespace()
        if scanner.current != nil { throw scanner.fail(expected: "end of input after the top-level value") }
        return (value, scanner.duplicates)
    }
}

/// The parser's cursor: position, nesting and the path of the value being read.
struct JSONScanner {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var column = 1
    var depth = 0
    var path = JSONPath()
    var duplicates: [Problem] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
    }

    /// The byte under the cursor, or nil at the end.
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The byte after the cursor, or nil.
    var next: UInt8? { index + 1 < bytes.count ? bytes[index + 1] : nil }

    /// Moves past one byte, keeping line and column (in Unicode scalars) up to date.
    mutating func advance() {
        guard index < bytes.count else { return }
        let byte = bytes[index]
        index += 1
        if byte == Byte.newline || (byte == Byte.carriageReturn && current != Byte.newline) {
            line += 1
            column = 1
        } else if byte != Byte.carriageReturn && byte & 0xC0 != 0x80 {
            column += 1
        }
    }

    mutating func skipWhitespace() {
        while let byte = current,
            byte == Byte.space || byte == Byte.tab || byte == Byte.newline || byte == Byte.carriageReturn
        {
            advance()
        }
    }

    /// A one-problem error at the cursor.
    func fail(_ message: String, line: Int? = nil, column: Int? = nil) -> SpecError {
        SpecError([
            Problem(
                field: path.description, message: message,
                line: line ?? self.line, column: column ?? self.column)
        ])
    }

    /// `expected <what>, found <what is under the cursor>`.
    func fail(expected: String, word: Bool = true) -> SpecError {
        fail("expected \(expected), found \(foundHere(word: word))")
    }

    /// Names what is under the cursor: `'x'`, `'True'` (a run of letters), `end of input`, `U+0009`.
    func foundHere(word: Bool = true) -> String {
        guard let byte = current else { return "end of input" }
        if byte == Byte.newline || byte == Byte.carriageReturn { return "a line break" }
        if word && Byte.isLetter(byte) {
            let run = bytes[index...].prefix { Byte.isLetter($0) || Byte.isDigit($0) || $0 == Byte.underscore }
            let text = String(decoding: run.prefix(20), as: UTF8.self)
            return "'" + text + (run.count > 20 ? "…" : "") + "'"
        }
        if byte >= 0x20 && byte < 0x7F { return "'" + String(Unicode.Scalar(byte)) + "'" }
        if byte < 0x80 { return "U+" + JSONText.hex4(UInt32(byte)) }
        if let scalar = scalarHere() { return "'" + scalar + "'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" : "") + hex
    }

    /// The valid UTF-8 sequence of one scalar starting at the cursor, as text.
    func scalarHere() -> String? {
        guard let byte = current else { return nil }
        let length = Byte.sequenceLength(lead: byte)
        guard length > 0, index + length <= bytes.count else { return nil }
        return String(validating: bytes[index..<(index + length)], as: UTF8.self)
    }

    /// Parses a value after optional whitespace; `expected` names it in an error.
    mutating func parseValue(expected: String) throws(SpecError) -> JSONValue {
        skipWhitespace()
        let line = line, column = column
        guard let byte = current else { throw fail(expected: expected) }
        let kind: JSONValue.Kind
        switch byte {
        case Byte.openBrace: kind = try parseObject()
        case Byte.openBracket: kind = try parseArray()
        case Byte.quote: kind = .string(try parseString())
        case Byte.minus, Byte.zero...Byte.nine: kind = .number(try parseNumber())
        case UInt8(ascii: "t"): try parseLiteral("true", expected: expected); kind = .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false", expected: expected); kind = .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null", expected: expected); kind = .null
        default: throw fail(expected: expected)
        }
        return JSONValue(kind, line: line, column: column)
    }

    private mutating func parseLiteral(_ word: String, expected: String) throws(SpecError) {
        let end = index + word.utf8.count
        let follows = end < bytes.count ? bytes[end] : nil
        guard end <= bytes.count, bytes[index..<end].elementsEqual(word.utf8),
            follows.map({ !Byte.isLetter($0) && !Byte.isDigit($0) && $0 != Byte.underscore }) ?? true
        else { throw fail(expected: expected) }
        for _ in 0..<word.utf8.count { advance() }
    }

    private mutating func enterNesting() throws(SpecError) {
        depth += 1
        if depth > JSONParser.maxDepth {
            throw fail("expected at most \(JSONParser.maxDepth) levels of nested arrays and objects, found more")
        }
    }

    private mutating func parseObject() throws(SpecError) -> JSONValue.Kind {
        try enterNesting()
        advance()
        var members: [JSONMember] = []
        var firstSeen: [String: (line: Int, column: Int)] = [:]
        var expectation = "a string key or '}'"
        skipWhitespace()
        if current == Byte.closeBrace {
            advance()
            depth -= 1
            return .object([])
        }
        while true {
            skipWhitespace()
            guard current == Byte.quote else { throw fail(expected: expectation) }
            let keyLine = line, keyColumn = column
            let key = try parseString()
            skipWhitespace()
            guard current == Byte.colon else { throw fail(expected: "':' after object key") }
            advance()
            let outer = path
            path = outer.key(key)
            let value = try parseValue(expected: "a value")
            if let first = firstSeen[key] {
                duplicates.append(
                    Problem(
                        field: path.description,
                        message: "duplicate key \(JSONText.quoted(key)) (first at line \(first.line), column \(first.column))",
                        fix: "remove one of them", line: keyLine, column: keyColumn))
            } else {
                firstSeen[key] = (keyLine, keyColumn)
                members.append(JSONMember(key: key, keyLine: keyLine, keyColumn: keyColumn, value: value))
            }
            path = outer
            skipWhitespace()
            switch current {
            case Byte.comma:
                advance()
                expectation = "a string key after ','"
            case Byte.closeBrace:
                advance()
                depth -= 1
                return .object(members)
            default:
                throw fail(expected: "',' or '}' after object member")
            }
        }
    }

    private mutating func parseArray() throws(SpecError) -> JSONValue.Kind {
        try enterNesting()
        advance()
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == Byte.closeBracket {
            advance()
            depth -= 1
            return .array([])
        }
        let outer = path
        while true {
            path = outer.index(elements.count)
            elements.append(try parseValue(expected: elements.isEmpty ? "a value or ']'" : "a value after ','"))
            path = outer
            skipWhitespace()
            switch current {
            case Byte.comma:
                advance()
            case Byte.closeBracket:
                advance()
                depth -= 1
                return .array(elements)
            default:
                throw fail(expected: "',' or ']' after array element")
            }
        }
    }
}
