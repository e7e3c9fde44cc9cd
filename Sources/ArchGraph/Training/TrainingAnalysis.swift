import SizeAlgebra

/// What is kept across a training step's forward for its backward.
public enum CheckpointMode: String, CaseIterable, Hashable, Sendable {
    /// Every op keeps what its backward needs.
    case none
    /// Activation checkpointing per block: only each block's input is kept, and the block's
    /// forward runs again during backward.
    case blocks
}

/// How one training step runs: attention implementation, precision and whose autocast lists,
/// checkpointing.
public struct TrainingSetup: Hashable, Sendable {
    public var attention: AttentionImplementation
    public var precision: Precision
    public var device: AutocastDevice
    public var checkpoint: CheckpointMode
    /// Whether the reference implementations' dropouts run (``Node/dropout``); off, as when
    /// every rate is set to 0, no mask is kept.
    public var dropout: Bool

    public init(
        attention: AttentionImplementation = .fused, precision: Precision = .fp32, device: AutocastDevice = .cuda,
        checkpoint: CheckpointMode = .none, dropout: Bool = true
    ) {
        self.attention = attention
        self.precision = precision
        self.device = device
        self.checkpoint = checkpoint
        self.dropout = dropout
    }

    /// The low-precision type of mixed precision, or `nil` in float32.
    var lowType: ScalarType? {
        switch precision {
        case .fp32: nil
        case .bf16: .bfloat16
        case .fp16: .float16
        }
    }
}

/// One distinct storage kept from forward to backward.
public struct KeptStorage: Hashable, Sendable {
    /// What the storage is.
    public enum Identity: Hashable, Sendable {
        /// A node's output (views resolve to the node that owns the storage).
        case output(Int)
        /// Autocast's copy of input `input` of node `node` in another type.
        case inputCast(node: Int, input: Int)
        /// Autocast's low-precision copy of a parameter, `name` telling apart copies made for
        /// two products.
        case parameterCast(node: Int, parameter: Int, name: String)
        /// A tensor node `node` makes for its backward.
        case made(node: Int, name: String)
    }

    public let identity: Identity
    /// The first node that keeps it (the storage counts in that node's stage).
    public let node: Int
    /// What it is, for tables: `output`, `input cast`, `weight cast`, or the kept name.
    public let name: String
    public let shape: [Expr]
    public let type: ScalarType

    /// Elements times the element size.
    public var bytes: Expr { Expr.product(shape) * Expr(type.bytes) }
}

/// One node in a training step.
public struct NodeTraining: Hashable, Sendable {
    /// Whether the node's output depends on a trainable parameter.
    public let requiresGradient: Bool
    public let needs: GradientNeeds
    public let backward: BackwardWork
    /// Forward MACs run again during backward (activation checkpointing).
    public let recomputeMacs: Expr
    /// The storages the node keeps, as indices into ``TrainingAnalysis/storages``; several
    /// nodes may keep one storage.
    public let kept: [Int]
    /// The element type of the node's output under the setup's precision.
    public let outputType: ScalarType
}

/// A training step of a graph, analysed: per node the gradients autograd computes, their MACs
/// and what is kept for them; the distinct kept storages; totals and per-stage sums. Symbolic
/// in B, H, W like every other count.
public struct TrainingAnalysis: Sendable {
    public let graph: Graph
    public let setup: TrainingSetup
    public let nodes: [NodeTraining]
    /// Distinct storages kept across the step, in the order they are first kept.
    public let storages: [KeptStorage]

