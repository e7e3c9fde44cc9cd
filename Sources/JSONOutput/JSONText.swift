/// A JSON value to be written, with object members kept in the order given so output is stable.
///
/// This is the package's one JSON writer: reports, `--format json` output, spec files and
/// safetensors headers are all built as a `JSONText` and rendered with a ``Layout``. It lives in
/// a module of its own, with no dependencies, so that every other module — `CPUBackend` and
/// `Architectures` included — can import it without importing anything else.
public indirect enum JSONText: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONText])
    case object([(String, JSONText)])

    /// Two values are equal when they render to the same pretty-printed text.
    public static func == (lhs: JSONText, rhs: JSONText) -> Bool { lhs.rendered() == rhs.rendered() }

    /// The value as JSON text; pretty-printed with two-space indents unless `compact`, which puts
    /// it on one line with a space after every comma and colon.
    public func rendered(compact: Bool = false) -> String {
        rendered(compact ? .singleLine : .pretty)
    }

    /// The value as JSON text, laid out as `layout` says.
    public func rendered(_ layout: Layout) -> String {
        var out = ""
        write(into: &out, layout: layout, level: 0)
        return out
    }

    private func write(into out: inout String, layout: Layout, level: Int) {
        switch self {
        case .int(let v): out += String(v)
        case .double(let v): out += layout.nonFinite.literal(v)
        case .string(let s): out += Self.quoted(s)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            writeContainer(items.map { (nil, $0) }, open: "[", close: "]", into: &out, layout: layout, level: level)
        case .object(let members):
            writeContainer(members.map { ($0.0, $0.1) }, open: "{", close: "}", into: &out, layout: layout, level: level)
        }
    }

    private func writeContainer(
        _ items: [(String?, JSONText)], open: String, close: String,
        into out: inout String, layout: Layout, level: Int
    ) {
        out += open
        if items.isEmpty { out += close; return }
        let indent = layout.indent
        let inline = indent == nil || (open == "[" && items.allSatisfy { layout.inlineArrays.keepsOnOneLine($0.1) })
        for (index, (key, value)) in items.enumerated() {
            if index > 0 { out += inline ? layout.separator : "," }
            if !inline, let indent { out += "\n" + String(repeating: indent, count: level + 1) }
            if let key { out += Self.quoted(key) + layout.keySeparator }
            value.write(into: &out, layout: layout, level: level + 1)
        }
        if !inline, let indent { out += "\n" + String(repeating: indent, count: level) }
        out += close
    }

    /// Whether the value is neither an array nor an object.
    var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }
}

extension JSONText {
    /// `text` as a JSON string literal, with quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                out += "\\u" + hex4(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Four upper-case hex digits, as in a `\uXXXX` escape.
    public static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
