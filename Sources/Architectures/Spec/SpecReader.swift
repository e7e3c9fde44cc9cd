import JSONOutput

/// An object's known members, read against a list of valid keys.
struct ObjectFields {
    let path: JSONPath
    let object: JSONValue
    let values: [String: JSONValue]

    /// The value of `key`, or the object itself when the key is absent: where a problem about it points.
    func anchor(_ key: String) -> JSONValue { values[key] ?? object }
}

/// Reads typed values out of parsed JSON, collecting a ``Problem`` for everything wrong.
struct SpecReader {
    /// Sizes (widths, heads, kernels, strides): capped so that no product of a few of them can
    /// overflow plain `Int` arithmetic in the builders.
    static let positive = 1...65_536
    static let nonNegative = 0...65_536
    /// Blocks per stage.
    static let depths = 1...1_000
    /// Ratios (MLP width, Performer features) are at most this.
    static let maxRatio = 1_024.0
    /// Entries in a per-stage array.
    static let maxStages = 64
    /// The most register tokens a ViT may have.
    static let maxRegisterTokens = 1_024

    var problems: [Problem] = []

    mutating func report(_ path: JSONPath, at value: JSONValue, _ message: String, fix: String? = nil) {
        problems.append(
            Problem(
                field: path.description, message: message, fix: fix,
                line: value.line, column: value.column))
    }

    /// How many unknown keys of one object are reported one by one; the rest are counted.
    static let shownUnknownKeys = 10

    /// `value` as an object whose keys are all in `keys`; unknown keys are reported with a
    /// suggestion (the first ``shownUnknownKeys``, then how many more).
    mutating func object(_ value: JSONValue, at path: JSONPath, keys: [String]) -> ObjectFields? {
        guard case .object(let members) = value.kind else {
            report(path, at: value, "expected an object, found \(value.foundDescription)")
            return nil
        }
        var values: [String: JSONValue] = [:]
        var unknown = 0
        var firstUnshown: (line: Int?, column: Int?)
        defer {
            if unknown > Self.shownUnknownKeys {
                // Placed at the first key not named, so it sorts after the ones that are.
                problems.append(
                    Problem(
                        field: path.description, message: "\(unknown - Self.shownUnknownKeys) more unknown keys",
                        fix: "valid keys are " + keys.joined(separator: ", "), line: firstUnshown.line, column: firstUnshown.column))
            }
        }
        for member in members {
            if keys.contains(member.key) {
                values[member.key] = member.value
                continue
            }
            unknown += 1
            if unknown == Self.shownUnknownKeys + 1 { firstUnshown = (member.keyLine, member.keyColumn) }
            if unknown > Self.shownUnknownKeys { continue }
            let fix =
                Suggestion.nearest(to: member.key, among: keys).map { "did you mean \(JSONText.quoted($0))?" }
                ?? "valid keys are " + keys.joined(separator: ", ")
            problems.append(
                Problem(
                    field: path.key(member.key).description, message: "unknown key", fix: fix,
                    line: member.keyLine, column: member.keyColumn))
        }
        return ObjectFields(path: path, object: value, values: values)
    }

    /// Reports `key` as missing from `fields` and returns nil.
    mutating func missing<T>(_ fields: ObjectFields, _ key: String) -> T? {
        report(fields.path.key(key), at: fields.object, "missing required key \(JSONText.quoted(key))")
        return nil
    }

    /// The value of a required key, or nil (reported) when it is absent.
    mutating func required(_ fields: ObjectFields, _ key: String) -> JSONValue? {
        fields.values[key] ?? missing(fields, key)
    }

    // MARK: Integers

    /// An integer member in `range`; `default` is used when absent, and nil there means required.
    mutating func int(
        _ fields: ObjectFields, _ key: String, default fallback: Int? = nil,
        in range: ClosedRange<Int> = positive
    ) -> Int? {
        guard let value = fields.values[key] else { return fallback ?? missing(fields, key) }
        return int(value, at: fields.path.key(key), in: range)
    }

    /// An integer in `range`: `expected an integer, found 4.5`, `must be at least 1, found 0`.
    mutating func int(_ value: JSONValue, at path: JSONPath, in range: ClosedRange<Int> = positive) -> Int? {
        guard case .number(let number) = value.kind, number.isInteger else {
            report(path, at: value, "expected an integer, found \(value.foundDescription)")
            return nil
        }
        if let int = number.intValue, range.contains(int) { return int }
        let tooSmall = number.intValue.map { $0 < range.lowerBound } ?? number.literal.hasPrefix("-")
        report(
            path, at: value,
            tooSmall
                ? "must be at least \(range.lowerBound), found \(number.literal)"
                : "must be at most \(range.upperBound), found \(number.literal)")
        return nil
    }

