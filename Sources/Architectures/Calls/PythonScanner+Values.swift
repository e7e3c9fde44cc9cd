/// Literal values: numbers, strings, constants, tuples and lists.
extension PythonScanner {
    static let valueExpectation = "a value (a number, a string, True, False, None, a tuple or a list)"

    /// One literal value at the cursor.
    mutating func value() throws(SpecError) -> PythonValue {
        let (startLine, startColumn) = (line, column)
        guard let scalar = current else { throw fail(expected: Self.valueExpectation) }
        switch scalar {
        case "(", "[":
            return try sequence(open: scalar)
        case "'", "\"":
            return PythonValue(.string(try string()), line: startLine, column: startColumn)
        case "-", "+":
            // Signs are read in a loop (not by recursion), so a long run of them cannot exhaust the stack.
            var negative = false
            while let sign = current, sign == "-" || sign == "+" {
                if sign == "-" { negative.toggle() }
                let symbol = sign
                advance()
                skipWhitespace()
                guard let next = current, Self.isDigit(next) || next == "." || next == "-" || next == "+" else {
                    throw fail(expected: "a number after '\(symbol)'")
                }
            }
            var number = try number()
            (number.line, number.column) = (startLine, startColumn)
            guard negative else { return number }
            number.literal = "-" + number.literal
            switch number.kind {
            case .int(let value): number.kind = .int(value.flatMap { $0 == .min ? nil : -$0 })
            case .float(let value): number.kind = .float(-value)
            default: break
            }
            return number
        case _ where Self.isDigit(scalar) || (scalar == "." && peek(1).map(Self.isDigit) == true):
            return try number()
        default:
            if var word = name() {
                switch word {
                case "True": return PythonValue(.bool(true), line: startLine, column: startColumn)
                case "False": return PythonValue(.bool(false), line: startLine, column: startColumn)
                case "None": return PythonValue(.none, line: startLine, column: startColumn)
                case _ where namesAreValues:
                    dottedTail(&word)
                    return PythonValue(.name(word), line: startLine, column: startColumn)
                default:
                    throw failure(
                        "expected \(Self.valueExpectation), found the name '\(word)'", line: startLine, column: startColumn,
                        fix: "only literal values can be read; write the value itself instead of a variable or expression")
                }
            }
            throw fail(expected: Self.valueExpectation)
        }
    }

