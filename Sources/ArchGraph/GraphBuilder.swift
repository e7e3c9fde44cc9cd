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
    private var nodes: [Node] = []
    private var stages: [StageInfo] = []
    private var blocks: [BlockInfo] = []
    private var constraints: [Constraint] = []
    private var scopes: [String] = [] {
        didSet { scopePrefix = scopes.map { $0 + "/" }.joined() }
    }
    /// Every scope followed by `/`: the start of each node's path, built once per scope.
    private var scopePrefix = ""
    /// The reference module of each scope in ``scopes``, `nil` for a scope without one.
    private var modules: [String?] = [] {
        didSet { modulePrefix = modules.compactMap { $0.map { $0 + "." } }.joined() }
    }
    /// Every scope's module followed by `.`: the start of each reference name, built once per scope.
    private var modulePrefix = ""
    private var currentStage: Int?
    private var currentBlock: Int?

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
        let parameters = op.parameters(shapes)
        var named: (parameters: [ReferenceTensor], buffers: [ReferenceTensor]) = ([], [])
        if let reference {
            switch reference.resolve(parameters + op.buffers, prefix: modulePrefix) {
            case .success(let tensors): named = (Array(tensors.prefix(parameters.count)), Array(tensors.dropFirst(parameters.count)))
            case .failure(let error): throw GraphError(path: path, message: error.message)
            }
        }
        let node = Node(
            index: nodes.count, path: path, op: op, inputs: inputs.map(\.node), shape: shape,
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
        Graph(
            nodes: nodes, stages: stages, blocks: blocks, constraints: constraints,
            batch: batch, height: height, width: width, inputChannels: inputChannels)
    }
}
