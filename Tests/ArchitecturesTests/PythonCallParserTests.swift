import Testing

@testable import Architectures

/// The constructor-call parser: Python literal syntax in, values with positions out.
@Suite("Python call parser")
struct PythonCallParserTests {
    /// The single argument of `F(x=VALUE)`.
    static func value(_ text: String) throws -> PythonValue {
        let call = try PythonCallParser.parse("F(x=\(text))")
        return try #require(call.arguments.first).value
    }

    /// The problem descriptions parsing `text` gives; empty when it parses.
    static func problems(_ text: String) -> [String] {
        do {
            _ = try PythonCallParser.parse(text)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func parsesACallWithPositions() throws {
        let call = try PythonCallParser.parse("  vit_pytorch.pit.PiT(\n    image_size = 224,  # the input\n    depth=(3, 3, 3),\n)")
        #expect(call.name == "vit_pytorch.pit.PiT")
        #expect((call.line, call.column) == (1, 3))
        #expect(call.arguments.map(\.name) == ["image_size", "depth"])
        #expect(call.arguments.map { [$0.line, $0.column, $0.value.line, $0.value.column] } == [[2, 5, 2, 18], [3, 5, 3, 11]])
        #expect(call.rendered == "vit_pytorch.pit.PiT(image_size=224, depth=(3, 3, 3))")
    }

    @Test(arguments: [
        // (literal, rendered back)
        ("224", "224"), ("-3", "-3"), ("- 3", "-3"), ("+5", "5"), ("1_000", "1000"), ("0x1F", "31"), ("0o17", "15"),
        ("0b101", "5"), ("0", "0"), ("00", "0"), ("--2", "2"), ("0.1", "0.1"), (".5", ".5"), ("1.", "1."), ("1e-3", "1e-3"),
        ("-2.5E+2", "-2.5E+2"), ("1_0.5", "10.5"), ("'cls'", "'cls'"), ("\"mean\"", "'mean'"), (#"'it\'s'"#, #""it's""#),
        ("True", "True"), ("False", "False"), ("None", "None"), ("(7)", "7"), ("((7))", "7"), ("(7,)", "(7,)"), ("()", "()"),
        ("(3, 3, 3)", "(3, 3, 3)"), ("[1, 2,]", "[1, 2]"), ("((7, 4), (3, 2),)", "((7, 4), (3, 2))"), ("[(1, [2]), ()]", "[(1, [2]), ()]"),
        ("99999999999999999999", "99999999999999999999"),
    ])
    func literals(_ literal: String, _ rendered: String) throws {
        #expect(try Self.value(literal).rendered == rendered)
    }

    @Test func valueKinds() throws {
        #expect(try Self.value("-3").kind == .int(-3))
        #expect(try Self.value("0x10").kind == .int(16))
        #expect(try Self.value("1e-3").kind == .float(0.001))
        #expect(try Self.value("99999999999999999999").kind == .int(nil))
        #expect(try Self.value("-9223372036854775808").kind == .int(nil))
        #expect(try Self.value(#"'a\nb\\'"#).kind == .string("a\nb\\"))
        #expect(try Self.value("(1,)").kind == .tuple([PythonValue(.int(1), literal: "1", line: 1, column: 6)]))
        #expect(try Self.value("[]").kind == .list([]))
    }

    @Test(arguments: [
        ("ViT(image_size=256", "call (line 1, column 19): expected ',' or ')' after an argument, found end of input"),
        ("ViT(dim=64*4)", "call (line 1, column 11): expected ',' or ')' after an argument, found '*'"),
        (
            "ViT(dim=width)",
            "call (line 1, column 9): expected a value (a number, a string, True, False, None, a tuple or a list), "
                + "found the name 'width'; only literal values can be read; write the value itself instead of a variable or expression"
        ),
        ("ViT(dim=007)", "call (line 1, column 9): invalid number 007: leading zeros are not allowed in Python integers; write 7"),
        ("ViT(dim=1__0)", "call (line 1, column 9): invalid number 1__0: not a Python number literal"),
        ("ViT(dim=12px)", "call (line 1, column 9): invalid number 12px: not a Python number literal"),
        ("ViT(dim=0xZZ)", "call (line 1, column 9): invalid number 0xZZ: not a base-16 integer"),
        ("ViT(pool='cls)", "call (line 1, column 10): unterminated string; close it with the same quote it opens with, on the same line"),
        ("ViT(depth=(1, 2)", "call (line 1, column 17): expected ',' or ')' after an argument, found end of input"),
        ("ViT(depth=(1, 2 3))", "call (line 1, column 17): expected ',' or ')' in the tuple opened at line 1, column 11, found '3'"),
        ("ViT(depth=[1, 2)", "call (line 1, column 16): expected ',' or ']' in the list opened at line 1, column 11, found ')'"),
        ("ViT(dim=-)", "call (line 1, column 10): expected a number after '-', found ')'"),
        ("ViT(,)", "call (line 1, column 5): expected a value (a number, a string, True, False, None, a tuple or a list), found ','"),
        ("ViT(dim={})", "call (line 1, column 9): expected a value (a number, a string, True, False, None, a tuple or a list), found '{'"),
        ("ViT() extra", "call (line 1, column 7): expected end of input after the call's closing ')', found the name 'extra'"),
        ("ViT dim=1", "call (line 1, column 5): expected '(' after the class name ViT, found the name 'dim'"),
        ("123", "call (line 1, column 1): expected a vit-pytorch class name such as ViT, PiT, T2TViT or CvT, found '1'"),
        ("", "call (line 1, column 1): expected a vit-pytorch class name such as ViT, PiT, T2TViT or CvT, found end of input"),
        ("ViT(\n  dim=64,\n  depth=6 6)", "call (line 3, column 11): expected ',' or ')' after an argument, found '6'"),
        ("ViT(x=" + String(repeating: "(", count: 33) + ")", "call (line 1, column 39): tuples and lists nest more than 32 deep"),
    ])
    func syntaxErrors(_ text: String, _ expected: String) {
        #expect(Self.problems(text) == [expected])
    }

    /// Long runs of signs or digits are read in linear time without deep recursion.
    @Test func longLiteralsStayCheap() throws {
        let signs = String(repeating: "-", count: 90_000)
        #expect(try Self.value(signs + "3").kind == .int(3))
        #expect(try Self.value("-" + signs + "3").kind == .int(-3))
        let digits = String(repeating: "9", count: 90_000)
        #expect(try Self.value(digits).kind == .int(nil))
        #expect(
            Self.problems("F(x=0" + digits + ")") == [
                "call (line 1, column 5): invalid number 0999999999999999999999999999999999999999…: "
                    + "leading zeros are not allowed in Python integers"
            ])
    }

    @Test func overlongCallsAreRejectedWithoutParsing() {
        let text = "ViT(dim=" + String(repeating: "1", count: PythonCallParser.maxLength) + ")"
        #expect(Self.problems(text) == ["call: is 100009 characters long; at most 100000 are accepted"])
    }
}
