import ArchGraph
import SizeAlgebra

extension TrainingStep {
    /// Runs one node's backward from its output's gradient `g`: the single place that maps each
    /// op to its backward kernel. Input gradients go to ``gradients``; the node's counts to
    /// ``backwardCounters`` (a fused group's to each of its nodes).
    /// - Parameter owned: whether `g` may be handed on to be added into.
    /// - Returns: the gradients of the node's parameters in order (nil where none is computed).
    mutating func backward(_ node: Node, _ g: Tensor, owned: Bool) throws(BackendError) -> [Tensor?] {
        let (x, need, kept) = (node.inputs, needs[node.index], saved[node.index])
        let p = NodeParameters(weights: interpreter.weights, index: node.index)
        var c = BackwardCounters()
        defer { backwardCounters[node.index] += c }
        switch node.op {
        case .input:
            return []
        case .conv2d(let conv):
            let r = kernels.conv2dBackward(g, input: try kept.tensor(.input(0)), weight: p[0], conv, needs: need, threads: threads, &c)
            gradients.add(r.input, to: x[0])
            return conv.bias ? [r.weight, r.bias] : [r.weight]
        case .linear(let linear):
            // The plain weight (out, in), unpacked once for this step when it is held packed.
            let weight = interpreter.weights.parameter(node.index, 0)
            let r = kernels.linearBackward(
                g, input: try kept.tensor(.input(0)), weight: weight, bias: linear.bias, needs: need, threads: threads, &c)
            gradients.add(r.input, to: x[0])
            return linear.bias ? [r.weight, r.bias] : [r.weight]
        case .layerNorm(let width, _), .headLayerNorm(_, let width, _):
            let r = kernels.layerNormBackward(
                g, input: try kept.tensor(.input(0)), mean: try kept.tensor(.made("mean")), rstd: try kept.tensor(.made("rstd")),
                width: width, weight: p[0], needs: need, threads: threads, &c)
            gradients.add(r.input, to: x[0])
            return [r.weight, r.bias]
        case .batchNorm:
            let r = kernels.batchNormBackward(
                g, input: try kept.tensor(.input(0)), mean: try kept.tensor(.made("mean")), rstd: try kept.tensor(.made("rstd")),
                weight: p[0], needs: need, &c)
            gradients.add(r.input, to: x[0])
            return [r.weight, r.bias]
        case .activation(let kind):
            let activation: ActivationKept
            switch kind {
            case .gelu: activation = .gelu(input: try kept.tensor(.input(0)))
            case .geluTanh: activation = .geluTanh(input: try kept.tensor(.input(0)))
            case .quickGELU: activation = .quickGELU(input: try kept.tensor(.input(0)), sigmoid: try kept.tensor(.made("sigmoid")))
            case .relu: activation = .relu(output: try kept.tensor(.output))
            }
            gradients.add(kernels.activationBackward(g, activation, threads: threads, &c), to: x[0])
            return []
        case .add:
            for (i, input) in x.enumerated() where need.input(i) { gradients.add(g, to: input, owned: false) }
            return []
        case .average:
            guard need.inputs.contains(true) else { return [] }
            let share = kernels.averageBackward(g, count: x.count, &c)
            for (i, input) in x.enumerated() where need.input(i) { gradients.add(share, to: input, owned: false) }
            return []
        case .learnedTokens:
            return [kernels.batchSum(g, into: try parameterShape(node, 0), &c)]
        case .positionEmbedding:
            let table = need.parameters ? kernels.batchSum(g, into: try parameterShape(node, 0), &c) : nil
            if need.input(0) { gradients.add(g, to: x[0], owned: owned) }
            return [table]
        case .layerScale:
            let r = kernels.layerScaleBackward(g, input: try kept.tensor(.input(0)), gamma: p[0], needs: need, &c)
            gradients.add(r.input, to: x[0])
            return [r.gamma]
        case .concat(let axis):
            let pieces = Layout.split(g, axis: axis, sizes: x.map { shapes[$0][axis] })
            for (i, (input, piece)) in zip(x, pieces).enumerated() where need.input(i) { gradients.add(piece, to: input) }
            return []
        case .slice(let axis, let start, _):
            gradients.addSlice(g, to: x[0], axis: axis, start: try value(start, node))
            return []
        case .selectToken(let index):
            gradients.addToken(g, to: x[0], index: index)
            return []
        case .tokensToImage:
            gradients.add(Layout.imageToTokens(g), to: x[0])
            return []
        case .imageToTokens:
            let shape = shapes[x[0]]
            gradients.add(Layout.tokensToImage(g, height: shape[2], width: shape[3]), to: x[0])
            return []
        case .unfold(let window):
            gradients.add(kernels.unfoldBackward(g, window, inputShape: shapes[x[0]], &c), to: x[0])
            return []
        case .attentionScores(let heads, let scale):
            let r = kernels.attentionScoresBackward(
                g, queries: try kept.tensor(.made("q")), keys: try kept.tensor(.made("k")), heads: heads, scale: Float(scale),
                scaling: scaling(node), needs: need, threads: threads, &c)
            gradients.add(r.q, to: x[0])
            gradients.add(r.k, to: x[1])
            return []
        case .softmax:
            gradients.add(kernels.softmaxBackward(g, output: try kept.tensor(.output), threads: threads, &c), to: x[0])
            return []
        case .attentionContext(let heads):
            if case .context(let scores, let softmax) = roles[node.index] {
                try fusedBackward(node, g, scores: scores, softmax: softmax, heads: heads, &c)
                return []
            }
            let r = kernels.attentionContextBackward(
                g, attention: try kept.tensor(.input(0)), values: try kept.tensor(.made("v")), heads: heads, needs: need,
                threads: threads, &c)
            gradients.add(r.attention, to: x[0])
            gradients.add(r.v, to: x[1])
            return []
        case .performerAttention:
            func m(_ name: String) throws(BackendError) -> Tensor { try kept.tensor(.made(name)) }
            let performer = PerformerSaved(
                kqv: try kept.tensor(.input(0)), expK: try m("exp_k"), expQ: try m("exp_q"), kp: try m("kp"), qp: try m("qp"),
                kpSum: try m("kp_sum"), kptv: try m("kptv"), numerator: try m("numerator"), denominator: try m("denominator"))
            gradients.add(kernels.performerBackward(g, performer, projection: p[0], threads: threads, &c), to: x[0])
            return [nil]
        case .maxPool2d:
            gradients.add(
                kernels.maxPool2dBackward(g, indices: try kept.indices(.made("indices")), inputShape: shapes[x[0]], &c), to: x[0])
            return []
        case .globalAveragePool:
            gradients.add(kernels.globalAveragePoolBackward(g, inputShape: shapes[x[0]], &c), to: x[0])
            return []
        case .meanTokens:
            gradients.add(kernels.meanTokensBackward(g, inputShape: shapes[x[0]], &c), to: x[0])
            return []
        case .maxTokens:
            gradients.add(kernels.maxTokensBackward(g, input: try kept.tensor(.input(0)), output: try kept.tensor(.output), &c), to: x[0])
            return []
        case .roll(let height, let width, let shift):
            gradients.add(Layout.roll(g, height: try value(height, node), width: try value(width, node), shift: -shift), to: x[0])
            return []
        case .windowPartition(let height, let width, let window), .windowMerge(let height, let width, let window):
            let merges: Bool
            if case .windowPartition = node.op { merges = true } else { merges = false }
            let moved = Layout.windows(
                g, batch: image.shape[0], height: try value(height, node), width: try value(width, node), window: window,
                merge: merges)
            gradients.add(moved, to: x[0])
            return []
        case .patchMerge(let height, let width):
            gradients.add(Layout.patchSplit(g, height: try value(height, node), width: try value(width, node)), to: x[0])
            return []
        case .relativePositionBias(_, let window):
            let table =
                need.parameters
                ? kernels.relativePositionBiasBackward(g, tableShape: try parameterShape(node, 0), window: window, &c) : nil
            if need.input(0) { gradients.add(g, to: x[0], owned: owned) }
            return [table]
        case .windowMask:
            gradients.add(g, to: x[0], owned: owned)
            return []
        }
    }

