import ArchGraph
import Dispatch
import SizeAlgebra

/// Which implementation of the kernels to run.
public enum KernelChoice: String, Sendable, CaseIterable {
    /// Blocked, SIMD, multi-threaded kernels.
    case optimized
    /// The plain reference loops.
    case naive

    /// The kernels, with `fault` injected into the optimised ones (tests only).
    func kernels(fault: KernelFault? = nil) -> any KernelSet {
        switch self {
        case .optimized: OptimizedKernels(fault: fault)
        case .naive: NaiveKernels()
        }
    }
}

/// What running one node did, as measured by the kernels themselves.
public struct NodeExecution: Hashable, Sendable {
    /// The shape of the tensor the kernel produced.
    public let shape: [Int]
    /// Parameter elements allocated for the node.
    public let parameterElements: Int
    public let counters: Counters
    /// Wall time of the node's kernel.
    public let seconds: Double
}

/// The output of a forward pass and what every node did.
public struct Execution: Sendable {
    public let output: Tensor
    /// Per node, in graph order.
    public let nodes: [NodeExecution]
    /// The largest number of activation elements alive at once (inputs and outputs of the node
    /// being run, plus every tensor still waiting for a consumer).
    public let peakActivationElements: Int
}

/// Runs a concrete graph node by node: one exhaustive switch over ``ArchGraph/Op`` picks the
/// kernel, so an op without a kernel does not compile. It runs any graph: nothing here knows a
/// model family.
///
/// Softmax attention whose scores and probabilities nothing else reads runs as one fused
/// kernel at its `attention_context` node, which never makes the N×N tensors; the scores and
/// softmax nodes get the counts that kernel made for them; the kernel reads queries, keys and
/// values that are slices of a fused qkv projection in place, so those slices make no tensor. A
/// linear layer whose output only an activation, or only a residual sum, reads runs with that
/// node in its GEMM's store: one tensor for the two nodes.
public struct Interpreter: Sendable {
    public let graph: Graph
    public let weights: Weights
    /// For each node, the index of the last node that reads it (itself when none does), fused
    /// attention's q and k read by its context node, and a slice's source by the reader of a
    /// slice read in place.
    let lastUse: [Int]
    /// Fused attention's nodes, each with its part.
    let fused: [Int: FusedRole]
    /// Each slice that fused attention reads in place, mapped to the node it slices.
    let slicesInPlace: [Int: Int]
    /// Each linear node whose reader runs in its store, mapped to that reader (an activation or
    /// a residual sum).
    let storeEpilogues: [Int: Int]

    /// - Parameters:
    ///   - graph: a graph built at a concrete batch and image size.
    ///   - weights: tensors for every node's parameters and buffers.
    public init(graph: Graph, weights: Weights) {
        self.graph = graph
        self.weights = weights
        fused = FusedRole.groups(graph, .fused)
        slicesInPlace = Self.slicesReadInPlace(graph, fused)
        lastUse = Self.lastUse(graph, fused, slicesInPlace)
        storeEpilogues = Self.epiloguesInStore(graph)
    }

    /// For each node, the nodes that take it as an input, in graph order.
    static func readers(_ graph: Graph) -> [[Int]] {
        var readers = [[Int]](repeating: [], count: graph.nodes.count)
        for node in graph.nodes { for input in node.inputs { readers[input].append(node.index) } }
        return readers
    }

    /// Each slice of a `(B, N, C)` tensor's channels (the last axis) that only fused attention
    /// reads, as its queries, keys or values, mapped to the sliced node: the kernel reads those
    /// columns where they lie.
    static func slicesReadInPlace(_ graph: Graph, _ fused: [Int: FusedRole]) -> [Int: Int] {
        let readers = Self.readers(graph)
        var slices: [Int: Int] = [:]
        for node in graph.nodes where node.index != graph.nodes.count - 1 && !readers[node.index].isEmpty {
            guard case .slice(axis: 2, _, _) = node.op, node.shape.count == 3 else { continue }
            let inAttention = readers[node.index].allSatisfy { reader in
                switch fused[reader] {
                case .scores: true
                case .context: graph.nodes[reader].inputs[0] != node.index
                case .softmax, nil: false
                }
            }
            if inAttention { slices[node.index] = node.inputs[0] }
        }
        return slices
    }

