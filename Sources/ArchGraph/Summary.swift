import SizeAlgebra

/// A ``Cost`` evaluated at a concrete size.
public struct CostValues: Hashable, Sendable {
    public var params = 0, trainableParams = 0, macs = 0, attentionMacs = 0, fvcoreExtra = 0, elementwise = 0, activations = 0
    /// `macs + fvcoreExtra`.
    public var fvcore = 0
    /// `2 × macs`.
    public var flops = 0

    public init() {}

    /// The cost evaluated at `binding`.
    public init(_ cost: Cost, _ binding: Binding) throws(EvaluationError) {
        params = try cost.params.evaluate(binding)
        trainableParams = try cost.trainableParams.evaluate(binding)
        macs = try cost.macs.evaluate(binding)
        attentionMacs = try cost.attentionMacs.evaluate(binding)
        fvcoreExtra = try cost.fvcoreExtra.evaluate(binding)
        elementwise = try cost.elementwise.evaluate(binding)
        activations = try cost.activations.evaluate(binding)
        fvcore = try cost.fvcore.evaluate(binding)
        flops = try cost.flops.evaluate(binding)
    }
}

/// One stage at a concrete size.
public struct StageSummary: Hashable, Sendable {
    public let name: String
    public let kind: StageKind
    public let grid: [Int]?
    public let spatialTokens: Int?
    public let extraTokens: Int
    public let channels: Int?
    public let heads: Int?
    public let depth: Int?
    public let cost: CostValues
}

/// One node at a concrete size.
public struct LayerSummary: Hashable, Sendable {
    public let path: String
    public let op: String
    public let stage: String
    public let outputShape: [Int]
    public let cost: CostValues
}

/// A graph evaluated at a concrete size: totals, stages and layers.
public struct Summary: Hashable, Sendable {
    public let binding: Binding
    public let inputChannels: Int
    public let totals: CostValues
    /// Elementwise work by family; the values add up to `totals.elementwise`.
    public let elementwise: [ElementwiseKind: Int]
    public let stages: [StageSummary]
    public let layers: [LayerSummary]
    public let outputShape: [Int]
}

/// Why a graph cannot be evaluated at a size.
public enum SummaryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A count does not fit in a 64-bit integer.
    case overflow(path: String, binding: Binding)
    /// A size equality the model needs fails at this size.
    case constraint(path: String, what: String, lhs: Int, rhs: Int)
    /// A size the graph's structure needs a lower bound on is below it.
    case bound(path: String, what: String, value: Int, minimum: Int)
    /// A tensor would have an empty axis at this size.
    case emptyTensor(path: String, shape: [Int])

    /// The scope path the error names.
    public var path: String {
        switch self {
        case .overflow(let path, _), .constraint(let path, _, _, _), .bound(let path, _, _, _), .emptyTensor(let path, _): path
        }
    }

    /// What is wrong, without the path.
    public var message: String {
        switch self {
        case .overflow(_, let b):
            // Blame only what is large: the config's widths always may be; the batch and the image
            // size only when they are above 1 and 224×224.
            "counts at batch \(b.batch) and \(b.height)×\(b.width) do not fit in a 64-bit integer; use "
                + ListFormat.or(
                    ["smaller widths in the config"] + (b.batch > 1 ? ["a smaller batch"] : [])
                        + (b.height * b.width > 224 * 224 ? ["a smaller image size"] : []))
        case .constraint(_, let what, let lhs, let rhs):
            "\(what) differ at this size: \(lhs) ≠ \(rhs)"
        case .bound(_, let what, let value, let minimum):
            "\(what) is \(value) at this size, at least \(minimum) needed"
        case .emptyTensor(_, let shape):
            "output shape \(shape) has an empty axis"
        }
    }

    public var description: String { "\(path): \(message)" }
}

extension Graph {
    /// Checks that the model runs at `binding`: its constraints hold and no tensor is empty.
    public func check(at binding: Binding) throws(SummaryError) {
        try checkConstraints(at: binding)
        for node in nodes {
            for dim in node.shape {
                guard let value = try? dim.evaluate(binding) else { throw .overflow(path: node.path, binding: binding) }
                if value < 1 {
                    let shape = node.shape.map { (try? $0.evaluate(binding)) ?? 0 }
                    throw .emptyTensor(path: node.path, shape: shape)
                }
            }
        }
    }

    private func checkConstraints(at binding: Binding) throws(SummaryError) {
        try Constraint.check(constraints, at: binding)
    }

    /// Evaluates every node, stage and total at `binding`, checking the graph's constraints.
    public func summarize(at binding: Binding) throws(SummaryError) -> Summary {
        try checkConstraints(at: binding)
        var layers: [LayerSummary] = []
        layers.reserveCapacity(nodes.count)
        var elementwise: [ElementwiseKind: Int] = [:]
        for node in nodes {
            do {
                let shape = try node.shape.map { dim throws(EvaluationError) in try dim.evaluate(binding) }
                if shape.contains(where: { $0 < 1 }) { throw SummaryError.emptyTensor(path: node.path, shape: shape) }
                let cost = try CostValues(node.cost, binding)
                if let kind = node.op.elementwiseKind { elementwise[kind, default: 0] += cost.elementwise }
                layers.append(
                    LayerSummary(
                        path: node.path, op: node.op.name, stage: stages[node.stage].name,
                        outputShape: shape, cost: cost))
            } catch let error as SummaryError {
                throw error
            } catch {
                throw .overflow(path: node.path, binding: binding)
            }
        }
        var stageSummaries: [StageSummary] = []
        let costs = stageCosts
        for (index, info) in stages.enumerated() {
            do {
                let cost = try CostValues(costs[index], binding)
                let grid = try info.grid?.map { dim throws(EvaluationError) in try dim.evaluate(binding) }
                stageSummaries.append(
                    StageSummary(
                        name: info.name, kind: info.kind, grid: grid, spatialTokens: try info.spatialTokens?.evaluate(binding),
                        extraTokens: info.extraTokens, channels: info.channels, heads: info.heads, depth: info.depth, cost: cost))
            } catch {
                throw .overflow(path: info.name, binding: binding)
            }
        }
        let totals: CostValues
        do { totals = try CostValues(totalCost, binding) } catch { throw .overflow(path: "totals", binding: binding) }
        return Summary(
            binding: binding, inputChannels: inputChannels, totals: totals, elementwise: elementwise,
            stages: stageSummaries, layers: layers, outputShape: layers.last?.outputShape ?? [])
    }
}

extension Constraint {
    /// Throws for the first of `constraints` that fails at `binding`.
    static func check(_ constraints: [Constraint], at binding: Binding) throws(SummaryError) {
        for constraint in constraints {
            guard let lhs = try? constraint.lhs.evaluate(binding), let rhs = try? constraint.rhs.evaluate(binding) else {
                throw .overflow(path: constraint.path, binding: binding)
            }
            guard constraint.holds(lhs, rhs) else {
                switch constraint.relation {
                case .equal: throw .constraint(path: constraint.path, what: constraint.what, lhs: lhs, rhs: rhs)
                case .atLeast: throw .bound(path: constraint.path, what: constraint.what, value: lhs, minimum: rhs)
                }
            }
        }
    }
}

/// Lists in messages.
enum ListFormat {
    /// `a`, `a or b`, `a, b or c`.
    static func or(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " or " + items[items.count - 1]
    }
}