    /// - Parameters:
    ///   - graph: a graph at any size, symbolic or concrete.
    ///   - setup: attention implementation, precision, checkpointing.
    public init(_ graph: Graph, setup: TrainingSetup) {
        self.graph = graph
        self.setup = setup
        let nodes = graph.nodes
        let fused = setup.attention == .fused ? Self.fusedAttention(graph) : [:]
        let math = setup.attention == .fused ? Self.mathAttention(graph) : [:]
        var requires = [Bool](repeating: false, count: nodes.count)
        var types = [ScalarType](repeating: .float32, count: nodes.count)
        var base = Array(nodes.indices)
        var storages: [KeptStorage] = []
        var position: [KeptStorage.Identity: Int] = [:]
        var records: [NodeTraining] = []
        records.reserveCapacity(nodes.count)
        let inBlocks = setup.checkpoint == .blocks
        for node in nodes {
            let definition = node.op.definition
            let inputShapes = node.inputs.map { nodes[$0].shape }
            let trainable = node.parameters.contains { $0.role == .trainable }
            let needs = GradientNeeds(inputs: node.inputs.map { requires[$0] }, parameters: trainable)
            requires[node.index] = needs.any
            if definition.outputIsView, let source = node.inputs.first { base[node.index] = base[source] }
            let composedNorm = node.form == .composed && node.op.kind == .layerNorm
            let rule: AutocastRule
            switch node.form {
            case .primitive: rule = definition.autocast(setup.device)
            case .composed: rule = composedNorm ? LayerNormOp.composedAutocast : definition.autocast(setup.device)
            case .float32Copy: rule = .float32
            }
            // Parameters are float32 master weights: an op that promotes computes in float32
            // when it has any (a bias table added to low-precision scores gives float32).
            let inputTypes = node.inputs.map { types[$0] } + (node.parameters.isEmpty ? [] : [.float32])
            var computed = Self.computeType(rule, inputs: inputTypes, low: setup.lowType)
            if let origin = math[node.index], setup.lowType != nil {
                // PyTorch's math attention computes in float32 and returns the queries' type.
                computed = .float32
                if case .attentionContext = node.op, let query = origin {
                    types[node.index] = types[query]
                } else {
                    types[node.index] = computed
                }
            } else if node.form == .float32Copy, let first = node.inputs.first {
                types[node.index] = types[first]
            } else {
                types[node.index] = computed
            }
            guard needs.any else {
                records.append(
                    NodeTraining(
                        requiresGradient: false, needs: needs, backward: BackwardWork(), recomputeMacs: .zero, kept: [],
                        outputType: types[node.index]))
                continue
            }
            var facts = definition.training(inputShapes, output: node.shape, needs: needs)
            if composedNorm { facts = LayerNormOp.composedTraining(inputShapes[0], needs: needs) }
            if let scores = definition as? AttentionScoresOp {
                let scaling: ScoreScaling = math[node.index] != nil ? .both : node.scalesAfterProduct ? .product : .queries
                facts = scores.training(inputShapes, output: node.shape, needs: needs, scaling: scaling)
            }
            if setup.dropout && node.dropout > 0 {
                // CUDA's fused dropout keeps a boolean mask; the CPU's keeps the scaled noise it
                // multiplied by, in the output's type.
                let element: Kept.Element = setup.device == .cuda ? .fixed(.bool) : .computed
                facts.kept.append(Kept("dropout mask", .made(node.shape), element))
                facts.backward.elementwise += Expr.product(node.shape)
            }
            var flashRecompute = Expr.zero
            if let group = fused[node.index] {
                facts.kept = group
                (facts.backward, flashRecompute) = Self.fusedWork(node, graph: graph, requires: requires)
            }
            let checkpointed = inBlocks && node.block != nil
            var kept: [Int] = []
            func keep(_ identity: KeptStorage.Identity, _ name: String, _ shape: [Expr], _ type: ScalarType) {
                if let existing = position[identity] {
                    if !kept.contains(existing) { kept.append(existing) }
                    return
                }
                position[identity] = storages.count
                kept.append(storages.count)
                storages.append(KeptStorage(identity: identity, node: node.index, name: name, shape: shape, type: type))
            }
            func keepValue(_ source: Int, castKey: KeptStorage.Identity, name: String) {
                if let wanted = Self.castType(rule, from: types[source], to: computed) {
                    keep(castKey, "\(name) cast", nodes[source].shape, wanted)
                } else {
                    let owner = base[source]
                    guard nodes[owner].op.kind != .input else { return }
                    keep(.output(owner), "output", nodes[owner].shape, types[owner])
                }
            }
            for item in facts.kept where !checkpointed {
                switch item.source {
                case .input(let i):
                    if node.op.kind == .linear, Linear.keepsCopy(of: nodes[node.inputs[i]], in: graph),
                        Self.castType(rule, from: types[node.inputs[i]], to: computed) == nil
                    {
                        keep(.made(node: node.index, name: "input copy"), "input copy", nodes[node.inputs[i]].shape, computed)
                    } else {
                        keepValue(node.inputs[i], castKey: .inputCast(node: node.index, input: i), name: item.name)
                    }
                case .node(let source):
                    keepValue(source, castKey: .inputCast(node: node.index, input: -1 - source), name: item.name)
                case .parameter(let p):
                    guard rule == .lowPrecision, let low = setup.lowType, p < node.parameters.count else { continue }
                    keep(
                        .parameterCast(node: node.index, parameter: p, name: item.name), "\(item.name) cast",
                        node.parameters[p].shape, low)
                case .autocastCopy(let shape):
                    guard let low = setup.lowType else { continue }
                    keep(.made(node: node.index, name: item.name), item.name, shape, low)
                case .output:
                    let owner = base[node.index]
                    keep(.output(owner), "output", nodes[owner].shape, types[owner])
                case .made(let shape):
                    let type: ScalarType
                    switch item.element {
                    case .computed: type = computed
                    case .fixed(let fixed): type = fixed
                    case .ofInput: type = node.inputs.first.map { types[$0] } ?? computed
                    }
                    keep(.made(node: node.index, name: item.name), item.name, shape, type)
                }
            }
            records.append(
                NodeTraining(
                    requiresGradient: true, needs: needs, backward: facts.backward,
                    recomputeMacs: (checkpointed ? node.cost.macs : .zero) + flashRecompute, kept: kept, outputType: types[node.index]))
        }
        if inBlocks {
            // Each block keeps its inputs: the values its nodes read from outside the block.
            for (blockIndex, _) in graph.blocks.enumerated() {
                for node in nodes where node.block == blockIndex {
                    for input in node.inputs where nodes[input].block != blockIndex && requires[node.index] {
                        let owner = base[input]
                        guard nodes[owner].op.kind != .input, position[.output(owner)] == nil else { continue }
                        position[.output(owner)] = storages.count
                        storages.append(
                            KeptStorage(
                                identity: .output(owner), node: node.index, name: "block input", shape: nodes[owner].shape,
                                type: types[owner]))
                    }
                }
            }
        }
        self.nodes = records
        self.storages = storages
    }

