import ArchGraph
import Architectures

/// A PiT stage as built, beside the same stage run on the first stage's grid: what pooling saves.
///
/// The unpooled figures come from a graph too: the stage's unpooled counterpart
/// (``ModelSpec/unpooledStages``), built by the same builder at the same image size.
struct PoolingStage: Hashable, Sendable {
    let name: String
    let grid: [Int]
    let tokens: Int
    let width: Int
    let depth: Int
    let attentionMacs: Int
    let macs: Int
    let unpooledGrid: [Int]
    let unpooledTokens: Int
    let unpooledAttentionMacs: Int
    let unpooledMacs: Int
}

enum PoolingStudy {
    /// The transformer stages of a PiT model with their unpooled counterparts; empty for other families.
    static func stages(_ a: Analysis) throws(SpecError) -> [PoolingStage] {
        guard let counterparts = a.spec.unpooledStages else { return [] }
        let built = a.summary.stages.filter { $0.kind == .transformer }
        var result: [PoolingStage] = []
        for (stage, spec) in zip(built, counterparts) {
            let unpooled = try spec.analyze(Overrides(batch: a.batch))
            guard let only = unpooled.summary.stages.first(where: { $0.kind == .transformer }),
                let grid = stage.grid, let tokens = stage.allTokens, let width = stage.channels,
                let unpooledGrid = only.grid, let unpooledTokens = only.allTokens
            else { continue }
            result.append(
                PoolingStage(
                    name: stage.name, grid: grid, tokens: tokens, width: width, depth: stage.depth ?? 0,
                    attentionMacs: a.attentionMacs(stage: stage.name), macs: stage.cost.macs,
                    unpooledGrid: unpooledGrid, unpooledTokens: unpooledTokens,
                    unpooledAttentionMacs: unpooled.attentionMacs(stage: only.name), unpooledMacs: only.cost.macs))
        }
        return result
    }
}