    /// Each linear node (not the graph's output) whose output only one node reads, mapped to
    /// that node, where it is an activation of the linear output alone, or a sum of the linear
    /// output and a tensor of an earlier node (so made before the linear layer runs).
    static func epiloguesInStore(_ graph: Graph) -> [Int: Int] {
        let readers = Self.readers(graph)
        var pairs: [Int: Int] = [:]
        for node in graph.nodes where node.op.kind == .linear && node.index != graph.nodes.count - 1 {
            guard readers[node.index].count == 1, let reader = readers[node.index].first else { continue }
            let inputs = graph.nodes[reader].inputs
            switch graph.nodes[reader].op {
            case .activation where inputs == [node.index]:
                pairs[node.index] = reader
            case .add where inputs.count == 2 && inputs.filter({ $0 == node.index }).count == 1:
                if let other = inputs.first(where: { $0 != node.index }), other < node.index,
                    graph.nodes[other].shape == node.shape
                {
                    pairs[node.index] = reader
                }
            default:
                continue
            }
        }
        return pairs
    }

    /// Per node, the name its time is reported under: the op's, `fused_attention` for a fused
    /// attention's context node, `linear+gelu`, `linear+add` (and so on) for a linear layer
    /// running its reader in its store; `nil` for the nodes whose work runs inside another's
    /// (fused attention's scores and softmax, the node in the store) and for the slices fused
    /// attention reads in place, whose records hold no time.
    func profileNames() -> [String?] {
        var names: [String?] = graph.nodes.map(\.op.name)
        for slice in slicesInPlace.keys { names[slice] = nil }
        for (node, role) in fused {
            if case .context = role { names[node] = "fused_attention" } else { names[node] = nil }
        }
        for (linear, reader) in storeEpilogues {
            names[linear] = graph.nodes[linear].op.name + "+" + graph.nodes[reader].op.name
            names[reader] = nil
        }
        return names
    }

    /// For each node of `graph`, the last node that reads it, where fused attention's context
    /// node reads the queries and keys its scores node takes, and the reader of a slice read in
    /// place (`slices`, slice to source) reads the slice's source.
    static func lastUse(_ graph: Graph, _ fused: [Int: FusedRole], _ slices: [Int: Int]) -> [Int] {
        var lastUse = Array(graph.nodes.indices)
        for node in graph.nodes {
            for input in reads(node, graph, fused, slices) where input != node.index {
                lastUse[input] = max(lastUse[input], node.index)
            }
        }
        return lastUse
    }

    /// The tensors a node's kernel reads, itself included: its inputs; for fused attention's
    /// context node also its scores node's queries and keys; for each of those a slice read in
    /// place, the slice's source. At the node, those whose last reader it is are freed.
    static func reads(_ node: Node, _ graph: Graph, _ fused: [Int: FusedRole], _ slices: [Int: Int]) -> Set<Int> {
        var read = node.inputs + [node.index]
        if case .context(let scores, _) = fused[node.index] { read += graph.nodes[scores].inputs }
        return Set(read + read.compactMap { slices[$0] })
    }

    /// Packs the linear layers' weights for the GEMM once, so repeated runs do not repack them.
    /// Each weight is then held only packed: naive kernels and ``Weights/parameters(_:)`` unpack
    /// a copy when they need the plain tensor. It changes the weights, so call it before a run,
    /// not while one is in progress.
    public func prepare() {
        for node in graph.nodes {
            if node.op.linearLayer != nil { weights.packLinearWeight(node.index) }
        }
    }

    /// Runs the forward pass.
    /// - Parameters:
    ///   - input: the image batch, `(B, C, H, W)` as the graph's input node expects.
    ///   - kernels: optimised or naive kernels.
    ///   - threads: worker threads for the optimised kernels.
    /// - Returns: the last node's output and per-node measurements.
    public func run(_ input: Tensor, kernels choice: KernelChoice = .optimized, threads: Int = 1) throws(BackendError) -> Execution {
        try run(input, kernels: choice, threads: threads, fault: nil)
    }

