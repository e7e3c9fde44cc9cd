import JSONOutput

/// One keyword argument of a vit-pytorch class, from a call or from a spec file's `config`.
struct VitPytorchArgument {
    let name: String
    /// Where the name is written (problems about the name itself point here).
    let line: Int, column: Int
    let value: PythonValue
}

/// Reads the keyword arguments of one vit-pytorch class into typed values, collecting a
/// ``Problem`` for everything wrong (in a call the field is the argument's name, in a spec
/// file `config.` followed by it).
struct VitPytorchArgumentReader {
    /// Sizes (widths, heads, kernels, strides), capped as in spec files.
    static let positive = SpecReader.positive
    /// Blocks per stage.
    static let depths = SpecReader.depths

    let modelClass: VitPytorchClass
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
        _ modelClass: VitPytorchClass, arguments: [VitPytorchArgument], allowed: [String], prefix: String,
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
            } else if let topLevel = VitPytorchClass.topLevelArguments[argument.name], !prefix.isEmpty,
                modelClass.parameters.contains(argument.name)
            {
                report(
                    argument.name, at: at, "belongs at the top level of a spec file",
                    fix: "give it as \"\(topLevel)\" next to \"config\"")
            } else {
                let fix =
                    Suggestion.nearest(to: argument.name, among: allowed).map { "did you mean \($0)?" }
                    ?? "\(modelClass.rawValue) takes " + allowed.joined(separator: ", ")
                report(
                    argument.name, at: at, "unknown argument: vit-pytorch's \(modelClass.rawValue) has no argument '\(argument.name)'",
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
            fix: "vit-pytorch's \(modelClass.rawValue) requires " + modelClass.required.joined(separator: ", "))
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

    /// An integer or a pair `(height, width)` (ViT's `image_size` and `patch_size`, read by `pair`).
    mutating func pair(_ name: String, in range: ClosedRange<Int> = positive) -> (Int, Int)? {
        guard let value = values[name] else { return missing(name) }
        if case .int = value.kind { return int(value, name, in: range).map { ($0, $0) } }
        guard let elements = value.elements, elements.count == 2 else {
            report(name, at: value, "expected an integer or a pair (height, width), found \(found(value))")
            return nil
        }
        let height = int(elements[0], name + "[0]", in: range), width = int(elements[1], name + "[1]", in: range)
        guard let height, let width else { return nil }
        return (height, width)
    }

    /// A tuple of integers, one per stage (PiT's `depth`, which vit-pytorch asserts is a tuple).
    mutating func intTuple(_ name: String, in range: ClosedRange<Int>, example: String) -> [Int]? {
        guard let value = values[name] else { return missing(name) }
        guard case .tuple(let elements) = value.kind else {
            report(
                name, at: value,
                "must be a tuple of blocks per stage, found \(found(value)); "
                    + "vit-pytorch's \(modelClass.rawValue) asserts isinstance(\(name), tuple) at construction",
                fix: "write " + (isSpecFile ? "an array" : "a tuple") + " such as " + self.example(example))
            return nil
        }
        return stageInts(name, value, elements, in: range)
    }

    /// An integer for every stage or a tuple with one per stage (PiT's `heads`; a list makes
    /// vit-pytorch fail at construction, since only tuples are spread over the stages).
    mutating func intOrTuple(_ name: String, in range: ClosedRange<Int> = positive) -> [Int]? {
        guard let value = values[name] else { return missing(name) }
        switch value.kind {
        case .int: return int(value, name, in: range).map { [$0] }
        case .tuple(let elements): return stageInts(name, value, elements, in: range)
        default:
            report(
                name, at: value,
                "expected an integer or a tuple of integers (one per stage), found \(found(value))"
                    + (value.elements == nil
                        ? "" : "; vit-pytorch only spreads tuples over the stages and fails at construction on a list"),
                fix: value.elements == nil
                    ? nil : "write it as a tuple, e.g. " + PythonValue(.tuple(value.elements ?? []), line: 0, column: 0).rendered)
            return nil
        }
    }

    private mutating func stageInts(
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

    /// `pool`: `'cls'` (the default) or `'mean'`, which vit-pytorch asserts.
    mutating func pool(_ name: String) -> VitPytorchPool? {
        guard let value = values[name] else { return .cls }
        if case .string(let text) = value.kind, let pool = VitPytorchPool(rawValue: text) { return pool }
        let suggestion: String? =
            if case .string(let text) = value.kind {
                Suggestion.nearest(to: text, among: VitPytorchPool.allCases.map(\.rawValue)).map {
                    isSpecFile ? "did you mean \(JSONText.quoted($0))?" : "did you mean '\($0)'?"
                }
            } else { nil }
        report(
            name, at: value,
            (isSpecFile ? "expected \"cls\" or \"mean\", found " : "expected 'cls' or 'mean', found ") + "\(found(value)); "
                + "vit-pytorch's \(modelClass.rawValue) asserts the pool type at construction", fix: suggestion)
        return nil
    }

    /// `t2t_layers`: a tuple (or list) of `(kernel, stride)` pairs.
    mutating func t2tLayers(_ name: String) -> [T2TLayer]? {
        guard let value = values[name] else { return VitPytorchT2TViT.defaultLayers }
        guard let elements = value.elements else {
            report(
                name, at: value, "expected a tuple of (kernel_size, stride) pairs, found \(found(value))",
                fix: "write e.g. " + example("((7, 4), (3, 2), (3, 2))"))
            return nil
        }
        guard elements.count <= SpecReader.maxStages else {
            report(name, at: value, "must have at most \(SpecReader.maxStages) entries, found \(elements.count)")
            return nil
        }
        let layers = elements.enumerated().map { index, element -> T2TLayer? in
            let field = name + "[\(index)]"
            guard let pair = element.elements, pair.count == 2 else {
                report(field, at: element, "expected a pair (kernel_size, stride), found \(found(element))")
                return nil
            }
            let kernel = int(pair[0], field + "[0]"), stride = int(pair[1], field + "[1]")
            guard let kernel, let stride else { return nil }
            return T2TLayer(kernel: kernel, stride: stride)
        }
        return layers.contains(nil) ? nil : layers.compactMap { $0 }
    }

    /// An argument that can only be `None` here (T2TViT's `transformer`: a custom module
    /// cannot be counted from a call).
    mutating func noneOnly(_ name: String, why: String) -> Bool {
        guard let value = values[name], value.kind != .none else { return true }
        report(name, at: value, "only None is supported, found \(found(value)); \(why)")
        return false
    }
}