    /// The type an op computes in: autocast's rule applied to its inputs' types.
    static func computeType(_ rule: AutocastRule, inputs: [ScalarType], low: ScalarType?) -> ScalarType {
        guard let low else { return .float32 }
        switch rule {
        case .lowPrecision: return low
        case .float32: return .float32
        case .promote: return inputs.contains(.float32) || inputs.isEmpty ? .float32 : low
        case .passThrough: return inputs.first ?? .float32
        }
    }

    /// The type autocast casts an input of type `source` to before the op, or `nil` for none.
    static func castType(_ rule: AutocastRule, from source: ScalarType, to computed: ScalarType) -> ScalarType? {
        switch rule {
        case .lowPrecision, .float32: source == computed ? nil : computed
        case .promote, .passThrough: nil
        }
    }

    /// For fused attention whose scores pass through other ops before the softmax (Swin's
    /// relative position bias and shifted-window mask, a trainable additive mask): PyTorch's
    /// fused kernels do not take a mask that needs a gradient, so it runs its math path, which
    /// computes in float32 and casts the output back to the queries' type. Each node of such a
    /// chain, mapped to the queries' node for the context node (`nil` for the others).
    public static func mathAttention(_ graph: Graph) -> [Int: Int?] {
        var chains: [Int: Int?] = [:]
        for node in graph.nodes {
            guard case .attentionContext = node.op, let softmax = node.inputs.first, case .softmax = graph.nodes[softmax].op
            else { continue }
            var members = [softmax]
            var current = graph.nodes[softmax].inputs[0]
            while true {
                switch graph.nodes[current].op {
                case .relativePositionBias, .windowMask:
                    members.append(current)
                    current = graph.nodes[current].inputs[0]
                    continue
                default: break
                }
                break
            }
            guard members.count > 1, case .attentionScores = graph.nodes[current].op else { continue }
            for member in members + [current] { chains[member] = .some(nil) }
            chains[node.index] = .some(graph.nodes[current].inputs[0])
        }
        return chains
    }