    /// Fused attention's backward, run by its context node: the gradients of the scores' q and k
    /// and of the values, each part counted against the node it differentiates.
    private mutating func fusedBackward(
        _ node: Node, _ g: Tensor, scores: Int, softmax: Int, heads: Int, _ c: inout BackwardCounters
    ) throws(BackendError) {
        let kept = saved[node.index]
        let scoresNode = graph.nodes[scores]
        guard case .attentionScores(_, let scale) = scoresNode.op else {
            throw BackendError(path: node.path, message: "fused attention's scores node is not attention scores")
        }
        let (q, k, v) = (scoresNode.inputs[0], scoresNode.inputs[1], node.inputs[1])
        let fused = FusedAttentionSaved(
            q: try kept.tensor(.value(q)), k: try kept.tensor(.value(k)), v: try kept.tensor(.input(1)),
            output: try kept.tensor(.output), logSumExp: try kept.tensor(.made("lse")))
        let need = GradientNeeds(inputs: [needs[q].any, needs[k].any, needs[v].any], parameters: false)
        var counters = FusedAttentionCounters()
        let r = kernels.fusedAttentionBackward(g, fused, heads: heads, scale: Float(scale), needs: need, threads: threads, &counters)
        backwardCounters[scores] += counters.scores
        backwardCounters[softmax] += counters.softmax
        c += counters.context
        recomputeMacs[scores] += counters.recomputeMacs
        gradients.add(r.q, to: q)
        gradients.add(r.k, to: k)
        gradients.add(r.v, to: v)
    }

    private func parameterShape(_ node: Node, _ position: Int) throws(BackendError) -> [Int] {
        try Weights.concrete(node.parameters[position].shape, node)
    }

    private func value(_ size: Expr, _ node: Node) throws(BackendError) -> Int {
        guard let value = size.constant else {
            throw BackendError(path: node.path, message: "size \(size) is symbolic; build the graph at a concrete size")
        }
        return value
    }
}