    /// A required, non-empty array of integers in `range`; every bad element is reported.
    mutating func intArray(_ fields: ObjectFields, _ key: String, in range: ClosedRange<Int> = positive) -> [Int]? {
        guard let value = required(fields, key) else { return nil }
        let path = fields.path.key(key)
        guard let elements = nonEmptyArray(value, at: path, of: "integers") else { return nil }
        let ints = elements.enumerated().map { int($0.element, at: path.index($0.offset), in: range) }
        return ints.contains(nil) ? nil : ints.compactMap { $0 }
    }

    /// `value`'s elements when it is a non-empty array; `of` names what the elements should be.
    mutating func nonEmptyArray(_ value: JSONValue, at path: JSONPath, of elements: String) -> [JSONValue]? {
        guard case .array(let array) = value.kind else {
            report(path, at: value, "expected an array of \(elements), found \(value.foundDescription)")
            return nil
        }
        if array.isEmpty { report(path, at: value, "must not be empty") }
        if array.count > Self.maxStages {
            report(path, at: value, "must have at most \(Self.maxStages) entries, found \(array.count)")
            return nil
        }
        return array.isEmpty ? nil : array
    }

    // MARK: Other scalars

    /// A finite number greater than 0 (integers accepted); `default` is used when absent.
    mutating func positiveNumber(_ fields: ObjectFields, _ key: String, default fallback: Double? = nil) -> Double? {
        guard let value = fields.values[key] else { return fallback ?? missing(fields, key) }
        let path = fields.path.key(key)
        guard case .number(let number) = value.kind else {
            report(path, at: value, "expected a number, found \(value.foundDescription)")
            return nil
        }
        guard number.doubleValue.isFinite else {
            report(path, at: value, "must be a finite number, found \(number.literal)")
            return nil
        }
        guard number.doubleValue > 0 else {
            report(path, at: value, "must be greater than 0, found \(number.literal)")
            return nil
        }
        guard number.doubleValue <= Self.maxRatio else {
            report(path, at: value, "must be at most \(Self.maxRatio), found \(number.literal)")
            return nil
        }
        return number.doubleValue
    }

    /// A boolean member; `default` is used when absent.
    mutating func bool(_ fields: ObjectFields, _ key: String, default fallback: Bool) -> Bool? {
        guard let value = fields.values[key] else { return fallback }
        guard case .bool(let bool) = value.kind else {
            report(fields.path.key(key), at: value, "expected true or false, found \(value.foundDescription)")
            return nil
        }
        return bool
    }

    /// A string member; `default` is used when absent (nil: required).
    mutating func string(
        _ fields: ObjectFields, _ key: String, default fallback: String? = nil,
        nonEmpty: Bool = false
    ) -> String? {
        guard let value = fields.values[key] else { return fallback ?? missing(fields, key) }
        return string(value, at: fields.path.key(key), nonEmpty: nonEmpty)
    }

    mutating func string(_ value: JSONValue, at path: JSONPath, nonEmpty: Bool = false) -> String? {
        guard case .string(let text) = value.kind else {
            report(path, at: value, "expected a string, found \(value.foundDescription)")
            return nil
        }
        if nonEmpty && text.isEmpty {
            report(path, at: value, "must not be empty")
            return nil
        }
        return text
    }

    /// A string member that must be one of `T`'s raw values: `expected one of a, b, found "c"`.
    mutating func choice<T: RawRepresentable & CaseIterable>(
        _ fields: ObjectFields, _ key: String,
        as type: T.Type
    ) -> T? where T.RawValue == String {
        guard let value = required(fields, key) else { return nil }
        let path = fields.path.key(key)
        guard let text = string(value, at: path) else { return nil }
        if let choice = T(rawValue: text) { return choice }
        let valid = T.allCases.map(\.rawValue)
        report(
            path, at: value, "expected one of \(valid.joined(separator: ", ")), found \(JSONText.quoted(text))",
            fix: Suggestion.nearest(to: text, among: valid).map { "did you mean \(JSONText.quoted($0))?" })
        return nil
    }
}

/// Nearest-name suggestions for misspelt keys, values, model names, commands and options.
public enum Suggestion {
    /// The candidate closest to `word` by case-insensitive Levenshtein distance, when that distance
    /// is at most `max(2, word.count / 3)`; ties go to the earlier candidate.
    public static func nearest(to word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = levenshtein(word.lowercased(), candidate.lowercased())
            if distance <= limit && distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// Edits (insertions, deletions, substitutions of characters) turning `a` into `b`.
    static func levenshtein(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1]
            for (j, y) in b.enumerated() {
                row.append(min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = row
        }
        return previous[b.count]
    }
}
