import ArchGraph

extension TrainingStep {
    /// Runs one node's forward in training mode: the single place that maps each op to its
    /// training forward. Batch norm uses the batch's statistics; the ops whose backward reads a
    /// tensor the inference forward does not keep (statistics, sigmoids, per-head copies,
    /// log-sum-exps, indices, the Performer's intermediates) make it here, counting what the
    /// inference forward counts; every other op runs its inference kernel.
    /// - Returns: the output and the tensors made for the backward, by name.
    func run(_ node: Node, _ x: [Tensor], _ counters: inout Counters) throws(BackendError) -> (Tensor, [String: SavedValue]) {
        let p = NodeParameters(weights: interpreter.weights, index: node.index)
        let records = needs[node.index].any
        func inference(_ counters: inout Counters) throws(BackendError) -> (Tensor, [String: SavedValue]) {
            (try interpreter.execute(node, x, image: image, kernels: kernels, threads: threads, &counters), [:])
        }
        switch node.op {
        case .layerNorm(let channels, let eps):
            guard records else { return try inference(&counters) }
            let r = kernels.layerNormTraining(x[0], width: channels, weight: p[0], bias: p[1], eps: Float(eps), threads: threads, &counters)
            return (r.output, ["mean": .tensor(r.mean), "rstd": .tensor(r.rstd)])
        case .headLayerNorm(_, let headDim, let eps):
            guard records else { return try inference(&counters) }
            let r = kernels.layerNormTraining(x[0], width: headDim, weight: p[0], bias: p[1], eps: Float(eps), threads: threads, &counters)
            return (r.output, ["mean": .tensor(r.mean), "rstd": .tensor(r.rstd)])
        case .batchNorm(_, let eps):
            // Training mode normalises with the batch's statistics whether or not a gradient flows.
            let r = kernels.batchNormTraining(x[0], weight: p[0], bias: p[1], eps: Float(eps), &counters)
            return (r.output, ["mean": .tensor(r.mean), "rstd": .tensor(r.rstd)])
        case .activation(.quickGELU):
            guard records else { return try inference(&counters) }
            let r = kernels.quickGELUTraining(x[0], threads: threads, &counters)
            return (r.output, ["sigmoid": .tensor(r.sigmoid)])
        case .attentionScores(let heads, let scale):
            guard records, roles[node.index] == nil else { return try inference(&counters) }
            let r = kernels.attentionScoresTraining(
                q: x[0], k: x[1], heads: heads, scale: Float(scale), scaling: scaling(node), threads: threads, &counters)
            return (r.output, ["q": .tensor(r.queries), "k": .tensor(r.keys)])
        case .softmax:
            guard records, case .softmax = roles[node.index] else { return try inference(&counters) }
            let r = kernels.softmaxTraining(x[0], threads: threads, &counters)
            return (r.output, ["lse": .tensor(r.logSumExp)])
        case .attentionContext(let heads):
            guard records, roles[node.index] == nil else { return try inference(&counters) }
            let r = kernels.attentionContextTraining(attention: x[0], v: x[1], heads: heads, threads: threads, &counters)
            return (r.output, ["v": .tensor(r.values)])
        case .maxPool2d(let window):
            guard records else { return try inference(&counters) }
            let r = kernels.maxPool2dTraining(x[0], window, &counters)
            return (r.output, ["indices": .indices(r.indices)])
        case .performerAttention:
            guard records else { return try inference(&counters) }
            let r = kernels.performerTraining(x[0], projection: p[0], threads: threads, &counters)
            return (r.output, r.saved.made.mapValues { .tensor($0) })
        case .input, .conv2d, .linear, .activation, .add, .average, .learnedTokens, .positionEmbedding, .concat, .slice,
            .tokensToImage, .imageToTokens, .unfold, .globalAveragePool, .meanTokens, .maxTokens, .selectToken, .roll,
            .windowPartition, .windowMerge, .patchMerge, .relativePositionBias, .windowMask, .layerScale:
            return try inference(&counters)
        }
    }
}
