/// The reader of timm's constructor arguments.
typealias TimmArgumentReader = CallArgumentReader<TimmClass>

/// The argument values timm's constructors take, each with timm's default when absent.
extension CallArgumentReader where Class == TimmClass {
    /// `True` or `False`.
    mutating func bool(_ name: String, default fallback: Bool) -> Bool? {
        guard let value = values[name] else { return fallback }
        if case .bool(let bool) = value.kind { return bool }
        report(name, at: value, "expected True or False, found \(found(value))")
        return nil
    }

    /// `None` (the outer optional holds it as `.some(nil)`), `True` or `False`; nil when wrong.
    mutating func optionalBool(_ name: String) -> Bool?? {
        guard let value = values[name], value.kind != .none else { return .some(nil) }
        return bool(name, default: false).map { .some($0) }
    }

    /// `None` (the outer optional holds it as `.some(nil)`) or an integer in `range`; nil when wrong.
    mutating func optionalInt(_ name: String, in range: ClosedRange<Int> = positive) -> Int?? {
        guard let value = values[name], value.kind != .none else { return .some(nil) }
        return int(value, name, in: range).map { .some($0) }
    }

    /// A finite number greater than 0 and at most ``SpecReader/maxRatio`` (an `mlp_ratio`).
    mutating func ratio(_ name: String, default fallback: Double) -> Double? {
        guard let value = values[name] else { return fallback }
        guard let number = value.number, number.isFinite else {
            report(name, at: value, "expected a number, found \(found(value))")
            return nil
        }
        guard number > 0, number <= SpecReader.maxRatio else {
            report(name, at: value, "must be greater than 0 and at most \(SpecReader.maxRatio), found \(value.literal)")
            return nil
        }
        return number
    }

    /// `None` or a finite number (`init_values`); nil when wrong.
    mutating func optionalNumber(_ name: String) -> Double?? {
        guard let value = values[name], value.kind != .none else { return .some(nil) }
        guard let number = value.number, number.isFinite else {
            report(name, at: value, "expected None or a number, found \(found(value))")
            return nil
        }
        return .some(number)
    }

    /// A dropout or stochastic-depth rate from 0 to 1 (`nn.Dropout` rejects others at
    /// construction); it has no parameters and no work at inference. `below1`: timm's
    /// `PatchDropout`, which asserts a rate under 1.
    mutating func rate(_ name: String, below1: Bool = false) -> Double? {
        guard let value = values[name] else { return 0 }
        guard let number = value.number else {
            report(name, at: value, "expected a number from 0 to 1, found \(found(value))")
            return nil
        }
        guard number >= 0, below1 ? number < 1 : number <= 1 else {
            report(name, at: value, "must be at least 0 and \(below1 ? "below 1" : "at most 1"), found \(value.literal)")
            return nil
        }
        return number
    }

    /// A string among `choices` (timm asserts them); the nearest one is suggested.
    mutating func choice(_ name: String, default fallback: String, among choices: [String]) -> String? {
        guard let value = values[name] else { return fallback }
        if case .string(let text) = value.kind, choices.contains(text) { return text }
        let listed = choices.map { PythonValue.quoted($0) }.joined(separator: ", ")
        var fix: String?
        if case .string(let text) = value.kind {
            fix = Suggestion.nearest(to: text, among: choices.filter { !$0.isEmpty }).map { "did you mean '\($0)'?" }
        }
        report(name, at: value, "expected one of \(listed), found \(found(value))", fix: fix)
        return nil
    }

    /// A square size: an integer, or a pair of equal sides.
    mutating func square(_ name: String, default fallback: Int, what: String) -> Int? {
        guard let (height, width) = pair(name, default: fallback) else { return nil }
        guard height == width else {
            report(name, at: values[name], "\(height)×\(width) is not square; vitscope models square \(what) only")
            return nil
        }
        return height
    }

    /// A tuple or list of integers, one per stage; with `single`, an integer stands for that
    /// many stages of it.
    mutating func stages(_ name: String, default fallback: [Int], single: Int? = nil, in range: ClosedRange<Int> = positive) -> [Int]? {
        guard let value = values[name] else { return fallback }
        if let single, case .int = value.kind { return int(value, name, in: range).map { Array(repeating: $0, count: single) } }
        guard let elements = value.elements else {
            report(
                name, at: value,
                "expected a tuple of integers (one per stage)\(single == nil ? "; timm indexes it per stage" : " or an integer"), found \(found(value))"
            )
            return nil
        }
        return stageInts(name, value, elements, in: range)
    }

    /// An argument vitscope models only at its default: `None`, or one of `accepted` (class
    /// names or strings that mean the default). Anything else is an error saying so.
    mutating func defaultOnly(_ name: String, accepted: [String], modelled: String) -> Bool {
        guard let value = values[name], value.kind != .none else { return true }
        switch value.kind {
        case .name(let text) where accepted.contains(text) || accepted.contains(text.split(separator: ".").last.map(String.init) ?? text):
            return true
        case .string(let text) where accepted.contains(text):
            return true
        default:
            report(name, at: value, "vitscope cannot represent \(name)=\(value.rendered); it models \(modelled) only")
            return false
        }
    }

    /// A value vitscope must be given at its default to model (`False`, `1`, `''`): anything
    /// else is an error naming what it would change.
    mutating func fixed(_ name: String, is expected: PythonValue.Kind, _ what: String) -> Bool {
        guard let value = values[name], value.kind != expected else { return true }
        report(
            name, at: value,
            "vitscope cannot represent \(name)=\(value.rendered) (\(what)); it models \(name)=\(PythonValue(expected, line: 0, column: 0).rendered) only"
        )
        return false
    }
}

extension PythonValue {
    /// The value as a number when it is an integer or a float.
    var number: Double? {
        switch kind {
        case .int(let int?): Double(int)
        case .float(let double): double
        case .int(nil), .string, .bool, .none, .tuple, .list, .object, .name: nil
        }
    }
}