    /// For fused attention: each `attention_context` node whose weights come from a softmax of
    /// scores that nothing else reads, mapped to what the fused kernel keeps in place of the
    /// three nodes (q, k, v, its output — the storage the next projection reads — and one float32
    /// log-sum-exp per query row). The scores
    /// and softmax nodes then keep nothing.
    /// The backward of a fused attention group, counted against the node each part
    /// differentiates, with `P = B·h·Nq·Nk·d` the size of one attention product: at the scores,
    /// `P` per operand needing a gradient (dq = dS·k, dk = dSᵀ·q) and `P` recomputed (q·kᵀ,
    /// flash-style); at the softmax, one pass rebuilding the probabilities from the
    /// log-sum-exps and one forming dS; at the context, `P` for dv and `P` for dP = dO·vᵀ, and
    /// one pass over the output for the row sums of dO∘O.
    static func fusedWork(_ node: Node, graph: Graph, requires: [Bool]) -> (BackwardWork, recompute: Expr) {
        func scoresNeed(_ scores: Node) -> Bool { scores.inputs.contains { requires[$0] } }
        switch node.op {
        case .attentionScores:
            let p = node.cost.macs
            let macs = when(requires[node.inputs[0]], p) + when(requires[node.inputs[1]], p)
            return (BackwardWork(inputGradientMacs: macs), p)
        case .softmax:
            let scores = graph.nodes[node.inputs[0]]
            let n = Expr.product(node.shape)
            return (BackwardWork(elementwise: n + when(scoresNeed(scores), n)), .zero)
        default:
            let scores = graph.nodes[graph.nodes[node.inputs[0]].inputs[0]]
            let p = node.cost.macs
            let qk = scoresNeed(scores)
            return (
                BackwardWork(
                    inputGradientMacs: when(requires[node.inputs[1]], p) + when(qk, p),
                    elementwise: when(qk, Expr.product(node.shape))), .zero
            )
        }
    }

    static func fusedAttention(_ graph: Graph) -> [Int: [Kept]] {
        var readers = [Int](repeating: 0, count: graph.nodes.count)
        for node in graph.nodes { for input in node.inputs { readers[input] += 1 } }
        var groups: [Int: [Kept]] = [:]
        for node in graph.nodes {
            guard case .attentionContext = node.op, let softmax = node.inputs.first,
                case .softmax = graph.nodes[softmax].op, readers[softmax] == 1,
                let scores = graph.nodes[softmax].inputs.first,
                case .attentionScores(let heads, _) = graph.nodes[scores].op, readers[scores] == 1
            else { continue }
            let scoresNode = graph.nodes[scores]
            let q = scoresNode.shape  // (B, h, Nq, Nk)
            groups[scores] = []
            groups[softmax] = []
            groups[node.index] = [
                Kept("q", .node(scoresNode.inputs[0])), Kept("k", .node(scoresNode.inputs[1])),
                Kept("v", .input(1)),
                FusedAttentionLayout.outputIsCopy(queries: graph.nodes[scoresNode.inputs[0]])
                    ? Kept("output", .made(node.shape)) : Kept("output", .output),
                Kept("lse", .made([q[0], Expr(heads), q[2]]), .fixed(.float32)),
            ]
        }
        return groups
    }
}

extension TrainingAnalysis {
    /// Bytes of the distinct storages kept across the step (parameters and the image excluded).
    public var savedBytes: Expr { storages.reduce(Expr.zero) { $0 + $1.bytes } }

    /// ``savedBytes`` per stage, each storage in the stage of the first node keeping it.
    public var stageSavedBytes: [Expr] {
        var sums = Array(repeating: Expr.zero, count: graph.stages.count)
        for storage in storages { sums[graph.nodes[storage.node].stage] += storage.bytes }
        return sums
    }

    /// The forward's MACs (the inference count).
    public var forwardMacs: Expr { graph.totalCost.macs }

    /// The backward's work, summed over the nodes.
    public var backward: BackwardWork { nodes.reduce(BackwardWork()) { $0 + $1.backward } }

    /// ``backward`` per stage.
    public var stageBackward: [BackwardWork] {
        var sums = Array(repeating: BackwardWork(), count: graph.stages.count)
        for (node, record) in zip(graph.nodes, nodes) { sums[node.stage] += record.backward }
        return sums
    }

    /// Forward MACs run again during backward.
    public var recomputeMacs: Expr { nodes.reduce(Expr.zero) { $0 + $1.recomputeMacs } }

    /// ``recomputeMacs`` per stage.
    public var stageRecomputeMacs: [Expr] {
        var sums = Array(repeating: Expr.zero, count: graph.stages.count)
        for (node, record) in zip(graph.nodes, nodes) { sums[node.stage] += record.recomputeMacs }
        return sums
    }
}
