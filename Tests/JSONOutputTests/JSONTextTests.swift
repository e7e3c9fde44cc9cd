import JSONOutput
import Testing

/// The one JSON writer, in each layout the package writes, exactly.
@Suite struct JSONTextTests {
    /// Computed, not stored: stored as a static, this value's storage was reported as leaked by
    /// `swift test --sanitize=address` (its leak checker found no reference to it).
    static var value: JSONText {
        JSONText.object([
            ("name", .string("a\"b\\c\n\u{1}")), ("ints", .array([.int(1), .int(-2)])), ("mixed", .array([.int(1), .string("x")])),
            ("nested", .array([.object([("d", .double(0.5))]), .array([])])), ("empty", .object([])),
            ("flags", .array([.bool(true), .bool(false), .null])), ("inf", .double(.infinity)), ("nan", .double(.nan)),
        ])
    }

    @Test func pretty() {
        #expect(
            Self.value.rendered() == """
                {
                  "name": "a\\"b\\\\c\\n\\u0001",
                  "ints": [1, -2],
                  "mixed": [1, "x"],
                  "nested": [
                    {
                      "d": 0.5
                    },
                    []
                  ],
                  "empty": {},
                  "flags": [true, false, null],
                  "inf": null,
                  "nan": null
                }
                """)
        #expect(Self.value.rendered(.pretty) == Self.value.rendered())
    }

    @Test func specFileLayout() {
        let layout = JSONText.Layout(inlineArrays: .integers, nonFinite: .overflowingNumbers)
        #expect(
            Self.value.rendered(layout) == """
                {
                  "name": "a\\"b\\\\c\\n\\u0001",
                  "ints": [1, -2],
                  "mixed": [
                    1,
                    "x"
                  ],
                  "nested": [
                    {
                      "d": 0.5
                    },
                    []
                  ],
                  "empty": {},
                  "flags": [
                    true,
                    false,
                    null
                  ],
                  "inf": 1e999,
                  "nan": null
                }
                """)
        #expect(JSONText.double(-.infinity).rendered(layout) == "-1e999")
    }

    @Test func oneLine() {
        let value = JSONText.object([("a", .array([.int(1), .int(2)])), ("b", .object([("c", .string("d"))])), ("e", .double(1e-06))])
        #expect(value.rendered(compact: true) == "{\"a\": [1, 2], \"b\": {\"c\": \"d\"}, \"e\": 1e-06}")
        #expect(value.rendered(.singleLine) == value.rendered(compact: true))
        #expect(value.rendered(.tight) == "{\"a\":[1,2],\"b\":{\"c\":\"d\"},\"e\":1e-06}")
    }

    @Test func quoting() {
        #expect(JSONText.quoted("tab\there\r\u{08}\u{0C}é") == "\"tab\\there\\r\\b\\fé\"")
        #expect(JSONText.hex4(0x1F) == "001F")
        #expect(JSONText.hex4(0xABCDE) == "ABCDE")
    }
}
