import ArchGraph

/// One tensor a node keeps from its training forward for its backward, as a storage: two nodes
/// keeping one storage (or views of it) name the same ``Storage``, and it counts once.
public struct KeptTensor: Hashable, Sendable {
    /// Which storage a kept tensor is.
    public enum Storage: Hashable, Sendable {
        /// Node `node`'s output. A view (a slice, a selected token) is its base node's storage.
        case output(node: Int)
        /// A tensor node `node` makes for its backward alone (statistics, indices, copies).
        case made(node: Int, name: String)
    }

    /// What the tensor is to its node: `input`, `output`, `mean`, `rstd`, `q`, `lse`, `indices`, …
    public let name: String
    public let storage: Storage
    /// The element type: float32, except max pooling's int64 indices.
    public let type: ScalarType
    /// The storage's bytes (a view's whole base).
    public let bytes: Int

    public init(name: String, storage: Storage, type: ScalarType, bytes: Int) {
        self.name = name
        self.storage = storage
        self.type = type
        self.bytes = bytes
    }
}

/// What one node did in a training step, as measured by its kernels.
public struct TrainingNodeExecution: Hashable, Sendable {
    /// The shape of the node's output.
    public let shape: [Int]
    /// Whether the output depends on a trainable parameter (autograd records the node).
    public let requiresGradient: Bool
    /// The forward's work (batch norm with batch statistics; otherwise as in inference).
    public let forward: Counters
    /// The backward's work; zero when no gradient reached the node.
    public let backward: BackwardCounters
    /// Forward MACs run again during backward: fused attention's `q·kᵀ` (at its scores node) and,
    /// with checkpointing, each checkpointed block's forward.
    public let recomputeMacs: Int
    /// The storages the node keeps for its backward (parameters and the image never), each once.
    public let kept: [KeptTensor]

    public init(
        shape: [Int], requiresGradient: Bool, forward: Counters, backward: BackwardCounters, recomputeMacs: Int,
        kept: [KeptTensor]
    ) {
        self.shape = shape
        self.requiresGradient = requiresGradient
        self.forward = forward
        self.backward = backward
        self.recomputeMacs = recomputeMacs
        self.kept = kept
    }
}

/// The result of ``Interpreter/trainingStep(_:outputGradient:kernels:threads:attention:checkpoint:additionalGradients:)``.
public struct TrainingExecution: Sendable {
    /// The graph's output (logits) of the training forward.
    public let output: Tensor
    /// Per node, in graph order.
    public let nodes: [TrainingNodeExecution]
    /// Per node with trainable parameters that a gradient reached: one gradient per parameter,
    /// in the node's parameter order, `nil` for frozen ones.
    public let parameterGradients: [Int: [Tensor?]]
    /// Bytes of every distinct storage kept across the step (parameters and the image excluded).
    public let savedBytes: Int
    /// Wall time of the forward and of the backward.
    public let forwardSeconds: Double, backwardSeconds: Double
    /// Per node, wall time of its forward and of its backward (a fused attention group's
    /// backward at its context node; a checkpointed block's recomputation at the node whose
    /// backward ran it).
    public let nodeForwardSeconds: [Double], nodeBackwardSeconds: [Double]

    /// The backward's work summed over the nodes.
    public var backward: BackwardCounters { nodes.reduce(BackwardCounters()) { $0 + $1.backward } }
    /// Forward MACs run again, summed over the nodes.
    public var recomputeMacs: Int { nodes.reduce(0) { $0 + $1.recomputeMacs } }
}
