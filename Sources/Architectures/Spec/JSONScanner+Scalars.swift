import JSONOutput

/// Strings and numbers: the scalar parts of the JSON grammar.
extension JSONScanner {
    /// Parses a string literal at the cursor (which is on its opening quote).
    mutating func parseString() throws(SpecError) -> String {
        let startLine = line, startColumn = column
        advance()
        var buffer: [UInt8] = []
        while true {
            guard let byte = current, byte != Byte.newline, byte != Byte.carriageReturn else {
                throw fail(expected: "'\"' to close the string that starts at line \(startLine), column \(startColumn)")
            }
            switch byte {
            case Byte.quote:
                advance()
                return String(decoding: buffer, as: UTF8.self)
            case Byte.backslash:
                try parseEscape(into: &buffer)
            case ..<0x20:
                throw fail(expected: "a printable character or an escape sequence in the string")
            case ..<0x80:
                buffer.append(byte)
                advance()
            default:
                guard scalarHere() != nil else { throw fail(expected: "UTF-8 text") }
                let length = Byte.sequenceLength(lead: byte)
                buffer.append(contentsOf: bytes[index..<(index + length)])
                for _ in 0..<length { advance() }
            }
        }
    }

    /// Parses one escape sequence at the cursor (on the backslash), appending its UTF-8 bytes.
    private mutating func parseEscape(into buffer: inout [UInt8]) throws(SpecError) {
        let escapeLine = line, escapeColumn = column
        advance()
        guard let byte = current else { throw fail(expected: "an escape character after '\\'") }
        if let unescaped = Byte.unescaped(byte) {
            buffer.append(unescaped)
            advance()
            return
        }
        guard byte == UInt8(ascii: "u") else {
            throw fail(expected: "an escape character (one of \" \\ / b f n r t u) after '\\'", word: false)
        }
        advance()
        var value = try parseHex4()
        if (0xDC00...0xDFFF).contains(value) {
            throw fail(
                "expected a character or a high surrogate, found the unpaired low surrogate \\u\(JSONText.hex4(value))",
                line: escapeLine, column: escapeColumn)
        }
        if (0xD800...0xDBFF).contains(value) {
            let high = value
            let lowLine = line, lowColumn = column
            let expectation = "a low surrogate (\\uDC00 to \\uDFFF) after the high surrogate \\u\(JSONText.hex4(high))"
            guard current == Byte.backslash, next == UInt8(ascii: "u") else {
                throw fail(expected: expectation, word: false)
            }
            advance()
            advance()
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw fail("expected \(expectation), found \\u\(JSONText.hex4(low))", line: lowLine, column: lowColumn)
            }
            value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw fail("expected a Unicode scalar, found \\u\(JSONText.hex4(value))", line: escapeLine, column: escapeColumn)
        }
        buffer.append(contentsOf: scalar.utf8)
    }

    /// Four hex digits after `\u`.
    private mutating func parseHex4() throws(SpecError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = Byte.hexValue(byte) else {
                throw fail(expected: "4 hex digits after '\\u'", word: false)
            }
            value = value * 16 + digit
            advance()
        }
        return value
    }

    /// Parses a number at the cursor: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func parseNumber() throws(SpecError) -> JSONNumber {
        let start = index
        var isInteger = true
        if current == Byte.minus { advance() }
        guard let first = current, Byte.isDigit(first) else { throw fail(expected: "a digit after '-'") }
        advance()
        if first == Byte.zero, let byte = current, Byte.isDigit(byte) {
            throw fail(expected: "'.', 'e' or the end of the number after a leading 0")
        }
        skipDigits()
        if current == Byte.dot {
            isInteger = false
            advance()
            guard let byte = current, Byte.isDigit(byte) else { throw fail(expected: "a digit after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            advance()
            if current == UInt8(ascii: "+") || current == Byte.minus { advance() }
            guard let byte = current, Byte.isDigit(byte) else { throw fail(expected: "a digit in the exponent") }
            skipDigits()
        }
        let digits = bytes[start..<index]
        let literal = String(decoding: digits, as: UTF8.self)
        return JSONNumber(
            literal: literal, isInteger: isInteger,
            intValue: isInteger ? Self.exactInteger(digits) : nil,
            doubleValue: Double(literal) ?? .nan)
    }

    private mutating func skipDigits() {
        while let byte = current, Byte.isDigit(byte) { advance() }
    }

    /// The value of an integer literal, or nil when it does not fit in `Int`.
    private static func exactInteger(_ literal: ArraySlice<UInt8>) -> Int? {
        let negative = literal.first == Byte.minus
        var value = 0
        for byte in literal where Byte.isDigit(byte) {
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let digit = Int(byte - Byte.zero)
            let (sum, overflowB) =
                negative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            if overflowA || overflowB { return nil }
            value = sum
        }
        return value
    }
}

/// The bytes the JSON grammar is written in.
enum Byte {
    static let tab: UInt8 = 0x09, newline: UInt8 = 0x0A, carriageReturn: UInt8 = 0x0D, space: UInt8 = 0x20
    static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ","),
        colon = UInt8(ascii: ":"), minus = UInt8(ascii: "-"), dot = UInt8(ascii: "."),
        zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9"), underscore = UInt8(ascii: "_")
    static let openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}"),
        openBracket = UInt8(ascii: "["), closeBracket = UInt8(ascii: "]")

    static func isDigit(_ byte: UInt8) -> Bool { (zero...nine).contains(byte) }

    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// The byte a one-character escape `\c` stands for, or nil when `c` is not one.
    static func unescaped(_ byte: UInt8) -> UInt8? {
        switch byte {
        case quote, backslash, UInt8(ascii: "/"): byte
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): newline
        case UInt8(ascii: "r"): carriageReturn
        case UInt8(ascii: "t"): tab
        default: nil
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case zero...nine: UInt32(byte - zero)
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// How many bytes a UTF-8 sequence starting with `lead` has; 0 when `lead` cannot start one.
    static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }
}
