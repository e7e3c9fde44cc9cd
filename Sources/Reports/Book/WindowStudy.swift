import ArchGraph
import Architectures

/// A Swin stage as built, its blocks attending inside windows, beside the same blocks attending
/// over the stage's whole grid: what the windows save.
///
/// The global figures come from a graph too: the same spec with each stage's window set to its
/// grid side, which timm (and the builder) turns into one window covering the grid, without a
/// shift; built by the same builder at the same image size.
struct WindowStage: Hashable, Sendable {
    let name: String
    let grid: [Int]
    let tokens: Int
    let width: Int
    let depth: Int
    /// The window side the stage uses (timm's, after shrinking to the grid where it is not larger).
    let window: Int
    /// Windows per image.
    let windows: Int
    /// Blocks on shifted windows (with the attention mask).
    let shiftedBlocks: Int
    let attentionMacs: Int
    let macs: Int
    let globalAttentionMacs: Int
    let globalMacs: Int
}

enum WindowStudy {
    /// The transformer stages of a Swin model with their global-attention counterparts; empty for other families.
    static func stages(_ a: Analysis) throws(SpecError) -> [WindowStage] {
        guard case .swin(var config) = a.spec.config else { return [] }
        let built = a.summary.stages.filter { $0.kind == .transformer }
        let grids = built.compactMap(\.grid)
        guard grids.count == config.depths.count, grids.allSatisfy({ $0.count == 2 && $0[0] == $0[1] }) else { return [] }
        config.windowSize = grids.map { $0[0] }
        var global = a.spec
        global.config = .swin(config)
        let binding = a.summary.binding
        let whole = try global.analyze(Overrides(imageSize: ImageSize(height: binding.height, width: binding.width), batch: a.batch))
        var result: [WindowStage] = []
        for stage in built {
            guard let grid = stage.grid, let tokens = stage.spatialTokens, let width = stage.channels,
                let index = a.graph.stages.firstIndex(where: { $0.name == stage.name }),
                let window = window(a.graph, stage: index),
                let counterpart = whole.summary.stages.first(where: { $0.name == stage.name })
            else { continue }
            let shifted = a.graph.nodes.filter { node in
                if node.stage == index, case .windowMask = node.op { return true }
                return false
            }
            result.append(
                WindowStage(
                    name: stage.name, grid: grid, tokens: tokens, width: width, depth: stage.depth ?? 0, window: window,
                    windows: (grid[0] / window) * (grid[1] / window), shiftedBlocks: shifted.count,
                    attentionMacs: stage.cost.attentionMacs, macs: stage.cost.macs,
                    globalAttentionMacs: counterpart.cost.attentionMacs, globalMacs: counterpart.cost.macs))
        }
        return result
    }

    /// The window side of the stage at `index`: that of its first relative position bias.
    private static func window(_ graph: Graph, stage index: Int) -> Int? {
        for node in graph.nodes where node.stage == index {
            if case .relativePositionBias(_, let window) = node.op { return window }
        }
        return nil
    }
}
