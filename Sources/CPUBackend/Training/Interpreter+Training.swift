import ArchGraph
import Dispatch

extension Interpreter {
    /// Runs one training step: the forward in training mode, keeping per node what its backward
    /// needs, then the backward in reverse node order, as PyTorch's autograd runs it.
    ///
    /// A value requires a gradient when it depends on a trainable parameter (the image does not,
    /// nor do frozen tensors such as T2T's sinusoid table and Performer projection). A node
    /// computes the gradient of an input only when that input requires one, and its parameters'
    /// only when they are trainable. Batch norm normalises with the batch's statistics (its
    /// running statistics are left as they are); every other op runs as in inference. Nothing
    /// here changes the weights: an optimizer applies the gradients.
    ///
    /// The backward starts from `outputGradient` at the graph's last node, and from any
    /// `additionalGradients` at other nodes (as `torch.autograd.backward` takes several
    /// tensors); a node that no gradient reaches runs no backward and its parameters get none.
    /// - Parameters:
    ///   - input: the image batch, `(B, C, H, W)`.
    ///   - outputGradient: the loss's gradient with respect to the graph's output, of its shape.
    ///   - kernels: optimised or naive kernels, forward and backward.
    ///   - threads: worker threads for the optimised kernels.
    ///   - attention: fused (keeps q, k, v, the output and log-sum-exps) or eager softmax
    ///     attention; only scores → softmax → context with nothing else reading the scores or
    ///     the probabilities can fuse.
    ///   - checkpoint: `.blocks` keeps only each block's inputs across the step and runs each
    ///     block's forward again in backward.
    ///   - additionalGradients: gradients of the outputs of other nodes, by node index.
    /// - Returns: the output, per-node counts and kept storages, and the parameters' gradients.
    public func trainingStep(
        _ input: Tensor, outputGradient: Tensor, kernels: KernelChoice = .optimized, threads: Int = 1,
        attention: AttentionImplementation = .fused, checkpoint: CheckpointMode = .none,
        additionalGradients: [Int: Tensor] = [:]
    ) throws(BackendError) -> TrainingExecution {
        try trainingStep(
            input, kernels: kernels, threads: threads, attention: attention, checkpoint: checkpoint,
            additionalGradients: additionalGradients
        ) { (_: Tensor) throws(BackendError) -> Tensor in outputGradient }
    }

    /// Runs one training step whose output gradient is computed from the forward's output, as a
    /// loss's backward computes it: `lossGradient` gets the logits and returns their gradient
    /// (its time is in neither the forward's nor the backward's). The rest is as
    /// ``trainingStep(_:outputGradient:kernels:threads:attention:checkpoint:additionalGradients:)``.
    public func trainingStep(
        _ input: Tensor, kernels: KernelChoice = .optimized, threads: Int = 1,
        attention: AttentionImplementation = .fused, checkpoint: CheckpointMode = .none,
        additionalGradients: [Int: Tensor] = [:], lossGradient: (Tensor) throws(BackendError) -> Tensor
    ) throws(BackendError) -> TrainingExecution {
        var step = try TrainingStep(
            self, image: input, kernels: kernels.trainingKernels, threads: threads, attention: attention, checkpoint: checkpoint)
        let start = DispatchTime.now().uptimeNanoseconds
        let output = try step.forward()
        let forwardEnd = DispatchTime.now().uptimeNanoseconds
        let outputGradient = try lossGradient(output)
        let middle = DispatchTime.now().uptimeNanoseconds
        try step.backward(outputGradient, additionalGradients)
        let end = DispatchTime.now().uptimeNanoseconds
        let nodes = graph.nodes.indices.map { i in
            TrainingNodeExecution(
                shape: step.shapes[i], requiresGradient: step.needs[i].any, forward: step.forwardCounters[i],
                backward: step.backwardCounters[i], recomputeMacs: step.recomputeMacs[i], kept: step.kept[i])
        }
        var storages: [KeptTensor.Storage: Int] = [:]
        for tensor in step.kept.joined() { storages[tensor.storage] = tensor.bytes }
        return TrainingExecution(
            output: output, nodes: nodes, parameterGradients: step.parameterGradients,
            savedBytes: storages.values.reduce(0, +), forwardSeconds: Double(forwardEnd - start) / 1e9,
            backwardSeconds: Double(end - middle) / 1e9, nodeForwardSeconds: step.forwardSeconds,
            nodeBackwardSeconds: step.backwardSeconds)
    }
}

