extension TrainingAnalysis {
    /// The nodes whose outputs a fused attention kernel never materialises — the scores and
    /// the softmax of each fused group — each mapped to the group's `attention_context` node,
    /// which computes the whole group forward and backward (its backward gives the queries',
    /// keys' and values' gradients). Empty unless the setup's attention is fused.
    public var fusedMembers: [Int: Int] {
        guard setup.attention == .fused else { return [:] }
        var members: [Int: Int] = [:]
        for (context, kept) in Self.fusedAttention(graph) where !kept.isEmpty {
            let softmax = graph.nodes[context].inputs[0]
            members[softmax] = context
            members[graph.nodes[softmax].inputs[0]] = context
        }
        return members
    }
}
