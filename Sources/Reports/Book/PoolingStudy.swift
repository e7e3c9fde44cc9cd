import ArchGraph
import Architectures

/// A PiT stage as built, beside the same stage run on the first stage's grid: what pooling saves.
///
/// The unpooled figures come from a graph too: a one-stage PiT with this stage's width, heads
/// and depth, built by the same builder at the same image size, so its only stage works on the
/// grid of the patch embedding (27×27 for PiT-S at 224×224).
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
        guard case .pit(let c) = a.spec.config else { return [] }
        let built = a.summary.stages.filter { $0.kind == .transformer }
        var result: [PoolingStage] = []
        for (index, stage) in built.enumerated() where index < c.baseDims.count {
            let single = PiTConfig(patchSize: c.patchSize, stride: c.stride, baseDims: [c.baseDims[index]],
                                   depth: [c.depth[index]], heads: [c.heads[index]], mlpRatio: c.mlpRatio,
                                   distilled: c.distilled)
            let spec = ModelSpec(name: "\(a.spec.name)_\(stage.name)_unpooled", reference: a.spec.reference,
                                 imageSize: a.spec.imageSize, inChannels: a.spec.inChannels, numClasses: a.spec.numClasses,
                                 config: .pit(single))
            let unpooled = try spec.analyze(Overrides(batch: a.batch))
            guard let only = unpooled.summary.stages.first(where: { $0.kind == .transformer }),
                  let grid = stage.grid, let tokens = stage.allTokens, let width = stage.channels,
                  let unpooledGrid = only.grid, let unpooledTokens = only.allTokens else { continue }
            result.append(PoolingStage(
                name: stage.name, grid: grid, tokens: tokens, width: width, depth: stage.depth ?? 0,
                attentionMacs: a.attentionMacs(stage: stage.name), macs: stage.cost.macs,
                unpooledGrid: unpooledGrid, unpooledTokens: unpooledTokens,
                unpooledAttentionMacs: unpooled.attentionMacs(stage: only.name), unpooledMacs: only.cost.macs))
        }
        return result
    }
}
