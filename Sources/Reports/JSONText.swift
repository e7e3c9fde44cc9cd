import Architectures

/// A JSON value for output, with object keys kept in insertion order so output is stable.
public indirect enum JSONText: Sendable, Equatable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONText])
    case object([(String, JSONText)])

    public static func == (lhs: JSONText, rhs: JSONText) -> Bool { lhs.rendered() == rhs.rendered() }

    /// The value as JSON text; pretty-printed with two-space indents unless `compact`.
    public func rendered(compact: Bool = false) -> String {
        var out = ""
        write(into: &out, indent: compact ? nil : 0)
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .int(let v): out += String(v)
        case .double(let v): out += v.isFinite ? "\(v)" : "null"
        case .string(let s): out += JSONLiteral.quoted(s)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            writeContainer(items.map { (nil, $0) }, open: "[", close: "]", into: &out, indent: indent)
        case .object(let members):
            writeContainer(members.map { ($0.0, $0.1) }, open: "{", close: "}", into: &out, indent: indent)
        }
    }

    private func writeContainer(_ items: [(String?, JSONText)], open: String, close: String,
                                into out: inout String, indent: Int?) {
        out += open
        if items.isEmpty { out += close; return }
        // Arrays of scalars stay on one line.
        let inline = indent == nil || (open == "[" && items.allSatisfy { $0.1.isScalar })
        for (index, (key, value)) in items.enumerated() {
            if index > 0 { out += inline ? ", " : "," }
            if !inline, let level = indent { out += "\n" + String(repeating: "  ", count: level + 1) }
            if let key {
                out += JSONLiteral.quoted(key) + ": "
            }
            value.write(into: &out, indent: indent.map { $0 + 1 })
        }
        if !inline, let level = indent { out += "\n" + String(repeating: "  ", count: level) }
        out += close
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }
}