/// A tensor a node keeps: float32 values, or max pooling's int64 indices.
enum SavedValue {
    case tensor(Tensor)
    case indices([Int])

    var type: ScalarType {
        switch self {
        case .tensor: .float32
        case .indices: .int64
        }
    }

    var bytes: Int {
        switch self {
        case .tensor(let tensor): tensor.count * ScalarType.float32.bytes
        case .indices(let indices): indices.count * ScalarType.int64.bytes
        }
    }
}

/// What one node kept, read by its backward.
struct SavedTensors {
    var values: [KeptSource: SavedValue] = [:]
    var path = ""

    func tensor(_ source: KeptSource) throws(BackendError) -> Tensor {
        guard case .tensor(let tensor) = values[source] else { throw missing(source) }
        return tensor
    }

    func indices(_ source: KeptSource) throws(BackendError) -> [Int] {
        guard case .indices(let indices) = values[source] else { throw missing(source) }
        return indices
    }

    private func missing(_ source: KeptSource) -> BackendError {
        BackendError(path: path, message: "the backward reads \(source), which the node's keep list does not keep")
    }
}

/// The state of one training step of an ``Interpreter``'s graph.
struct TrainingStep {
    let interpreter: Interpreter
    let graph: Graph
    let image: Tensor
    /// The kernels; tests set other ones between the forward and the backward to compare
    /// backward kernels on the same kept tensors.
    var kernels: any KernelSet & BackwardKernelSet
    let threads: Int
    /// Per node: the gradients its backward computes (autograd's rules).
    let needs: [GradientNeeds]
    let roles: [Int: FusedRole]
    /// The scores nodes that run PyTorch's math path of fused attention.
    let mathScores: Set<Int>
    /// Per node: the node owning its output's storage (itself, or a view's base).
    let base: [Int]
    let shapes: [[Int]]
    /// Per node: whether it is in a checkpointed block (keeps nothing, runs again in backward).
    let checkpointed: [Bool]

    var values: [Tensor?]
    var saved: [SavedTensors]
    /// What the scores and softmax nodes of a fused group keep for their context node.
    var pending: [Int: [KeptSource: SavedValue]] = [:]
    /// Values read by checkpointed blocks from outside them, kept for the blocks' recomputation.
    var blockInputs: [Int: Tensor] = [:]
    var recomputedBlocks: Set<Int> = []
    var forwardCounters: [Counters]
    var kept: [[KeptTensor]]
    var backwardCounters: [BackwardCounters]
    var recomputeMacs: [Int]
    /// Per node: wall time of its forward, and of its backward (a fused group's at its context
    /// node; a checkpointed block's recomputation at the node whose backward started it).
    var forwardSeconds: [Double], backwardSeconds: [Double]
    var gradients: GradientStore
    var parameterGradients: [Int: [Tensor?]] = [:]

