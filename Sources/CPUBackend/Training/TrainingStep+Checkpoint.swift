import ArchGraph

// Activation checkpointing per block: a checkpointed block keeps only the values it reads from
// outside itself; its forward runs again when the backward first reaches it, and what its
// nodes keep then lives only until their backward.

extension TrainingStep {
    /// Holds the values `node` (in a checkpointed block) reads from outside its block, for the
    /// block's recomputation, and counts them as kept by `node` (the image never counts).
    mutating func keepBlockInputs(_ node: Node, _ inputs: [Tensor]) {
        for (input, tensor) in zip(node.inputs, inputs) where graph.nodes[input].block != node.block {
            blockInputs[input] = tensor
            guard needs[node.index].any, let storage = outputStorage(input),
                !kept[node.index].contains(where: { $0.storage == storage })
            else { continue }
            let bytes = shapes[base[input]].reduce(ScalarType.float32.bytes, *)
            kept[node.index].append(KeptTensor(name: "block input", storage: storage, type: .float32, bytes: bytes))
        }
    }

    /// Runs block `block`'s forward again from its kept inputs, so that its nodes hold what
    /// their backward reads; the MACs it runs are each node's recomputation.
    mutating func recompute(_ block: Int) throws(BackendError) {
        var local: [Tensor?] = Array(repeating: nil, count: graph.nodes.count)
        for node in graph.nodes where node.block == block && checkpointed[node.index] {
            let inputs = try node.inputs.map { i throws(BackendError) in
                guard let tensor = local[i] ?? blockInputs[i] else {
                    throw BackendError(path: node.path, message: "input \(graph.nodes[i].path) was not kept for the recomputation")
                }
                return tensor
            }
            var counters = Counters()
            let (output, made) = try run(node, inputs, &counters)
            recomputeMacs[node.index] += counters.macs
            local[node.index] = output
            try keep(node, inputs, output: output, made: made, counted: false)
        }
    }
}
