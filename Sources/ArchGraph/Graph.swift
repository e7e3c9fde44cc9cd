import SizeAlgebra

/// What a stage of a model does, for stage tables.
public enum StageKind: String, Hashable, Sendable, CaseIterable {
    case embed
    case tokensToToken = "tokens-to-token"
    case transformer
    case pool
    case conv
    case head
}

/// A contiguous part of a model (`stage2`, `pool1`, `head`) and what it works on.
public struct StageInfo: Hashable, Sendable {
    public var name: String
    public var kind: StageKind
    /// The spatial grid `[h, w]` the stage's tokens or feature map cover, if it has one.
    public var grid: [Expr]?
    /// Non-spatial tokens carried beside the grid (class and distillation tokens).
    public var extraTokens: Int
    /// The stage's width: token width or output channels.
    public var channels: Int?
    public var heads: Int?
    /// Blocks in the stage.
    public var depth: Int?

    public init(
        name: String, kind: StageKind, grid: [Expr]? = nil, extraTokens: Int = 0,
        channels: Int? = nil, heads: Int? = nil, depth: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.grid = grid
        self.extraTokens = extraTokens
        self.channels = channels
        self.heads = heads
        self.depth = depth
    }

    /// `h · w`, or `nil` without a grid.
    public var spatialTokens: Expr? { grid.map { Expr.product($0) } }
}

/// A token-mixing block of a model (a transformer block, a T2T layer, a ResNet bottleneck),
/// as the model's builder marks it with ``GraphBuilder/block(_:module:_:)``.
public struct BlockInfo: Hashable, Sendable {
    /// The block's scope path, e.g. `stage2/block3`.
    public let path: String
    /// Index into ``Graph/stages``.
    public let stage: Int

    public init(path: String, stage: Int) {
        self.path = path
        self.stage = stage
    }
}

/// How a reference implementation computes an op, where that changes what autograd keeps.
public enum ReferenceForm: Hashable, Sendable {
    /// As the one PyTorch primitive (`nn.LayerNorm`, `F.linear`).
    case primitive
    /// Written out in elementary tensor operations (vit-pytorch's channel LayerNorm: `var`,
    /// `mean`, `sub`, `sqrt`, `div`); autograd keeps what those operations keep.
    case composed
    /// Run on a float32 copy of its input, the result cast back to the input's type (the CvT
    /// authors' LayerNorm, written for fp16 training).
    case float32Copy
}

/// One primitive applied at a scope path.
public struct Node: Hashable, Sendable {
    public let index: Int
    /// The scope path, e.g. `stage2/block3/attn/qkv`.
    public let path: String
    public let op: Op
    /// Indices of the input nodes.
    public let inputs: [Int]
    public let shape: [Expr]
    public let parameters: [ParameterTensor]
    public let cost: Cost
    /// Index into ``Graph/stages``.
    public let stage: Int
    /// Index into ``Graph/blocks`` of the innermost block the node belongs to, if any.
    public let block: Int?
    /// How the reference implementation stores ``parameters``, in the same order; empty when
    /// the builder declared no reference name for the node.
    public let referenceParameters: [ReferenceTensor]
    /// How the reference implementation stores the op's ``Op/buffers``, in the same order;
    /// empty when the builder declared no reference name for the node.
    public let referenceBuffers: [ReferenceTensor]
    /// How the reference implementation computes the op, which decides what autograd keeps.
    public let form: ReferenceForm
    /// The rate of a dropout the reference implementation applies to the node's output in
    /// training (0 for none): an identity at inference, it keeps a mask for backward.
    public let dropout: Double
    /// For attention scores: whether the reference scales the product (`(q·kᵀ)·s`, vit-pytorch
    /// and the CvT authors) rather than the queries (`(q·s)·kᵀ`, timm, T2T-ViT), which decides
    /// whether a single head's queries are kept as a view or as the scaled copy.
    public let scalesAfterProduct: Bool

    init(
        index: Int, path: String, op: Op, inputs: [Int], shape: [Expr], parameters: [ParameterTensor], cost: Cost,
        stage: Int, block: Int? = nil, referenceParameters: [ReferenceTensor] = [], referenceBuffers: [ReferenceTensor] = [],
        form: ReferenceForm = .primitive, dropout: Double = 0, scalesAfterProduct: Bool = false
    ) {
        self.index = index
        self.path = path
        self.op = op
        self.inputs = inputs
        self.shape = shape
        self.parameters = parameters
        self.cost = cost
        self.stage = stage
        self.block = block
        self.referenceParameters = referenceParameters
        self.referenceBuffers = referenceBuffers
        self.form = form
        self.dropout = dropout
        self.scalesAfterProduct = scalesAfterProduct
    }

    /// Whether the builder declared the reference names of the node's tensors (a node without
    /// tensors needs none).
    public var hasReferenceNames: Bool {
        referenceParameters.count == parameters.count && referenceBuffers.count == op.buffers.count
    }
}

/// A model as a list of primitive nodes in execution order, with its stages and the size
/// constraints that hold only for some inputs.
public struct Graph: Sendable {
    public let nodes: [Node]
    public let stages: [StageInfo]
    /// The token-mixing blocks in depth order; ``Node/block`` indexes them.
    public let blocks: [BlockInfo]
    public let constraints: [Constraint]
    /// The batch, height and width the graph was built for: variables or constants.
    public let batch: Expr, height: Expr, width: Expr
    public let inputChannels: Int

    init(
        nodes: [Node], stages: [StageInfo], blocks: [BlockInfo] = [], constraints: [Constraint],
        batch: Expr, height: Expr, width: Expr, inputChannels: Int
    ) {
        self.nodes = nodes
        self.stages = stages
        self.blocks = blocks
        self.constraints = constraints
        self.batch = batch
        self.height = height
        self.width = width
        self.inputChannels = inputChannels
    }

    /// The summed cost of all nodes.
    public var totalCost: Cost { nodes.reduce(Cost.zero) { $0 + $1.cost } }

    /// The summed cost of the nodes of each stage, in stage order.
    public var stageCosts: [Cost] {
        var costs = Array(repeating: Cost.zero, count: stages.count)
        for node in nodes { costs[node.stage] += node.cost }
        return costs
    }
}