    init(
        _ interpreter: Interpreter, image: Tensor, kernels: any KernelSet & BackwardKernelSet, threads: Int,
        attention: AttentionImplementation, checkpoint: CheckpointMode
    ) throws(BackendError) {
        self.interpreter = interpreter
        graph = interpreter.graph
        self.image = image
        self.kernels = kernels
        self.threads = threads
        let nodes = graph.nodes
        guard !nodes.isEmpty else { throw BackendError(path: "graph", message: "has no nodes") }
        var requires: [Bool] = [], needs: [GradientNeeds] = [], base: [Int] = []
        for node in nodes {
            let need = GradientNeeds(
                inputs: node.inputs.map { requires[$0] }, parameters: node.parameters.contains { $0.role == .trainable })
            needs.append(need)
            requires.append(need.any)
            base.append(Keeps.producesView(node.op) ? node.inputs.first.map { base[$0] } ?? node.index : node.index)
        }
        self.needs = needs
        self.base = base
        roles = FusedRole.groups(graph, attention)
        mathScores = FusedRole.mathPath(graph, attention)
        shapes = try nodes.map { node throws(BackendError) in try Weights.concrete(node.shape, node) }
        checkpointed = nodes.map { checkpoint == .blocks && $0.block != nil }
        values = Array(repeating: nil, count: nodes.count)
        saved = nodes.map { SavedTensors(path: $0.path) }
        forwardCounters = Array(repeating: Counters(), count: nodes.count)
        kept = Array(repeating: [], count: nodes.count)
        backwardCounters = Array(repeating: BackwardCounters(), count: nodes.count)
        recomputeMacs = Array(repeating: 0, count: nodes.count)
        forwardSeconds = Array(repeating: 0, count: nodes.count)
        backwardSeconds = Array(repeating: 0, count: nodes.count)
        gradients = GradientStore(shapes: shapes)
    }

    /// The training forward: every node's output, and what each node keeps.
    mutating func forward() throws(BackendError) -> Tensor {
        let nodes = graph.nodes
        for node in nodes {
            let inputs = try node.inputs.map { i throws(BackendError) in try value(i, in: values) }
            var counters = Counters()
            let start = DispatchTime.now().uptimeNanoseconds
            let (output, made) = try run(node, inputs, &counters)
            forwardSeconds[node.index] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            forwardCounters[node.index] = counters
            values[node.index] = output
            if checkpointed[node.index] {
                keepBlockInputs(node, inputs)
            } else {
                try keep(node, inputs, output: output, made: made)
            }
            for i in Set(node.inputs) where interpreter.lastUse[i] == node.index && i != nodes.count - 1 { values[i] = nil }
        }
        return try value(nodes.count - 1, in: values)
    }