    /// ``run(_:kernels:threads:)`` with a fault injected into one node's optimised kernel, for
    /// the tests that prove `verify` catches a kernel that skips or repeats work.
    func run(
        _ input: Tensor, kernels choice: KernelChoice, threads: Int,
        fault: (node: Int, fault: KernelFault)?
    ) throws(BackendError) -> Execution {
        let kernels = choice.kernels(), faulty = fault.map { choice.kernels(fault: $0.fault) }
        var values = [Tensor?](repeating: nil, count: graph.nodes.count)
        var records: [NodeExecution] = []
        records.reserveCapacity(graph.nodes.count)
        var live = 0, peak = 0
        // What each fused linear kernel counted for the node in its store, by that node, with the
        // tensor the two share and the linear node.
        var storeCounts: [Int: (counters: Counters, tensor: Tensor, linear: Int)] = [:]
        // The slices fused attention reads in place, each until its last reader has run.
        var views: [Int: TokenRows] = [:]
        // Frees every tensor (and view) whose last reader `node` is, but the graph's output and
        // the tensor `node` took over from its linear layer.
        func release(_ node: Node, handedOver: Int?) {
            for i in Self.reads(node, graph, fused, slicesInPlace)
            where lastUse[i] == node.index && i != graph.nodes.count - 1 && i != handedOver {
                live -= values[i]?.count ?? 0
                values[i] = nil
                views[i] = nil
            }
        }
        for node in graph.nodes {
            var counters = Counters()
            let start = DispatchTime.now().uptimeNanoseconds
            let output: Tensor
            if let source = slicesInPlace[node.index], case .slice(_, let first, let length) = node.op {
                // No tensor and no work: the columns stay in the source, which lives on until the
                // attention that reads them has run.
                let view = TokenRows(values[source]!, columns: try value(first, node), count: try value(length, node))
                views[node.index] = view
                records.append(
                    NodeExecution(
                        shape: view.shape, parameterElements: weights.parameterElements(node.index), counters: counters,
                        seconds: 0))
                continue
            }
            if let (counts, tensor, linear) = storeCounts.removeValue(forKey: node.index) {
                // Run, and recorded, by its linear node: the tensor is the linear node's, handed on.
                values[node.index] = tensor
                values[linear] = nil
                records.append(
                    NodeExecution(
                        shape: tensor.shape, parameterElements: weights.parameterElements(node.index), counters: counts,
                        seconds: 0))
                release(node, handedOver: linear)
                continue
            }
            if let reader = storeEpilogues[node.index], case .linear(let linear) = node.op {
                // The reader's tensor is this one: it lives on past this node (its last reader is
                // the reader), and the reader records what the kernel counted for it.
                let epilogue: StoreEpilogue
                switch graph.nodes[reader].op {
                case .activation(let kind):
                    epilogue = .activation(kind)
                case .add:
                    guard let residual = graph.nodes[reader].inputs.first(where: { $0 != node.index }), let tensor = values[residual]
                    else { throw BackendError(path: graph.nodes[reader].path, message: "has no residual to add in the store") }
                    epilogue = .add(tensor)
                default:
                    throw BackendError(path: graph.nodes[reader].path, message: "cannot run in a linear layer's store")
                }
                var storeCounters = Counters()
                let p = NodeParameters(weights: weights, index: node.index)
                output = (fault?.node == node.index ? faulty ?? kernels : kernels).linearFused(
                    values[node.inputs[0]]!, weight: weights.linearWeight(node.index), bias: linear.bias ? p[1] : nil,
                    then: epilogue, threads: threads, storeFault: fault?.node == reader ? fault?.fault : nil,
                    &counters, &storeCounters)
                storeCounts[reader] = (storeCounters, output, node.index)
            } else {
                switch fused[node.index] {
                case .scores, .softmax:
                    // Run, and recorded, by the context node.
                    records.append(NodeExecution(shape: [], parameterElements: 0, counters: Counters(), seconds: 0))
                    continue
                case .context(let scores, let softmax):
                    guard case .attentionContext(let heads) = node.op,
                        case .attentionScores(_, let scale) = graph.nodes[scores].op
                    else { throw BackendError(path: node.path, message: "is not the context of fused attention") }
                    let part: [Int: AttentionPart] = [scores: .scores, softmax: .softmax, node.index: .context]
                    let faultyPart = fault.flatMap { part[$0.node] }
                    let q = graph.nodes[scores].inputs[0], k = graph.nodes[scores].inputs[1]
                    let v = node.inputs[1]
                    let result = (faultyPart != nil ? faulty ?? kernels : kernels).fusedAttention(
                        q: views[q] ?? TokenRows(values[q]!), k: views[k] ?? TokenRows(values[k]!),
                        v: views[v] ?? TokenRows(values[v]!), heads: heads, scale: Float(scale),
                        threads: threads, faulty: faultyPart)
                    output = result.output
                    counters = result.context
                    for (index, counts) in [(scores, result.scores), (softmax, result.softmax)] {
                        records[index] = NodeExecution(
                            shape: result.weightsShape, parameterElements: 0, counters: counts, seconds: 0)
                    }
                case nil:
                    let inputs = node.inputs.map { values[$0]! }
                    output = try execute(
                        node, inputs, image: input, kernels: fault?.node == node.index ? faulty ?? kernels : kernels,
                        threads: threads, &counters)
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            values[node.index] = output
            live += output.count
            peak = max(peak, live)
            records.append(
                NodeExecution(
                    shape: output.shape, parameterElements: weights.parameterElements(node.index),
                    counters: counters, seconds: seconds))
            release(node, handedOver: nil)
        }
        guard let output = values.last ?? nil else {
            throw BackendError(path: "graph", message: "has no nodes")
        }
        return Execution(output: output, nodes: records, peakActivationElements: peak)
    }
}
