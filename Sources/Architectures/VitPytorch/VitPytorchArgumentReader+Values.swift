import JSONOutput

/// The argument values only vit-pytorch's classes take: tuples spread over stages, `pool`, `t2t_layers`.
extension CallArgumentReader where Class == VitPytorchClass {
    /// A tuple of integers, one per stage (PiT's `depth`, which vit-pytorch asserts is a tuple).
    mutating func intTuple(_ name: String, in range: ClosedRange<Int>, example: String) -> [Int]? {
        guard let value = values[name] else { return missing(name) }
        guard case .tuple(let elements) = value.kind else {
            report(
                name, at: value,
                "must be a tuple of blocks per stage, found \(found(value)); "
                    + "\(modelClass.owner) asserts isinstance(\(name), tuple) at construction",
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
                + "\(modelClass.owner) asserts the pool type at construction", fix: suggestion)
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
}
