import ArchGraph
import SizeAlgebra

/// The parameter and buffer tensors of every node of a concrete graph, plus packed copies of the
/// linear weights for the GEMM kernel.
public final class Weights: @unchecked Sendable {
    /// Per node index: its parameter tensors in ``ArchGraph/Op/parameters(_:)`` order.
    public internal(set) var parameters: [[Tensor]]
    /// Per node index: its buffers in ``ArchGraph/Op/buffers`` order.
    public internal(set) var buffers: [[Tensor]]
    /// Per node index: the linear layer's weight packed as the GEMM's right operand.
    var packed: [PackedMatrix?]

    init(parameters: [[Tensor]], buffers: [[Tensor]]) {
        self.parameters = parameters
        self.buffers = buffers
        packed = Array(repeating: nil, count: parameters.count)
    }

    /// Elements allocated for the parameters of node `index`.
    public func parameterElements(_ index: Int) -> Int { parameters[index].reduce(0) { $0 + $1.count } }

    /// Deterministic weights for `graph` from `seed`: matrices and conv kernels uniform in
    /// ±1/√fan-in, biases likewise, norm scales 1 ± 0.1 and shifts ± 0.1, running variances in
    /// [0.5, 1.5], tokens and embeddings ± 0.5, the Performer projection ± 1.
    public static func random(for graph: Graph, seed: UInt64) throws(BackendError) -> Weights {
        var generator = SeededGenerator(seed: seed)
        var parameters: [[Tensor]] = [], buffers: [[Tensor]] = []
        for node in graph.nodes {
            let shapes = try node.parameters.map { tensor throws(BackendError) in try concrete(tensor.shape, node) }
            var tensors = shapes.map { Tensor(zeros: $0) }
            let fanIn = shapes.first.map { $0.dropFirst().reduce(1, *) } ?? 1
            for (tensor, description) in zip(tensors, node.parameters) {
                let (center, scale) = initialization(node.op, tensor: description.name, fanIn: fanIn)
                generator.fill(tensor.data, count: tensor.count, center: center, scale: scale)
            }
            var state: [Tensor] = []
            for description in node.op.buffers {
                let tensor = Tensor(zeros: try concrete(description.shape, node))
                let isVariance = description.name == "running_var"
                generator.fill(tensor.data, count: tensor.count, center: isVariance ? 1 : 0, scale: isVariance ? 0.5 : 0.1)
                state.append(tensor)
            }
            parameters.append(tensors)
            buffers.append(state)
            tensors.removeAll()
        }
        return Weights(parameters: parameters, buffers: buffers)
    }

    private static func initialization(_ op: Op, tensor: String, fanIn: Int) -> (center: Float, scale: Float) {
        switch op {
        case .layerNorm, .batchNorm: (tensor == "weight" ? 1 : 0, 0.1)
        case .learnedTokens, .positionEmbedding: (0, 0.5)
        case .performerAttention: (0, 1)
        default: (0, 1 / Float(max(fanIn, 1)).squareRoot())
        }
    }

    /// `shape` as integers; a graph built at a concrete size has only constant sizes.
    static func concrete(_ shape: [Expr], _ node: Node) throws(BackendError) -> [Int] {
        var result: [Int] = []
        for size in shape {
            guard let value = size.constant else {
                throw BackendError(path: node.path, message: "size \(size) is symbolic; build the graph at a concrete batch and image size")
            }
            result.append(value)
        }
        return result
    }
}

/// A failure to run a graph: which node or tensor, and what went wrong.
public struct BackendError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
