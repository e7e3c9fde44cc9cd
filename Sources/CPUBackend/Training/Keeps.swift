import ArchGraph

/// Where a tensor a node keeps for its backward comes from.
enum KeptSource: Hashable {
    /// The node's input at this position.
    case input(Int)
    /// The node's output.
    case output
    /// A tensor the node's training forward makes for its backward alone (statistics, indices,
    /// per-head copies).
    case made(String)
    /// The value of another graph node: what a fused group keeps of its members' inputs.
    case value(Int)
}

/// One tensor a node keeps, with its name in tables.
struct Keep: Hashable {
    let name: String
    let source: KeptSource

    init(_ name: String, _ source: KeptSource) {
        self.name = name
        self.source = source
    }

    /// A made tensor, named as the backward reads it.
    static func made(_ name: String) -> Keep { Keep(name, .made(name)) }
    /// Input 0, named `input`.
    static let input = Keep("input", .input(0))
    /// The output, named `output`.
    static let output = Keep("output", .output)
}

/// What each op keeps from its forward for its backward. Each op's list sits beside its
/// backward kernel in `Ops/<Family>Kernels.swift` (as `Keeps.linear`, `Keeps.layerNorm`, …);
/// ``of(_:)`` maps each op to it with one exhaustive switch. Parameters are never listed
/// (never counted), and whatever a list names must be what the op's backward reads.
enum Keeps {
    /// The op's keep list (eager attention; fused attention's groups use
    /// ``fusedAttention(q:k:)`` at the context node and keep nothing at the others).
    static func of(_ op: Op) -> [Keep] {
        switch op {
        case .input: layout
        case .conv2d: conv2d
        case .linear: linear
        case .layerNorm, .headLayerNorm: layerNorm
        case .batchNorm: batchNorm
        case .activation(let kind): activation(kind)
        case .add, .average, .learnedTokens, .positionEmbedding: combine
        case .layerScale: layerScale
        case .concat, .slice, .tokensToImage, .imageToTokens, .selectToken: layout
        case .unfold: unfold
        case .attentionScores: attentionScores
        case .softmax: softmax
        case .attentionContext: attentionContext
        case .performerAttention: performerAttention
        case .maxPool2d: maxPool2d
        case .globalAveragePool, .meanTokens: meanPool
        case .maxTokens: maxTokens
        case .roll, .windowPartition, .windowMerge, .patchMerge, .relativePositionBias, .windowMask: windows
        }
    }

    /// Whether the op's output is a view of its first input's storage in PyTorch, so that
    /// keeping the output keeps that storage: the op's own fact (``ArchGraph/Op/outputIsView``),
    /// which the analysis reads too, so the two cannot drift apart.
    static func producesView(_ op: Op) -> Bool { op.outputIsView }
}

/// A node's part in softmax attention when it runs fused.
enum FusedRole: Hashable {
    /// The scores of a fused group whose context is `context`: keeps nothing.
    case scores(context: Int)
    /// The softmax of a fused group: keeps nothing, makes the log-sum-exps.
    case softmax(context: Int)
    /// The context of a fused group: keeps the group's tensors and runs its backward.
    case context(scores: Int, softmax: Int)

    /// With fused attention, each `attention_context` whose weights are a softmax of scores
    /// that nothing else reads, and the scores and softmax nodes before it; eager attention
    /// (and every group with another node between, as Swin's bias and mask) has none.
    static func groups(_ graph: Graph, _ attention: AttentionImplementation) -> [Int: FusedRole] {
        guard attention == .fused else { return [:] }
        var readers = [Int](repeating: 0, count: graph.nodes.count)
        for node in graph.nodes { for input in node.inputs { readers[input] += 1 } }
        var roles: [Int: FusedRole] = [:]
        for node in graph.nodes {
            guard case .attentionContext = node.op, let softmax = node.inputs.first,
                case .softmax = graph.nodes[softmax].op, readers[softmax] == 1,
                let scores = graph.nodes[softmax].inputs.first,
                case .attentionScores = graph.nodes[scores].op, readers[scores] == 1
            else { continue }
            roles[scores] = .scores(context: node.index)
            roles[softmax] = .softmax(context: node.index)
            roles[node.index] = .context(scores: scores, softmax: softmax)
        }
        return roles
    }

    /// With fused attention, the scores whose values pass through other ops before the
    /// softmax (Swin's relative position bias and shifted-window mask): PyTorch's fused kernels
    /// take no mask that needs a gradient, so these run its math path, which scales the queries
    /// and the keys by √scale each (``ScoreScaling/both``).
    static func mathPath(_ graph: Graph, _ attention: AttentionImplementation) -> Set<Int> {
        guard attention == .fused else { return [] }
        return Set(TrainingAnalysis.mathAttention(graph).keys.filter { graph.nodes[$0].op.kind == .attentionScores })
    }
}
