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
/// Blocks and models call ``add(_:_:name:reference:countedByFvcore:)`` inside
/// ``scope(_:module:_:)``, ``block(_:module:_:)`` and ``stage(_:module:_:)``; they never
/// compute costs themselves. Each scope also says which module of the reference
/// implementation it corresponds to, if any, and each node with tensors names them within
/// it, so that every tensor carries its reference `state_dict` name.
public final class GraphBuilder {
    public let batch: Expr, height: Expr, width: Expr
    /// The size the nodes are summed at instead of kept (``init(totalsAt:)``), or `nil` when
    /// they are kept as a ``Graph``.
    private let totalsBinding: Binding?
    private var nodes: [Node] = []
    /// Nodes added so far, kept or not.
    private var nodeCount = 0
    /// The summed cost of every node added to each stage, when the nodes are not kept.
    private var stageCosts: [Cost] = []
    /// What ``Graph/summarize(at:)`` would report of the first node that is empty or whose
    /// counts overflow, when the nodes are not kept.
    private var firstNodeFailure: SummaryError?
    private var stages: [StageInfo] = []
    private var blocks: [BlockInfo] = []
    private var constraints: [Constraint] = []
    private var scopes: [String] = [] {
        didSet { cachedScopePrefix = nil }
    }
    /// Every scope followed by `/`: the start of each node's path, built when first needed in a scope.
    private var cachedScopePrefix: String?
    /// The reference module of each scope in ``scopes``, `nil` for a scope without one.
    private var modules: [String?] = [] {
        didSet { cachedModulePrefix = nil }
    }
    /// Every scope's module followed by `.`: the start of each reference name, built when first
    /// needed in a scope.
    private var cachedModulePrefix: String?
    private var currentStage: Int?
    private var currentBlock: Int?

    /// A builder for inputs of size `batch × channels × height × width`, each a variable or constant.
    public init(batch: Expr, height: Expr, width: Expr) {
        self.batch = batch
        self.height = height
        self.width = width
        totalsBinding = nil
    }

    /// A builder at the concrete size `binding`.
    public convenience init(_ binding: Binding) {
        self.init(batch: Expr(binding.batch), height: Expr(binding.height), width: Expr(binding.width))
    }

    /// A builder at the concrete size `binding` that keeps no node: it checks every shape and
    /// sums every node's cost exactly as a graph would, for ``finishTotals()``, without the
    /// nodes' paths, parameter lists and reference names.
    public init(totalsAt binding: Binding) {
        batch = Expr(binding.batch)
        height = Expr(binding.height)
        width = Expr(binding.width)
        totalsBinding = binding
    }

    /// A builder for the symbolic size B × H × W.
    public static func symbolic() -> GraphBuilder { GraphBuilder(batch: .B, height: .H, width: .W) }

    private var scopePrefix: String {
        if let cachedScopePrefix { return cachedScopePrefix }
        let prefix = scopes.map { $0 + "/" }.joined()
        cachedScopePrefix = prefix
        return prefix
    }

    private var modulePrefix: String {
        if let cachedModulePrefix { return cachedModulePrefix }
        let prefix = modules.compactMap { $0.map { $0 + "." } }.joined()
        cachedModulePrefix = prefix
        return prefix
    }

    /// Runs `body` with `name` appended to the scope path.
    /// - Parameters:
    ///   - module: the reference implementation's module this scope is, relative to the
    ///     enclosing scopes' modules (`blocks.3` for `block3`; dots allowed), or `nil` when the
    ///     scope has no module of its own.
    public func scope<T>(_ name: String, module: String?, _ body: () throws -> T) rethrows -> T {
        scopes.append(name)
        modules.append(module)
        defer {
            scopes.removeLast()
            modules.removeLast()
        }
        return try body()
    }

    /// Runs `body` as stage `info`: its nodes belong to the stage and sit under the stage's name.
    /// - Parameter module: the reference module of the stage (`transformers.1`), or `nil`.
    public func stage<T>(_ info: StageInfo, module: String?, _ body: () throws -> T) rethrows -> T {
        let previous = currentStage
        stages.append(info)
        if totalsBinding != nil { stageCosts.append(.zero) }
        currentStage = stages.count - 1
        defer { currentStage = previous }
        return try scope(info.name, module: module, body)
    }

    /// Runs `body` as the scope `name` and records it as one token-mixing block of the current
    /// stage (a transformer block, a T2T layer, a bottleneck): its nodes belong to the block.
    /// Blocks do not nest; a node belongs to the innermost one.
    /// - Parameter module: the reference module of the block (`blocks.3`), or `nil`.
    public func block<T>(_ name: String, module: String?, _ body: () throws -> T) rethrows -> T {
        let previous = currentBlock
        blocks.append(BlockInfo(path: path(name), stage: currentStage ?? 0))
        currentBlock = blocks.count - 1
        defer { currentBlock = previous }
        return try scope(name, module: module, body)
    }

    /// The current scope path joined with `name`.
    public func path(_ name: String) -> String { scopePrefix + name }

