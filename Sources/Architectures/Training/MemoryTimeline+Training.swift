import ArchGraph
import SizeAlgebra

extension MemoryTimeline {
    /// The timeline of `training`'s step, as PyTorch's autograd and caching allocator run it
    /// without fragmentation:
    ///
    /// - a kept storage is alive in the forward from the node that makes it (the node whose
    ///   output it is, or the node that makes a cast or a tensor for its backward), and in the
    ///   backward until the backward of the earliest node that keeps it has finished;
    /// - a forward output nothing keeps is alive from its node until its last reader (or a
    ///   reader of a view of it) has run; the model's output until the forward ends; views
    ///   have no storage of their own, and the input image is not counted;
    /// - the gradient of a node's output, in the node's output type, is alive from the
    ///   backward of the last reader that computes it (for the model's output, from the
    ///   start of the backward) until the node's own backward has finished;
    /// - fused attention's scores and softmax (``TrainingAnalysis/fusedMembers``) have neither
    ///   outputs nor gradients: the group's context node reads the queries and keys and, in its
    ///   backward, gives their gradients;
    /// - with block checkpointing (`unchecked` is the same step without it), while a block's
    ///   backward runs, each storage its nodes would keep without checkpointing is alive from
    ///   the start of the block's backward (when its forward runs again) until the backward of
    ///   the earliest of the block's nodes keeping it has finished. Storages the checkpointed
    ///   step keeps anyway (each block's input) are not counted twice.
    public init(_ training: TrainingAnalysis, unchecked: TrainingAnalysis? = nil) {
        let nodes = training.graph.nodes
        let last = nodes.count - 1
        // A fused attention kernel runs its scores and softmax as part of its context node: they
        // have no outputs or gradients of their own, and what they read is read at that node.
        let fused = training.fusedMembers
        func time(_ node: Int) -> Int { fused[node] ?? node }
        var base = Array(nodes.indices)
        var lastUse = Array(nodes.indices)
        for node in nodes {
            if node.op.outputIsView, let source = node.inputs.first { base[node.index] = base[source] }
            for input in node.inputs { lastUse[base[input]] = max(lastUse[base[input]], time(node.index)) }
        }
        if last >= 0 { lastUse[base[last]] = last }
        func outputBytes(_ index: Int) -> Expr {
            Expr.product(nodes[index].shape) * Expr(training.nodes[index].outputType.bytes)
        }
        var buffers: [Buffer] = []
        var keptOutputs = Set<Int>()
        let keepers = Self.earliestKeepers(training)
        for (index, storage) in training.storages.enumerated() {
            if case .output(let owner) = storage.identity { keptOutputs.insert(owner) }
            let freed = keepers[index]
            buffers.append(
                Buffer(
                    kind: .saved, bytes: storage.bytes, forward: Self.creator(storage.identity)...max(last, 0),
                    backward: freed...max(last, 0)))
        }
        for node in nodes
        where !node.op.outputIsView && node.op.kind != .input && !keptOutputs.contains(node.index) && fused[node.index] == nil {
            buffers.append(Buffer(kind: .output, bytes: outputBytes(node.index), forward: node.index...lastUse[node.index]))
        }
        // The last reader of each node whose backward computes the node's gradient.
        var producer = [Int?](repeating: nil, count: nodes.count)
        for node in nodes {
            for (position, input) in node.inputs.enumerated() where training.nodes[node.index].needs.input(position) {
                producer[input] = max(producer[input] ?? 0, time(node.index))
            }
        }
        if last >= 0, training.nodes[last].requiresGradient { producer[last] = last }
        for node in nodes where training.nodes[node.index].requiresGradient && fused[node.index] == nil {
            guard let end = producer[node.index] else { continue }
            buffers.append(Buffer(kind: .gradient, bytes: outputBytes(node.index), backward: node.index...end))
        }
        if let unchecked { buffers += Self.recomputed(unchecked, keptAnyway: Set(training.storages.map(\.identity))) }
        self.init(steps: nodes.count, buffers: buffers)
    }

    /// The node whose forward makes a kept storage.
    static func creator(_ identity: KeptStorage.Identity) -> Int {
        switch identity {
        case .output(let node), .inputCast(let node, _), .parameterCast(let node, _, _), .made(let node, _): node
        }
    }

    /// Per storage, the earliest node that keeps it: its ``KeptStorage/node``, the first node
    /// whose list holds it (a block input of a checkpointed step is kept for its block without
    /// being in any node's list).
    static func earliestKeepers(_ training: TrainingAnalysis) -> [Int] {
        var earliest = training.storages.map(\.node)
        for (node, record) in training.nodes.enumerated() {
            for storage in record.kept where node < earliest[storage] { earliest[storage] = node }
        }
        return earliest
    }

    /// What each checkpointed block keeps again in its backward: the storages the nodes of
    /// the block keep in `unchecked`, but those in `keptAnyway`.
    static func recomputed(_ unchecked: TrainingAnalysis, keptAnyway: Set<KeptStorage.Identity>) -> [Buffer] {
        let nodes = unchecked.graph.nodes
        var lastOfBlock: [Int: Int] = [:]
        for node in nodes { if let block = node.block { lastOfBlock[block] = node.index } }
        var earliest: [Int: Int] = [:]
        for (node, record) in unchecked.nodes.enumerated() where nodes[node].block != nil {
            for storage in record.kept where earliest[storage] == nil { earliest[storage] = node }
        }
        var buffers: [Buffer] = []
        for (index, storage) in unchecked.storages.enumerated() where !keptAnyway.contains(storage.identity) {
            guard let first = earliest[index], let block = nodes[first].block, let end = lastOfBlock[block] else { continue }
            buffers.append(Buffer(kind: .recomputed, bytes: storage.bytes, backward: first...end))
        }
        return buffers
    }
}
