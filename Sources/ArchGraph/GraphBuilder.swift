import SizeAlgebra

/// A shape error at a node, with the node's scope path.
public struct GraphError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    /// The node's sizes do not fit in a 64-bit integer (a smaller input helps; no other size does).
    public let isOverflow: Bool

    public init(path: String, message: String, isOverflow: Bool = false) {
        self.path = path
        self.message = message
        self.isOverflow = isOverflow
    }

    public var description: String { "\(path): \(message)" }
}

/// A tensor produced while building: the node that made it and its shape.
public struct Value: Hashable, Sendable {
    public let node: Int
    public let shape: [Expr]
}

/// Builds a ``Graph`` from primitives emitted under nested scopes and stages.
///
/// Blocks and models call ``add(_:_:name:)`` inside ``scope(_:_:)`` and ``stage(_:_:)``; they
/// never compute costs themselves.
public final class GraphBuilder {
    public let batch: Expr, height: Expr, width: Expr
    private var nodes: [Node] = []
    private var stages: [StageInfo] = []
    private var constraints: [Constraint] = []
    private var scopes: [String] = []
    private var currentStage: Int?

    /// A builder for inputs of size `batch × channels × height × width`, each a variable or constant.
    public init(batch: Expr, height: Expr, width: Expr) {
        self.batch = batch
        self.height = height
        self.width = width
    }

    /// A builder at the concrete size `binding`.
    public convenience init(_ binding: Binding) {
        self.init(batch: Expr(binding.batch), height: Expr(binding.height), width: Expr(binding.width))
    }

    /// A builder for the symbolic size B × H × W.
    public static func symbolic() -> GraphBuilder { GraphBuilder(batch: .B, height: .H, width: .W) }

    /// Runs `body` with `name` appended to the scope path.
    public func scope<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        scopes.append(name)
        defer { scopes.removeLast() }
        return try body()
    }

    /// Runs `body` as stage `info`: its nodes belong to the stage and sit under the stage's name.
    public func stage<T>(_ info: StageInfo, _ body: () throws -> T) rethrows -> T {
        let previous = currentStage
        stages.append(info)
        currentStage = stages.count - 1
        defer { currentStage = previous }
        return try scope(info.name, body)
    }

    /// The current scope path joined with `name`.
    public func path(_ name: String) -> String { (scopes + [name]).joined(separator: "/") }

    /// Appends `op` applied to `inputs` as node `name` under the current scope.
    /// - Parameters:
    ///   - countedByFvcore: `false` when the reference implementation computes this op from
    ///     primitives fvcore has no handle for, so that fvcore's total leaves out the op's
    ///     ``Cost/fvcoreExtra`` term (vit-pytorch's CvT writes its channel LayerNorm with
    ///     `var`, `mean`, `sub`, `div` and `sqrt`, which fvcore skips, where `nn.LayerNorm`
    ///     counts 5 per element). Every other count is unaffected.
    /// - Throws: ``GraphError`` naming the node's path when the op rejects the input shapes.
    @discardableResult
    public func add(_ op: Op, _ inputs: [Value] = [], name: String, countedByFvcore: Bool = true) throws -> Value {
        let path = path(name)
        guard let stage = currentStage else {
            throw GraphError(path: path, message: "node added outside any stage")
        }
        let shapes = inputs.map(\.shape)
        var checker = ShapeChecker()
        let shape: [Expr]
        do {
            shape = try op.inferShape(shapes, size: (batch, height, width), checker: &checker)
        } catch {
            throw GraphError(path: path, message: "\(op.name) \(error.message)")
        }
        if shape.contains(where: \.overflowed) {
            throw GraphError(path: path, message: "\(op.name) output size does not fit in a 64-bit integer", isOverflow: true)
        }
        for (lhs, rhs, what) in checker.deferred {
            constraints.append(Constraint(path: path, lhs: lhs, rhs: rhs, what: what))
        }
        var cost = op.cost(shapes, output: shape)
        if !countedByFvcore { cost.fvcoreExtra = .zero }
        let node = Node(index: nodes.count, path: path, op: op, inputs: inputs.map(\.node), shape: shape,
                        parameters: op.parameters(shapes), cost: cost, stage: stage)
        nodes.append(node)
        return Value(node: node.index, shape: shape)
    }

    /// Records a size equality that must hold for the model to run (checked now when decidable).
    public func require(_ lhs: Expr, equals rhs: Expr, _ what: String, name: String) throws {
        var checker = ShapeChecker()
        do {
            try checker.equal(lhs, rhs, what)
        } catch {
            throw GraphError(path: path(name), message: error.message)
        }
        for (l, r, w) in checker.deferred { constraints.append(Constraint(path: path(name), lhs: l, rhs: r, what: w)) }
    }

    /// The finished graph.
    public func finish(inputChannels: Int) -> Graph {
        Graph(nodes: nodes, stages: stages, constraints: constraints,
              batch: batch, height: height, width: width, inputChannels: inputChannels)
    }
}
