/// A JSON value of a safetensors header, as ``HeaderReader`` reads it.
///
/// The backend reads weight files without the spec decoder's JSON parser (that lives with the
/// model descriptions, which the backend does not depend on); a header needs only this much.
enum HeaderValue {
    case null
    case bool(Bool)
    /// An integer literal (no fraction, no exponent), `nil` when it does not fit in an `Int`.
    case integer(Int?)
    /// Any other number.
    case number
    case string(String)
    case array([HeaderValue])
    /// Members in header order; keys are unique.
    case object([(key: String, value: HeaderValue)])

    /// The member named `key`, when this is an object that has one.
    subscript(key: String) -> HeaderValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}

/// A strict RFC 8259 JSON reader for safetensors headers; errors name the byte offset.
struct HeaderReader {
    /// How deeply arrays and objects may nest (a header nests three deep).
    static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    /// Reads `bytes` as exactly one JSON value.
    /// - Throws: a message saying what was expected and where.
    static func parse(_ bytes: [UInt8]) throws(HeaderError) -> HeaderValue {
        var reader = HeaderReader(bytes: bytes)
        let value = try reader.value()
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.fail("the end of the header after its value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func fail(_ expected: String) -> HeaderError {
        let found = current.map { $0 >= 0x20 && $0 < 0x7F ? "'\(Character(Unicode.Scalar($0)))'" : "byte \($0)" } ?? "the end"
        return HeaderError(message: "expected \(expected) at byte \(index), found \(found)")
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ literal: String) throws(HeaderError) {
        for byte in literal.utf8 {
            guard current == byte else { throw fail("'\(literal)'") }
            index += 1
        }
    }

    private mutating func value() throws(HeaderError) -> HeaderValue {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): return try container { (reader: inout HeaderReader) throws(HeaderError) in try reader.object() }
        case UInt8(ascii: "["): return try container { (reader: inout HeaderReader) throws(HeaderError) in try reader.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
            return try number()
        default: throw fail("a value")
        }
    }

    private mutating func container(_ body: (inout HeaderReader) throws(HeaderError) -> HeaderValue) throws(HeaderError) -> HeaderValue {
        guard depth < Self.maxDepth else { throw fail("at most \(Self.maxDepth) nested arrays and objects") }
        depth += 1
        defer { depth -= 1 }
        index += 1
        return try body(&self)
    }

    private mutating func object() throws(HeaderError) -> HeaderValue {
        var members: [(key: String, value: HeaderValue)] = []
        var keys: Set<String> = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object([]) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw fail("a string key") }
            let start = index
            let key = try string()
            guard keys.insert(key).inserted else {
                throw HeaderError(message: "the key \"\(key)\" at byte \(start) appears twice in one object")
            }
            skipWhitespace()
            try expect(":")
            members.append((key, try value()))
            skipWhitespace()
            if current == UInt8(ascii: "}") { index += 1; return .object(members) }
            guard current == UInt8(ascii: ",") else { throw fail("',' or '}'") }
            index += 1
        }
    }

    private mutating func array() throws(HeaderError) -> HeaderValue {
        var elements: [HeaderValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array([]) }
        while true {
            elements.append(try value())
            skipWhitespace()
            if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
            guard current == UInt8(ascii: ",") else { throw fail("',' or ']'") }
            index += 1
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(HeaderError) -> HeaderValue {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        func digits(_ reader: inout HeaderReader) -> Int {
            let from = reader.index
            while let byte = reader.current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { reader.index += 1 }
            return reader.index - from
        }
        let leadingZero = current == UInt8(ascii: "0")
        let whole = digits(&self)
        guard whole > 0 else { throw fail("a digit") }
        if leadingZero && whole > 1 { throw HeaderError(message: "the number at byte \(start) has a leading zero") }
        var integer = true
        if current == UInt8(ascii: ".") {
            index += 1
            integer = false
            guard digits(&self) > 0 else { throw fail("a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            integer = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("a digit in the exponent") }
        }
        guard integer else { return .number }
        return .integer(Int(String(decoding: bytes[start..<index], as: UTF8.self)))
    }
}

extension HeaderReader {
    /// A string literal from its opening quote: escapes decoded, raw control characters and
    /// unpaired surrogates rejected.
    private mutating func string() throws(HeaderError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = index
        func flush(_ reader: HeaderReader) throws(HeaderError) {
            let raw = reader.bytes[run..<reader.index], text = String(decoding: raw, as: UTF8.self)
            guard text.utf8.elementsEqual(raw) else {
                throw HeaderError(message: "the string ending at byte \(reader.index) is not valid UTF-8")
            }
            scalars.append(contentsOf: text.unicodeScalars)
        }
        while true {
            guard let byte = current else { throw fail("'\"' to close the string") }
            if byte == UInt8(ascii: "\"") {
                try flush(self)
                index += 1
                return String(scalars)
            }
            guard byte >= 0x20 else { throw fail("an escaped control character in a string") }
            guard byte == UInt8(ascii: "\\") else { index += 1; continue }
            try flush(self)
            index += 1
            let escape = current
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
            default:
                index -= 1
                throw fail("an escape (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX)")
            }
            run = index
        }
    }

    /// The scalar of `XXXX` after `\u`, joining a surrogate pair `\uD8XX\uDCXX`.
    private mutating func unicodeEscape() throws(HeaderError) -> Unicode.Scalar {
        let high = try hex4()
        if (0xDC00...0xDFFF).contains(high) { throw fail("a high surrogate before a low one") }
        guard (0xD800...0xDBFF).contains(high) else { return Unicode.Scalar(high) ?? "\u{FFFD}" }
        try expect("\\u")
        let low = try hex4()
        guard (0xDC00...0xDFFF).contains(low) else { throw fail("a low surrogate after a high one") }
        return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}"
    }

    private mutating func hex4() throws(HeaderError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = UInt32(String(Unicode.Scalar(byte)), radix: 16) else {
                throw fail("four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// A safetensors header that is not valid JSON.
struct HeaderError: Error {
    let message: String
}
