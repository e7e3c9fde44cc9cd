import Testing

@testable import Architectures

/// Malformed JSON: one problem saying what was expected and found, at the exact position.
extension SpecDecodingTests {
    static let syntaxErrors: [(json: String, problem: String)] = [
        (
            "{\n  \"name\": \"x\"\n  \"family\": \"vit\"\n}",
            #"spec (line 3, column 3): expected ',' or '}' after object member, found '"'"#
        ),
        (
            "{\"name\": \"abc\n}",
            #"name (line 1, column 14): expected '"' to close the string that starts at line 1, column 10, found a line break"#
        ),
        (
            "{\"name\": \"abc",
            #"name (line 1, column 14): expected '"' to close the string that starts at line 1, column 10, found end of input"#
        ),
        (#"{"name": "x",}"#, #"spec (line 1, column 14): expected a string key after ',', found '}'"#),
        (#"{"notes": ["a",]}"#, #"notes[1] (line 1, column 16): expected a value after ',', found ']'"#),
        (
            #"{"name": "a\qb"}"#,
            #"name (line 1, column 13): expected an escape character (one of " \ / b f n r t u) after '\', found 'q'"#
        ),
        (#"{"name": "\u12G4"}"#, #"name (line 1, column 15): expected 4 hex digits after '\u', found 'G'"#),
        (
            #"{"name": "\uDE00"}"#,
            #"name (line 1, column 11): expected a character or a high surrogate, found the unpaired low surrogate \uDE00"#
        ),
        (
            #"{"name": "\uD83Dx"}"#,
            #"name (line 1, column 17): expected a low surrogate (\uDC00 to \uDFFF) after the high surrogate \uD83D, found 'x'"#
        ),
        (
            #"{"name": "\uD83D\u0041"}"#,
            #"name (line 1, column 17): expected a low surrogate (\uDC00 to \uDFFF) after the high surrogate \uD83D, found \u0041"#
        ),
        (#"{"name": "x"} x"#, #"spec (line 1, column 15): expected end of input after the top-level value, found 'x'"#),
        (#"{"name": "x"}{}"#, #"spec (line 1, column 14): expected end of input after the top-level value, found '{'"#),
        (#"{"name": True}"#, #"name (line 1, column 10): expected a value, found 'True'"#),
        (#"{"a": nul}"#, #"a (line 1, column 7): expected a value, found 'nul'"#),
        (#"{"a": truex}"#, #"a (line 1, column 7): expected a value, found 'truex'"#),
        (#"{"a": +1}"#, #"a (line 1, column 7): expected a value, found '+'"#),
        (#"{"name" 1}"#, #"spec (line 1, column 9): expected ':' after object key, found '1'"#),
        (#"{1: 2}"#, #"spec (line 1, column 2): expected a string key or '}', found '1'"#),
        ("", #"spec (line 1, column 1): expected a value, found end of input"#),
        ("  \n ", #"spec (line 2, column 2): expected a value, found end of input"#),
        ("[", #"[0] (line 1, column 2): expected a value or ']', found end of input"#),
        ("[1 2]", #"spec (line 1, column 4): expected ',' or ']' after array element, found '2'"#),
        (#"{"a": 01}"#, #"a (line 1, column 8): expected '.', 'e' or the end of the number after a leading 0, found '1'"#),
        (#"{"a": 1.}"#, #"a (line 1, column 9): expected a digit after '.', found '}'"#),
        (#"{"a": -}"#, #"a (line 1, column 8): expected a digit after '-', found '}'"#),
        (#"{"a": 1e+}"#, #"a (line 1, column 10): expected a digit in the exponent, found '}'"#),
        (
            "{\"a\": \"x\ty\"}",
            #"a (line 1, column 9): expected a printable character or an escape sequence in the string, found U+0009"#
        ),
        (#"{"name": "é", x}"#, #"spec (line 1, column 15): expected a string key after ',', found 'x'"#),
        ("{\r\n  \"a\" 1\r\n}", #"spec (line 2, column 7): expected ':' after object key, found '1'"#),
        ("{\r  \"a\" 1\r}", #"spec (line 2, column 7): expected ':' after object key, found '1'"#),
        (
            #"{"config": {"stages": [{"depth": 1 "x": 2}]}}"#,
            #"config.stages[0] (line 1, column 36): expected ',' or '}' after object member, found '"'"#
        ),
        (#"{"my key": [1, x]}"#, #"["my key"][1] (line 1, column 16): expected a value after ',', found 'x'"#),
    ]

    @Test(arguments: syntaxErrors)
    func reportsSyntaxError(json: String, problem: String) {
        #expect(Self.problems(json) == [problem])
        #expect(throws: SpecError.self) { try JSONParser.parse(json) }
    }

    @Test func reportsInvalidUTF8() {
        func problems(_ bytes: [UInt8]) -> [String] {
            do {
                _ = try SpecDecoder.decode(data: bytes)
                return []
            } catch {
                return error.problems.map(\.description)
            }
        }
        #expect(problems([0x22, 0xFF, 0x22]) == ["spec (line 1, column 2): expected UTF-8 text, found byte 0xFF"])
        #expect(
            problems([0x22, 0x61, 0xE2, 0x82, 0x22])
                == ["spec (line 1, column 3): expected UTF-8 text, found byte 0xE2"])
        #expect(problems([0xFF]) == ["spec (line 1, column 1): expected a value, found byte 0xFF"])
        #expect(
            problems([0xEF, 0xBB, 0xBF] + Array("[".utf8))
                == ["[0] (line 1, column 2): expected a value or ']', found end of input"])
    }

    @Test func capsNesting() throws {
        let deepest = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        var value = try JSONParser.parse(deepest)
        for _ in 1..<200 {
            guard case .array(let elements) = value.kind, let first = elements.first else { break }
            value = first
        }
        #expect(value == JSONValue(.array([]), line: 1, column: 200))

        let tooDeep = String(repeating: "[", count: 100_000)
        #expect(
            throws: SpecError([
                Problem(
                    field: String(repeating: "[0]", count: 200),
                    message: "expected at most 200 levels of nested arrays and objects, found more", line: 1, column: 201)
            ])
        ) {
            try JSONParser.parse(tooDeep)
        }
    }

    @Test func recordsPositionsAndKeyOrder() throws {
        let value = try JSONParser.parse("{\n  \"b\": [1, -2.5e3, \"x\"],\n  \"a\": null,\n  \"c\": {}\n}")
        let number = { (literal: String, isInteger: Bool, int: Int?, double: Double) in
            JSONValue.Kind.number(JSONNumber(literal: literal, isInteger: isInteger, intValue: int, doubleValue: double))
        }
        #expect(
            value
                == JSONValue(
                    .object([
                        JSONMember(
                            key: "b", keyLine: 2, keyColumn: 3,
                            value: JSONValue(
                                .array([
                                    JSONValue(number("1", true, 1, 1), line: 2, column: 9),
                                    JSONValue(number("-2.5e3", false, nil, -2500), line: 2, column: 12),
                                    JSONValue(.string("x"), line: 2, column: 20),
                                ]), line: 2, column: 8)),
                        JSONMember(key: "a", keyLine: 3, keyColumn: 3, value: JSONValue(.null, line: 3, column: 8)),
                        JSONMember(key: "c", keyLine: 4, keyColumn: 3, value: JSONValue(.object([]), line: 4, column: 8)),
                    ]), line: 1, column: 1))
        #expect(value["a"] == JSONValue(.null, line: 3, column: 8))
        #expect(value["z"] == nil)
    }

    @Test func keepsLargeIntegersWithoutTrapping() throws {
        let value = try JSONParser.parse("[99999999999999999999, -9223372036854775808, 9223372036854775807, 1e400, -0]")
        guard case .array(let numbers) = value.kind else { Issue.record("not an array"); return }
        let parsed = numbers.compactMap { element -> JSONNumber? in
            if case .number(let number) = element.kind { number } else { nil }
        }
        #expect(
            parsed == [
                JSONNumber(literal: "99999999999999999999", isInteger: true, intValue: nil, doubleValue: 1e20),
                JSONNumber(literal: "-9223372036854775808", isInteger: true, intValue: Int.min, doubleValue: -0x1p63),
                JSONNumber(literal: "9223372036854775807", isInteger: true, intValue: Int.max, doubleValue: 0x1p63),
                JSONNumber(literal: "1e400", isInteger: false, intValue: nil, doubleValue: .infinity),
                JSONNumber(literal: "-0", isInteger: true, intValue: 0, doubleValue: -0.0),
            ])
    }

    @Test func rejectsDuplicateKeys() {
        #expect(
            throws: SpecError([
                Problem(
                    field: "b.c", message: #"duplicate key "c" (first at line 1, column 16)"#, fix: "remove one of them",
                    line: 1, column: 24),
                Problem(
                    field: "a", message: #"duplicate key "a" (first at line 1, column 2)"#, fix: "remove one of them",
                    line: 1, column: 33),
            ])
        ) {
            try JSONParser.parse(#"{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}"#)
        }
    }
}
