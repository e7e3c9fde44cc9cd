import ArchGraph
import SizeAlgebra

/// The parameter and buffer tensors of every node of a concrete graph. A linear layer's weight
/// is held plainly, or (after ``packLinearWeight(_:)``) only in the GEMM's packed layout.
public final class Weights: @unchecked Sendable {
    /// Per node index: its parameter tensors in ``ArchGraph/Op/parameters(_:)`` order; nil for a
    /// linear weight held packed.
    private var held: [[Tensor?]]
    /// Per node index: its buffers in ``ArchGraph/Op/buffers`` order.
    public internal(set) var buffers: [[Tensor]]
    /// Per node index: the linear layer's weight packed as the GEMM's right operand.
    private var packed: [PackedMatrix?]

    init(parameters: [[Tensor]], buffers: [[Tensor]]) {
        held = parameters
        self.buffers = buffers
        packed = Array(repeating: nil, count: parameters.count)
    }

    /// Node `index`'s parameter tensors; a linear weight held packed is unpacked into a new tensor.
    public func parameters(_ index: Int) -> [Tensor] { held[index].indices.map { parameter(index, $0) } }

    /// Parameter `position` of node `index`; a linear weight held packed is unpacked into a new tensor.
    public func parameter(_ index: Int, _ position: Int) -> Tensor {
        if let tensor = held[index][position] { return tensor }
        return linearWeight(index).tensor
    }

    /// Node `index`'s linear weight (out, in): the packed matrix when it is held packed.
    func linearWeight(_ index: Int) -> LinearWeight {
        if let matrix = packed[index] { return .packed(matrix) }
        return .plain(held[index][0]!)
    }

    /// Packs node `index`'s linear weight (out, in) as the GEMM's right operand and frees the
    /// plain copy, so the weight is held once and no run packs it again. Does nothing when it
    /// is held packed already.
    func packLinearWeight(_ index: Int) {
        guard packed[index] == nil, let weight = held[index][0] else { return }
        packed[index] = PackedMatrix(
            k: weight.shape[1], n: weight.shape[0], b: weight.data,
            bRowStride: 1, bColStride: weight.shape[1])
        held[index][0] = nil
    }

    /// Changes parameter `position` of node `index` in place: `body` receives its elements
    /// (row-major, `count` of them). A linear weight held packed is unpacked for `body` and
    /// packed again, so it stays held once. Like ``packLinearWeight(_:)``, call it between
    /// runs, not while one is in progress.
    func update(_ index: Int, _ position: Int, _ body: (UnsafeMutablePointer<Float>, Int) -> Void) {
        if let tensor = held[index][position] {
            body(tensor.data, tensor.count)
            return
        }
        guard let matrix = packed[index] else { return }
        let (k, n) = (matrix.k, matrix.n)
        let plain = GEMM.allocateFloats(k * n)
        defer { UnsafeMutableRawPointer(plain).deallocate() }
        matrix.unpack(into: plain, bRowStride: 1, bColStride: k)
        body(plain, k * n)
        packed[index] = PackedMatrix(k: k, n: n, b: plain, bRowStride: 1, bColStride: k)
    }

    /// Elements of the parameters of node `index`.
    public func parameterElements(_ index: Int) -> Int {
        held[index].indices.reduce(0) { sum, position in
            sum + (held[index][position]?.count ?? packed[index].map { $0.k * $0.n } ?? 0)
        }
    }

    /// Elements of every parameter and buffer.
    public var elements: Int {
        held.indices.reduce(0) { $0 + parameterElements($1) } + buffers.joined().reduce(0) { $0 + $1.count }
    }

    /// Deterministic weights for `graph` from `seed`, each tensor filled as its op declares
    /// (``ArchGraph/Initialization``): matrices, conv kernels and their biases uniform in
    /// ±1/√fan-in, norm scales 1 ± 0.1 and shifts ± 0.1, running variances in [0.5, 1.5],
    /// tokens and embeddings ± 0.5, the Performer projection ± 1.
    public static func random(for graph: Graph, seed: UInt64) throws(BackendError) -> Weights {
        var generator = SeededGenerator(seed: seed)
        var parameters: [[Tensor]] = [], buffers: [[Tensor]] = []
        for node in graph.nodes {
            let shapes = try node.parameters.map { tensor throws(BackendError) in try concrete(tensor.shape, node) }
            let fanIn = shapes.first.map { $0.dropFirst().reduce(1, *) } ?? 1
            func filled(_ description: ParameterTensor, _ shape: [Int]) -> Tensor {
                let tensor = Tensor(uninitialized: shape, pooled: false)
                let (center, scale): (Float, Float) =
                    switch description.initialization {
                    case .fanIn: (0, 1 / Float(max(fanIn, 1)).squareRoot())
                    case .uniform(let center, let spread): (Float(center), Float(spread))
                    }
                generator.fill(tensor.data, count: tensor.count, center: center, scale: scale)
                return tensor
            }
            parameters.append(zip(node.parameters, shapes).map(filled))
            buffers.append(
                try node.op.buffers.map { description throws(BackendError) in
                    filled(description, try concrete(description.shape, node))
                })
        }
        return Weights(parameters: parameters, buffers: buffers)
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

/// A linear layer's weight W (out, in) as a kernel receives it.
enum LinearWeight {
    case plain(Tensor)
    case packed(PackedMatrix)

    var outFeatures: Int {
        switch self {
        case .plain(let tensor): tensor.shape[0]
        case .packed(let matrix): matrix.n
        }
    }

    var inFeatures: Int {
        switch self {
        case .plain(let tensor): tensor.shape[1]
        case .packed(let matrix): matrix.k
        }
    }

    /// W as a plain (out, in) tensor: the one held, or a new one unpacked.
    var tensor: Tensor {
        switch self {
        case .plain(let tensor): return tensor
        case .packed(let matrix):
            let tensor = Tensor(uninitialized: [matrix.n, matrix.k])
            matrix.unpack(into: tensor.data, bRowStride: 1, bColStride: matrix.k)
            return tensor
        }
    }

    /// Wᵀ packed as the GEMM's right operand: the matrix held, or the plain tensor packed now.
    var matrix: PackedMatrix {
        switch self {
        case .plain(let tensor):
            PackedMatrix(k: tensor.shape[1], n: tensor.shape[0], b: tensor.data, bRowStride: 1, bColStride: tensor.shape[1])
        case .packed(let matrix): matrix
        }
    }
}