    /// The backward from the given gradients, in reverse node order.
    mutating func backward(_ outputGradient: Tensor, _ additional: [Int: Tensor]) throws(BackendError) {
        let nodes = graph.nodes
        for (index, gradient) in [(nodes.count - 1, outputGradient)] + additional.sorted(by: { $0.key < $1.key }) {
            guard nodes.indices.contains(index) else {
                throw BackendError(path: "gradients", message: "node \(index) is not in the graph (\(nodes.count) nodes)")
            }
            guard gradient.shape == shapes[index] else {
                throw BackendError(
                    path: nodes[index].path, message: "output gradient has shape \(gradient.shape), the node's output \(shapes[index])")
            }
            if needs[index].any { gradients.add(gradient, to: index, owned: false) }
        }
        for node in nodes.reversed() where needs[node.index].any {
            switch roles[node.index] {
            case .scores, .softmax: continue  // the context node runs the fused group's backward
            case .context, nil: break
            }
            guard let (gradient, owned) = gradients.take(node.index) else { continue }
            let start = DispatchTime.now().uptimeNanoseconds
            defer { backwardSeconds[node.index] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            if checkpointed[node.index], let block = node.block, !recomputedBlocks.contains(block) {
                try recompute(block)
                recomputedBlocks.insert(block)
            }
            let parameters = try backward(node, gradient, owned: owned)
            if needs[node.index].parameters {
                parameterGradients[node.index] = zip(node.parameters, parameters).map { $0.role == .trainable ? $1 : nil }
            }
            saved[node.index] = SavedTensors(path: node.path)
        }
    }

    /// The value of node `index`, which the step still holds.
    func value(_ index: Int, in values: [Tensor?]) throws(BackendError) -> Tensor {
        guard let tensor = values[index] else {
            throw BackendError(path: graph.nodes[index].path, message: "its output was freed before a reader ran")
        }
        return tensor
    }

    /// Records what `node` keeps: the tensors its backward reads, and the storages they count as.
    /// - Parameter counted: false when a checkpointed block runs again in backward: what it
    ///   keeps then lives only until its backward, not across the step.
    mutating func keep(
        _ node: Node, _ inputs: [Tensor], output: Tensor, made: [String: SavedValue], counted: Bool = true
    ) throws(BackendError) {
        guard needs[node.index].any else { return }
        let list: [Keep]
        switch roles[node.index] {
        case .scores(let context):
            pending[context, default: [:]][.value(node.inputs[0])] = .tensor(inputs[0])
            pending[context, default: [:]][.value(node.inputs[1])] = .tensor(inputs[1])
            list = []
        case .softmax(let context):
            pending[context, default: [:]][.made("lse")] = made["lse"]
            list = []
        case .context(let scores, _):
            list = Keeps.fusedAttention(q: graph.nodes[scores].inputs[0], k: graph.nodes[scores].inputs[1])
        case nil:
            list = Keeps.of(node.op)
        }
        let group = pending.removeValue(forKey: node.index) ?? [:]
        var store = SavedTensors(path: node.path)
        for item in list {
            let value: SavedValue?
            var storage: KeptTensor.Storage?
            switch item.source {
            case .input(let i):
                value = .tensor(inputs[i])
                let copied = node.op.kind == .linear && Linear.keepsCopy(of: graph.nodes[node.inputs[i]], in: graph)
                storage = copied ? .made(node: node.index, name: "input copy") : outputStorage(node.inputs[i])
            case .output:
                value = .tensor(output)
                storage = outputStorage(node.index)
                if case .context(let scores, _) = roles[node.index],
                    FusedAttentionLayout.outputIsCopy(queries: graph.nodes[graph.nodes[scores].inputs[0]])
                {
                    storage = .made(node: node.index, name: "output")
                }
            case .made(let name):
                value = made[name] ?? group[item.source]
                storage = .made(node: node.index, name: name)
                // A kernel that kept an input itself (one head's operand, already in the layout
                // the product reads) keeps that input's storage, not a new one.
                if case .tensor(let tensor) = value, let i = inputs.firstIndex(where: { $0 === tensor }) {
                    storage = outputStorage(node.inputs[i])
                }
            case .value(let source):
                value = group[item.source]
                storage = outputStorage(source)
            }
            guard let value else {
                throw BackendError(path: node.path, message: "keeps \(item.name), which its forward did not make")
            }
            store.values[item.source] = value
            guard counted, let storage, !kept[node.index].contains(where: { $0.storage == storage }) else { continue }
            kept[node.index].append(KeptTensor(name: item.name, storage: storage, type: value.type, bytes: bytes(storage, value)))
        }
        saved[node.index] = store
    }

    /// Where eager scores node `node` applies its scale: PyTorch's math path, after the
    /// product, or on the queries first.
    func scaling(_ node: Node) -> ScoreScaling {
        if mathScores.contains(node.index) { return .both }
        return node.scalesAfterProduct ? .product : .queries
    }

    /// The storage of node `index`'s output (a view's base), or `nil` for the image.
    func outputStorage(_ index: Int) -> KeptTensor.Storage? {
        let owner = base[index]
        if case .input = graph.nodes[owner].op { return nil }
        return .output(node: owner)
    }

    private func bytes(_ storage: KeptTensor.Storage, _ value: SavedValue) -> Int {
        switch storage {
        case .output(let owner): shapes[owner].reduce(ScalarType.float32.bytes, *)
        case .made: value.bytes
        }
    }
}
