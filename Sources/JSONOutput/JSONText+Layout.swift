extension JSONText {
    /// How ``JSONText/rendered(_:)`` lays text out: indentation, separators, which arrays stay on
    /// one line, and what stands for numbers JSON cannot write.
    public struct Layout: Sendable, Equatable {
        /// The indent of one nesting level, or `nil` to write everything on one line.
        public var indent: String?
        /// Between the items of a container written on one line (`", "`).
        public var separator: String
        /// Between an object key and its value (`": "`).
        public var keySeparator: String
        /// Which arrays stay on one line when the text is indented.
        public var inlineArrays: InlineArrays
        /// What an infinite or NaN double is written as.
        public var nonFinite: NonFinite

        public init(
            indent: String? = "  ", separator: String = ", ", keySeparator: String = ": ",
            inlineArrays: InlineArrays = .scalars, nonFinite: NonFinite = .null
        ) {
            self.indent = indent
            self.separator = separator
            self.keySeparator = keySeparator
            self.inlineArrays = inlineArrays
            self.nonFinite = nonFinite
        }

        /// Two-space indents, arrays of scalars on one line, `null` for non-finite doubles: the
        /// reports and every `--format json`.
        public static let pretty = Layout()
        /// One line, with a space after every comma and colon.
        public static let singleLine = Layout(indent: nil)
        /// One line without any spaces: `{"a":[1,2]}` (safetensors headers).
        public static let tight = Layout(indent: nil, separator: ",", keySeparator: ":")
    }

    /// Which arrays an indented layout keeps on one line.
    public enum InlineArrays: Sendable, Equatable {
        /// Arrays whose elements are all scalars (numbers, strings, booleans, null).
        case scalars
        /// Arrays whose elements are all integers.
        case integers

        func keepsOnOneLine(_ element: JSONText) -> Bool {
            switch self {
            case .scalars: element.isScalar
            case .integers: if case .int = element { true } else { false }
            }
        }
    }

    /// What an infinite or NaN double is written as; JSON has neither.
    public enum NonFinite: Sendable, Equatable {
        /// `null` for all of them.
        case null
        /// `1e999` and `-1e999` for the infinities (numbers that overflow when read back, so a
        /// strict reader rejects them), `null` for NaN.
        case overflowingNumbers

        /// `value` in shortest round-trip form (`4.0`, `0.5`, `1e-06`), or its stand-in.
        func literal(_ value: Double) -> String {
            if value.isFinite { return value.description }
            switch self {
            case .null: return "null"
            case .overflowingNumbers: return value.isNaN ? "null" : value < 0 ? "-1e999" : "1e999"
            }
        }
    }
}
