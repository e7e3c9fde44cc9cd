import ArchGraph
import SizeAlgebra

/// Command-line changes to a spec: input size, batch and classifier width.
public struct Overrides: Hashable, Sendable {
    public var imageSize: ImageSize?
    public var batch: Int
    public var numClasses: Int?

    public init(imageSize: ImageSize? = nil, batch: Int = 1, numClasses: Int? = nil) {
        self.imageSize = imageSize
        self.batch = batch
        self.numClasses = numClasses
    }
}

/// A model evaluated at one concrete size: the spec as analysed, its graph and the numbers.
public struct Analysis: Sendable {
    public let spec: ModelSpec
    public let batch: Int
    public let graph: Graph
    public let summary: Summary
}

/// Largest batch and image side accepted; larger values are input errors, not overflows.
public enum Limits {
    public static let maxBatch = 1 << 20
    public static let maxImageSide = 1 << 16
    public static let maxClasses = 1_000_000
}

extension ModelSpec {
    /// The spec with `overrides` applied (image size and classes; the batch is not part of a spec).
    public func applying(_ overrides: Overrides) -> ModelSpec {
        var spec = self
        if let size = overrides.imageSize { spec.imageSize = size }
        if let classes = overrides.numClasses { spec.numClasses = classes }
        return spec
    }

    /// Problems with the spec's values that do not need the graph: ranges and the input-size
    /// rules of the reference implementations.
    public func sizeProblems(batch: Int) -> [Problem] {
        var problems: [Problem] = []
        if batch < 1 || batch > Limits.maxBatch {
            problems.append(Problem(field: "batch", message: "must be between 1 and \(Limits.maxBatch), found \(batch)"))
        }
        for (name, side) in [("height", imageSize.height), ("width", imageSize.width)]
        where side < 1 || side > Limits.maxImageSide {
            problems.append(Problem(field: "image_size", message: "\(name) must be between 1 and \(Limits.maxImageSide), found \(side)"))
        }
        if numClasses < 0 || numClasses > Limits.maxClasses {
            problems.append(
                Problem(
                    field: "num_classes", message: "must be between 0 and \(Limits.maxClasses), found \(numClasses)",
                    fix: "use 0 for no classifier head"))
        }
        // What vit-pytorch itself would reject at this size (an override may change it).
        if problems.isEmpty, case .vitPytorch(let c) = config {
            problems += c.issues(imageSize: imageSize, channels: inChannels).map {
                Problem(field: $0.argument, message: $0.message, fix: $0.fix)
            }
        }
        return problems
    }

    /// Builds and evaluates the model at `overrides`, or lists every problem found.
    public func analyze(_ overrides: Overrides = Overrides()) throws(SpecError) -> Analysis {
        try evaluate(
            overrides, build: { spec, batch in try spec.graph(batch: batch) },
            then: { spec, graph, binding throws(SummaryError) in
                Analysis(spec: spec, batch: overrides.batch, graph: graph, summary: try graph.summarize(at: binding))
            })
    }

    /// The model's totals at `overrides` without a summary of every stage and layer (what `list`
    /// prints): the same builder and checks as ``analyze(_:)``, the same errors, but no node is
    /// kept (``ModelSpec/graphTotals(batch:)``).
    public func totals(_ overrides: Overrides = Overrides()) throws(SpecError) -> CostValues {
        try evaluate(
            overrides, build: { spec, batch in try spec.graphTotals(batch: batch) },
            then: { _, totals, _ throws(SummaryError) in try totals.evaluate() })
    }

    /// Builds the graph (or its totals) at `overrides` with `build` and hands it to `then` with the
    /// spec and the size, every problem on the way (sizes, shapes, constraints, overflow) turned
    /// into a ``SpecError``.
    private func evaluate<Built, T>(
        _ overrides: Overrides, build: (ModelSpec, Int) throws -> Built, then body: (ModelSpec, Built, Binding) throws(SummaryError) -> T
    ) throws(SpecError) -> T {
        let spec = applying(overrides)
        let problems = spec.sizeProblems(batch: overrides.batch)
        if !problems.isEmpty { throw SpecError(problems) }
        let binding = Binding(batch: overrides.batch, height: spec.imageSize.height, width: spec.imageSize.width)
        do {
            return try body(spec, try build(spec, overrides.batch), binding)
        } catch let error as GraphError {
            throw SpecError([Problem(field: error.path, message: error.message, fix: error.isOverflow ? nil : spec.sizeFix())])
        } catch let error as SummaryError {
            if case .overflow = error { throw SpecError([Problem(field: error.path, message: error.message)]) }
            throw SpecError([Problem(field: error.path, message: error.message, fix: spec.sizeFix())])
        } catch {
            throw SpecError([Problem(field: name, message: "\(error)")])
        }
    }

    /// A suggestion of the nearest square image sizes at which the model builds, when the
    /// current size does not: the nearest at or below the shorter side and at or above the
    /// longer one (excluding the current size itself).
    func sizeFix() -> String? {
        guard let graph = try? symbolicGraph() else { return nil }
        let (short, long) = (min(imageSize.height, imageSize.width), max(imageSize.height, imageSize.width))
        let square = short == long
        // A graph whose structure was chosen for the size (Swin's windows) holds only near it:
        // each candidate size is then built as it is.
        let chosenForSize = graph.constraints.contains { $0.relation == .atLeast }
        func works(_ s: Int) -> Bool {
            guard s >= 1, s <= Limits.maxImageSide else { return false }
            guard chosenForSize else { return (try? graph.check(at: Binding(batch: 1, height: s, width: s))) != nil }
            var resized = self
            resized.imageSize = ImageSize(s)
            guard let built = try? resized.graph(batch: 1) else { return false }
            return (try? built.check(at: Binding(batch: 1, height: s, width: s))) != nil
        }
        let below = stride(from: square ? short - 1 : short, through: max(1, short - 256), by: -1).first(where: works)
        let above = stride(from: square ? long + 1 : long, through: long + 256, by: 1).first(where: works)
        switch (below, above) {
        case let (b?, a?): return "the nearest square image sizes that work are \(b) and \(a)"
        case let (nil, a?): return "the nearest image size that works is \(a)"
        case let (b?, nil): return "the nearest image size that works is \(b)"
        case (nil, nil): return nil
        }
    }
}