    /// `(…)` or `[…]`: a tuple, a list, or a parenthesised value (`(7)` is 7, `(7,)` a tuple).
    private mutating func sequence(open: Unicode.Scalar) throws(SpecError) -> PythonValue {
        let (startLine, startColumn) = (line, column)
        let close: Unicode.Scalar = open == "(" ? ")" : "]"
        depth += 1
        defer { depth -= 1 }
        if depth > PythonCallParser.maxDepth {
            throw failure("tuples and lists nest more than \(PythonCallParser.maxDepth) deep", line: startLine, column: startColumn)
        }
        advance()
        skipWhitespace()
        var elements: [PythonValue] = []
        var sawComma = false
        while current != close {
            elements.append(try value())
            skipWhitespace()
            if current == "," {
                sawComma = true
                advance()
                skipWhitespace()
            } else if current != close {
                throw fail(
                    expected:
                        "',' or '\(close)' in the \(open == "(" ? "tuple" : "list") opened at line \(startLine), column \(startColumn)")
            }
        }
        advance()
        if open == "(", elements.count == 1, !sawComma { return elements[0] }
        return PythonValue(open == "(" ? .tuple(elements) : .list(elements), line: startLine, column: startColumn)
    }

    /// A quoted string; the cursor is on the opening quote.
    private mutating func string() throws(SpecError) -> String {
        let (startLine, startColumn) = (line, column)
        let quote = current
        advance()
        var text = ""
        while let scalar = current, scalar != quote {
            if scalar == "\n" || scalar == "\r" { break }
            advance()
            guard scalar == "\\", let escaped = current else {
                text.unicodeScalars.append(scalar)
                continue
            }
            advance()
            switch escaped {
            case "n": text += "\n"
            case "t": text += "\t"
            case "r": text += "\r"
            case "0": text += "\0"
            case "\\", "'", "\"": text.unicodeScalars.append(escaped)
            default: text.unicodeScalars.append(contentsOf: ["\\", escaped])
            }
        }
        guard current == quote else {
            throw failure(
                "unterminated string", line: startLine, column: startColumn,
                fix: "close it with the same quote it opens with, on the same line")
        }
        advance()
        return text
    }

    /// A number literal: decimal, hexadecimal (`0x`), octal (`0o`) or binary (`0b`) integer, or float.
    private mutating func number() throws(SpecError) -> PythonValue {
        let (startLine, startColumn) = (line, column)
        var literal = ""
        var isHex = false, afterExponent = false, first: Unicode.Scalar?, length = 0
        while let s = current {
            let sign = s == "-" || s == "+"
            guard Self.isNameContinue(s) || s == "." || (sign && afterExponent) else { break }
            if length == 1, first == "0", s == "x" || s == "X" { isHex = true }
            afterExponent = !isHex && (s == "e" || s == "E")
            if length == 0 { first = s }
            length += 1
            literal.unicodeScalars.append(s)
            advance()
        }
        func bad(_ why: String, fix: String? = nil) -> SpecError {
            let shown = length > 40 ? String(literal.prefix(40)) + "…" : literal
            return failure("invalid number \(shown): \(why)", line: startLine, column: startColumn, fix: fix)
        }
        let lower = literal.lowercased()
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
            let digits = String(lower.dropFirst(2))
            guard Self.validUnderscores(digits, leadingAllowed: true), !digits.isEmpty else {
                throw bad("misplaced underscore or no digits")
            }
            let clean = digits.replacing("_", with: "")
            guard clean.allSatisfy({ Int(String($0), radix: radix) != nil }) else {
                throw bad("not a base-\(radix) integer")
            }
            return PythonValue(.int(Int(clean, radix: radix)), literal: literal, line: startLine, column: startColumn)
        }
        let isFloat = lower.contains(".") || (lower.contains("e") && !lower.hasPrefix("0x"))
        let parts = lower.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let mantissa = parts[0], exponent = parts.count > 1 ? parts[1] : nil
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let numeric =
            pieces.count <= 2 && pieces.allSatisfy { Self.validUnderscores($0, leadingAllowed: false) }
            && pieces.allSatisfy { $0.unicodeScalars.allSatisfy { Self.isDigit($0) || $0 == "_" } }
            && !(pieces.count == 2 && pieces[0].isEmpty && pieces[1].isEmpty)
        let exponentOK =
            exponent.map { e in
                let digits = e.hasPrefix("-") || e.hasPrefix("+") ? String(e.dropFirst()) : e
                return !digits.isEmpty && Self.validUnderscores(digits, leadingAllowed: false)
                    && digits.unicodeScalars.allSatisfy { Self.isDigit($0) || $0 == "_" }
            } ?? true
        guard numeric, exponentOK else { throw bad("not a Python number literal") }
        let clean = lower.replacing("_", with: "")
        if isFloat {
            guard let value = Double(clean) else { throw bad("not a Python number literal") }
            return PythonValue(.float(value), literal: literal.replacing("_", with: ""), line: startLine, column: startColumn)
        }
        if clean.count > 1, clean.hasPrefix("0"), clean.contains(where: { $0 != "0" }) {
            throw bad("leading zeros are not allowed in Python integers", fix: length > 40 ? nil : "write \(clean.drop { $0 == "0" })")
        }
        return PythonValue(.int(Int(clean)), literal: literal, line: startLine, column: startColumn)
    }

    /// Underscores only between digits (`1_000`), or right after a base prefix when `leadingAllowed`.
    private static func validUnderscores(_ text: String, leadingAllowed: Bool) -> Bool {
        if text.hasSuffix("_") || text.contains("__") { return false }
        return leadingAllowed || !text.hasPrefix("_")
    }
}
