import ArchGraph
import Architectures

/// One token-mixing block along a model's depth (a transformer block, a T2T layer or a ResNet
/// bottleneck), with the stage it belongs to and its own counts.
public struct DepthStep: Hashable, Sendable {
    /// Position along the depth, from 1.
    public let index: Int
    /// The block's scope path, e.g. `stage2/block3`.
    public let block: String
    /// The stage the block belongs to: its grid, tokens and width.
    public let stage: StageSummary
    public let params: Int
    public let macs: Int
    /// MACs of the attention products (q·kᵀ, attn·v, Performer attention) inside the block.
    public let attentionMacs: Int
}

extension Analysis {
    /// Each node's evaluated layer beside the node itself, in execution order.
    var nodesWithLayers: Zip2Sequence<[Node], [LayerSummary]> { zip(graph.nodes, summary.layers) }

    /// MACs of every attention product (q·kᵀ, attn·v, Performer attention).
    public var attentionMacs: Int {
        nodesWithLayers.reduce(0) { $0 + ($1.0.op.isAttentionProduct ? $1.1.cost.macs : 0) }
    }

    /// Attention-product MACs of the stage called `stage`.
    public func attentionMacs(stage: String) -> Int {
        nodesWithLayers.reduce(0) { $0 + ($1.0.op.isAttentionProduct && $1.1.stage == stage ? $1.1.cost.macs : 0) }
    }

    /// The blocks of transformer, tokens-to-token and conv stages in depth order: nodes grouped
    /// by the first two parts of their scope path (`stage2/block3/attn/qkv` → `stage2/block3`);
    /// nodes directly under a stage (`stage2/flatten`) belong to no block.
    public var depthSteps: [DepthStep] {
        let mixing: Set<StageKind> = [.transformer, .tokensToToken, .conv]
        let stages = Dictionary(summary.stages.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var order: [String] = []
        var totals: [String: (stage: String, params: Int, macs: Int, attention: Int)] = [:]
        for (node, layer) in nodesWithLayers {
            guard let stage = stages[layer.stage], mixing.contains(stage.kind) else { continue }
            let parts = node.path.split(separator: "/")
            guard parts.count >= 3 else { continue }
            let key = String(parts[0]) + "/" + String(parts[1])
            if totals[key] == nil { order.append(key); totals[key] = (layer.stage, 0, 0, 0) }
            totals[key]?.params += layer.cost.params
            totals[key]?.macs += layer.cost.macs
            if node.op.isAttentionProduct { totals[key]?.attention += layer.cost.macs }
        }
        return order.enumerated().compactMap { index, key in
            guard let t = totals[key], let stage = stages[t.stage] else { return nil }
            return DepthStep(index: index + 1, block: key, stage: stage, params: t.params, macs: t.macs, attentionMacs: t.attention)
        }
    }
}

extension StageSummary {
    /// Tokens including class/distillation tokens, or `nil` without a grid.
    var allTokens: Int? { spatialTokens.map { $0 + extraTokens } }
}
