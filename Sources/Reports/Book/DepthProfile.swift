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
    public var attentionMacs: Int { summary.totals.attentionMacs }

    /// Attention-product MACs of the stage called `stage`.
    public func attentionMacs(stage: String) -> Int {
        summary.stages.first { $0.name == stage }?.cost.attentionMacs ?? 0
    }

    /// The graph's blocks (``Graph/blocks``) in depth order, each with the summed counts of
    /// its nodes (``Node/block``); nodes outside every block (`stage2/flatten`) are left out.
    public var depthSteps: [DepthStep] {
        var totals = Array(repeating: (params: 0, macs: 0, attention: 0), count: graph.blocks.count)
        for (node, layer) in nodesWithLayers {
            guard let block = node.block else { continue }
            totals[block].params += layer.cost.params
            totals[block].macs += layer.cost.macs
            totals[block].attention += layer.cost.attentionMacs
        }
        return graph.blocks.enumerated().map { index, block in
            let t = totals[index]
            return DepthStep(
                index: index + 1, block: block.path, stage: summary.stages[block.stage], params: t.params,
                macs: t.macs, attentionMacs: t.attention)
        }
    }
}

extension StageSummary {
    /// Tokens including class/distillation tokens, or `nil` without a grid.
    var allTokens: Int? { spatialTokens.map { $0 + extraTokens } }
}
