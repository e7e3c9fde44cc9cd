import JSONOutput

/// A class whose constructor calls vitscope reads: vit-pytorch's or timm's.
protocol CallableClass: Hashable, Sendable {
    /// The class as messages name it: `vit-pytorch's ViT`, `timm's VisionTransformer`.
    var owner: String { get }
    /// The class name alone.
    var className: String { get }
    /// Every keyword argument of `__init__`, in order.
    var parameters: [String] { get }
    /// The arguments that must be given.
    var required: [String] { get }
    /// The arguments a spec file keeps at its top level instead of in `config`, by the key used there.
    static var topLevelArguments: [String: String] { get }
    /// The modules a call may name the class through (`vit_pytorch.pit`, `timm.models`).
    var importPaths: [String] { get }
}

extension CallableClass where Self: RawRepresentable, RawValue == String {
    /// The class a name in a call refers to: the class alone, or with one of its ``importPaths``
    /// (`vit_pytorch.pit.PiT`, `timm.models.VisionTransformer`).
    static func named(_ name: String) -> Self? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let last = parts.last, let found = Self(rawValue: last) else { return nil }
        let prefix = parts.dropLast().joined(separator: ".")
        return prefix.isEmpty || found.importPaths.contains(prefix) ? found : nil
    }
}

/// One keyword argument of a call, or of a spec file's vit-pytorch `config`.
struct CallArgument {
    let name: String
    /// Where the name is written (problems about the name itself point here).
    let line: Int, column: Int
    let value: PythonValue
}

/// Reads the keyword arguments of one class into typed values, collecting a ``Problem`` for
/// everything wrong (in a call the field is the argument's name, in a spec file `config.`
/// followed by it).
struct CallArgumentReader<Class: CallableClass> {
    /// Sizes (widths, heads, kernels, strides), capped as in spec files.
    static var positive: ClosedRange<Int> { SpecReader.positive }
    /// Blocks per stage.
    static var depths: ClosedRange<Int> { SpecReader.depths }

    let modelClass: Class
    /// Prepended to argument names in problem fields: `""` or `"config."` (a spec file, whose
    /// arrays stand for tuples and whose messages speak JSON).
    let prefix: String
    var isSpecFile: Bool { !prefix.isEmpty }
    /// Where problems about absent arguments point: the class name, or the `config` object.
    let anchorLine: Int?, anchorColumn: Int?
    private(set) var values: [String: PythonValue] = [:]
    var problems: [Problem] = []
    /// Arguments not to report as missing (a call gave them positionally, which is reported).
    var assumedGiven: Set<String> = []

    /// Takes `arguments`, reporting names outside `allowed` (with the nearest one suggested)
    /// and repeated names.
    init(
        _ modelClass: Class, arguments: [CallArgument], allowed: [String], prefix: String,
        anchorLine: Int?, anchorColumn: Int?
    ) {
        self.modelClass = modelClass
        self.prefix = prefix
        (self.anchorLine, self.anchorColumn) = (anchorLine, anchorColumn)
        for argument in arguments {
            let at = (line: argument.line, column: argument.column)
            if values[argument.name] != nil {
                report(argument.name, at: at, "given more than once", fix: "keep one \(argument.name)")
            } else if allowed.contains(argument.name) {
                values[argument.name] = argument.value
            } else if let topLevel = Class.topLevelArguments[argument.name], !prefix.isEmpty,
                modelClass.parameters.contains(argument.name)
            {
                report(
                    argument.name, at: at, "belongs at the top level of a spec file",
                    fix: "give it as \"\(topLevel)\" next to \"config\"")
            } else {
                let fix =
                    Suggestion.nearest(to: argument.name, among: allowed).map { "did you mean \($0)?" }
                    ?? "\(modelClass.className) takes " + allowed.joined(separator: ", ")
                report(
                    argument.name, at: at, "unknown argument: \(modelClass.owner) has no argument '\(argument.name)'",
                    fix: fix)
            }
        }
    }

    /// Records a problem about argument `name` (or one of its elements, `depth[1]`) at `value`,
    /// or at the anchor when there is no value.
    mutating func report(_ name: String, at value: PythonValue?, _ message: String, fix: String? = nil) {
        problems.append(
            Problem(
                field: prefix + name, message: message, fix: fix,
                line: value?.line ?? anchorLine, column: value?.column ?? anchorColumn))
    }

    /// Records a problem about argument `name` at a position.
    private mutating func report(_ name: String, at position: (line: Int, column: Int), _ message: String, fix: String? = nil) {
        problems.append(Problem(field: prefix + name, message: message, fix: fix, line: position.line, column: position.column))
    }