    /// Appends `op` applied to `inputs` as node `name` under the current scope.
    /// - Parameters:
    ///   - reference: what the reference implementation calls the op's tensors, within the
    ///     enclosing scopes' modules; a node with parameters or buffers needs one, or weights
    ///     cannot be loaded into it (``Node/hasReferenceNames`` is false).
    ///   - countedByFvcore: `false` when the reference implementation computes this op from
    ///     primitives fvcore has no handle for, so that fvcore's total leaves out the op's
    ///     ``Cost/fvcoreExtra`` term (vit-pytorch's CvT writes its channel LayerNorm with
    ///     `var`, `mean`, `sub`, `div` and `sqrt`, which fvcore skips, where `nn.LayerNorm`
    ///     counts 5 per element). Every other count is unaffected.
    ///   - form: how the reference implementation computes the op (``Node/form``), which
    ///     changes what autograd keeps for it.
    ///   - dropout: the rate of a dropout the reference applies to the output in training
    ///     (``Node/dropout``); it changes nothing at inference.
    ///   - scalesAfterProduct: for attention scores, whether the reference scales the product
    ///     rather than the queries (``Node/scalesAfterProduct``).
    /// - Throws: ``GraphError`` naming the node's path when the op rejects the input shapes.
    @discardableResult
    public func add(
        _ op: Op, _ inputs: [Value] = [], name: String, reference: ReferenceName? = nil,
        countedByFvcore: Bool = true, form: ReferenceForm = .primitive, dropout: Double = 0,
        scalesAfterProduct: Bool = false
    ) throws -> Value {
        guard let stage = currentStage else {
            throw GraphError(path: path(name), message: "node added outside any stage")
        }
        let shapes = inputs.map(\.shape)
        var checker = ShapeChecker()
        let shape: [Expr]
        do {
            shape = try op.inferShape(shapes, size: (batch, height, width), checker: &checker)
        } catch {
            throw GraphError(path: path(name), message: "\(op.name) \(error.message)")
        }
        if shape.contains(where: \.overflowed) {
            throw GraphError(path: path(name), message: "\(op.name) output size does not fit in a 64-bit integer", isOverflow: true)
        }
        for (lhs, rhs, what) in checker.deferred {
            constraints.append(Constraint(path: path(name), lhs: lhs, rhs: rhs, what: what))
        }
        var cost = op.cost(shapes, output: shape)
        if !countedByFvcore { cost.fvcoreExtra = .zero }
        let index = nodeCount
        nodeCount += 1
        if let binding = totalsBinding {
            stageCosts[stage] += cost
            if firstNodeFailure == nil {
                // The checks `Graph.summarize` makes of each node, in its order.
                do {
                    let sizes = try shape.map { dim throws(EvaluationError) in try dim.evaluate(binding) }
                    if sizes.contains(where: { $0 < 1 }) {
                        firstNodeFailure = .emptyTensor(path: path(name), shape: sizes)
                    } else {
                        _ = try CostValues(cost, binding)
                    }
                } catch {
                    firstNodeFailure = .overflow(path: path(name), binding: binding)
                }
            }
            return Value(node: index, shape: shape)
        }
        let path = path(name)
        let parameters = op.parameters(shapes)
        var named: (parameters: [ReferenceTensor], buffers: [ReferenceTensor]) = ([], [])
        if let reference {
            switch reference.resolve(parameters + op.buffers, prefix: modulePrefix) {
            case .success(let tensors): named = (Array(tensors.prefix(parameters.count)), Array(tensors.dropFirst(parameters.count)))
            case .failure(let error): throw GraphError(path: path, message: error.message)
            }
        }
        let node = Node(
            index: index, path: path, op: op, inputs: inputs.map(\.node), shape: shape,
            parameters: parameters, cost: cost, stage: stage, block: currentBlock,
            referenceParameters: named.parameters, referenceBuffers: named.buffers, form: form,
            dropout: dropout, scalesAfterProduct: scalesAfterProduct)
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

    /// Records that `lhs ≥ rhs` must hold for the graph's structure to be the model's (checked
    /// now when both are constants).
    public func require(_ lhs: Expr, atLeast rhs: Expr, _ what: String, name: String) throws {
        if let l = lhs.constant, let r = rhs.constant {
            if l < r { throw GraphError(path: path(name), message: "\(what) is \(l), at least \(r) needed") }
            return
        }
        constraints.append(Constraint(path: path(name), lhs: lhs, rhs: rhs, what: what, relation: .atLeast))
    }

    /// The finished graph.
    public func finish(inputChannels: Int) -> Graph {
        precondition(totalsBinding == nil, "a builder made with init(totalsAt:) keeps no graph")
        return Graph(
            nodes: nodes, stages: stages, blocks: blocks, constraints: constraints,
            batch: batch, height: height, width: width, inputChannels: inputChannels)
    }

    /// What a builder made with ``init(totalsAt:)`` found: the cost of each stage, the
    /// constraints and the first node that fails.
    public func finishTotals() -> GraphTotals {
        guard let binding = totalsBinding else {
            preconditionFailure("a builder made with init(batch:height:width:) keeps its nodes: use finish(inputChannels:)")
        }
        return GraphTotals(
            binding: binding, stages: stages, stageCosts: stageCosts, constraints: constraints, firstNodeFailure: firstNodeFailure)
    }
}

/// A concrete model's summed cost without its nodes, from ``GraphBuilder/init(totalsAt:)``.
public struct GraphTotals: Sendable {
    let binding: Binding
    let stages: [StageInfo]
    let stageCosts: [Cost]
    let constraints: [Constraint]
    let firstNodeFailure: SummaryError?

    /// The totals ``Graph/summarize(at:)`` gives for the same model and size, or the error it
    /// throws, checked in its order: constraints, then each node, each stage and the totals.
    public func evaluate() throws(SummaryError) -> CostValues {
        try Constraint.check(constraints, at: binding)
        if let firstNodeFailure { throw firstNodeFailure }
        for (info, cost) in zip(stages, stageCosts) {
            do {
                _ = try CostValues(cost, binding)
                _ = try info.grid?.map { dim throws(EvaluationError) in try dim.evaluate(binding) }
                _ = try info.spatialTokens?.evaluate(binding)
            } catch {
                throw .overflow(path: info.name, binding: binding)
            }
        }
        do { return try CostValues(stageCosts.reduce(Cost.zero, +), binding) } catch { throw .overflow(path: "totals", binding: binding) }
    }
}