    /// `value` as messages name it: in Python terms for a call, in JSON terms for a spec file.
    func found(_ value: PythonValue) -> String { isSpecFile ? value.jsonFoundDescription : value.foundDescription }

    /// A Python example such as `(3, 3, 3)`, with brackets for a spec file.
    func example(_ python: String) -> String {
        isSpecFile ? python.replacing("(", with: "[").replacing(")", with: "]").replacing(",]", with: "]") : python
    }

    /// Reports `name` as missing and returns nil.
    mutating func missing<T>(_ name: String) -> T? {
        if assumedGiven.contains(name) { return nil }
        report(
            name, at: nil, "missing required argument",
            fix: "\(modelClass.owner) requires " + modelClass.required.joined(separator: ", "))
        return nil
    }

    // MARK: Integers

    /// An integer argument in `range`; `default` when absent, and nil there means required.
    mutating func int(
        _ name: String, default fallback: Int? = nil, in range: ClosedRange<Int> = positive,
        why: String? = nil
    ) -> Int? {
        guard let value = values[name] else { return fallback ?? missing(name) }
        return int(value, name, in: range, why: why)
    }

    /// `value` as an integer in `range`: `expected an integer, found 256.0`, `must be at least 1, found 0`.
    mutating func int(_ value: PythonValue, _ field: String, in range: ClosedRange<Int> = positive, why: String? = nil) -> Int? {
        guard case .int(let number) = value.kind else {
            report(field, at: value, "expected an integer, found \(found(value))" + (why.map { "; " + $0 } ?? ""))
            return nil
        }
        if let number, range.contains(number) { return number }
        let tooSmall = number.map { $0 < range.lowerBound } ?? value.literal.hasPrefix("-")
        report(
            field, at: value,
            tooSmall
                ? "must be at least \(range.lowerBound), found \(value.literal)"
                : "must be at most \(range.upperBound), found \(value.literal)")
        return nil
    }

    /// An integer or a pair `(height, width)` (ViT's `image_size` and `patch_size`, read by `pair`;
    /// timm's sizes, read by `to_2tuple`); `default` when absent, and nil there means required.
    mutating func pair(_ name: String, default fallback: Int? = nil, in range: ClosedRange<Int> = positive) -> (Int, Int)? {
        guard let value = values[name] else { return fallback.map { ($0, $0) } ?? missing(name) }
        if case .int = value.kind { return int(value, name, in: range).map { ($0, $0) } }
        guard let elements = value.elements, elements.count == 2 else {
            report(name, at: value, "expected an integer or a pair (height, width), found \(found(value))")
            return nil
        }
        let height = int(elements[0], name + "[0]", in: range), width = int(elements[1], name + "[1]", in: range)
        guard let height, let width else { return nil }
        return (height, width)
    }

    /// `elements` as one integer in `range` per stage, at most ``SpecReader/maxStages``.
    mutating func stageInts(
        _ name: String, _ value: PythonValue, _ elements: [PythonValue],
        in range: ClosedRange<Int>
    ) -> [Int]? {
        guard !elements.isEmpty, elements.count <= SpecReader.maxStages else {
            report(
                name, at: value,
                elements.isEmpty
                    ? "must have at least one stage"
                    : "must have at most \(SpecReader.maxStages) entries, found \(elements.count)")
            return nil
        }
        let ints = elements.enumerated().map { int($0.element, name + "[\($0.offset)]", in: range) }
        return ints.contains(nil) ? nil : ints.compactMap { $0 }
    }

    // MARK: Other values

    /// A dropout probability: a number from 0 to 1 (`nn.Dropout` rejects others at construction).
    mutating func probability(_ name: String) -> Double? {
        guard let value = values[name] else { return 0 }
        let number: Double
        switch value.kind {
        case .int(let int?): number = Double(int)
        case .float(let float): number = float
        default:
            report(name, at: value, "expected a number from 0 to 1, found \(found(value))")
            return nil
        }
        guard number >= 0, number <= 1 else {
            report(
                name, at: value, "must be between 0 and 1 (nn.Dropout rejects other probabilities at construction), found \(value.literal)")
            return nil
        }
        return number
    }

    /// An argument that can only be `None` here (T2TViT's `transformer`: a custom module
    /// cannot be counted from a call).
    mutating func noneOnly(_ name: String, why: String) -> Bool {
        guard let value = values[name], value.kind != .none else { return true }
        report(name, at: value, "only None is supported, found \(found(value)); \(why)")
        return false
    }
}
