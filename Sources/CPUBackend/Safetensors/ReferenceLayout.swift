import ArchGraph
import Architectures

/// Element orders in which a reference implementation stores a tensor differently from the graph.
///
/// vit-pytorch's `ViT` cuts patches with `Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)')`,
/// features ordered row, column, channel; the graph's `unfold` orders them channel, row, column
/// as `nn.Unfold` does. The counts are the same; the patch LayerNorm's vectors and the patch
/// projection's weight columns are permuted when loading and saving.
struct ReferenceLayout {
    /// For each graph feature index, the reference feature index; nil when orders agree.
    private let patchOrder: [Int]?

    init(spec: ModelSpec, graph: Graph) {
        guard case .vitPytorch(let config) = spec.config, config.modelClass == .vit,
              let window = graph.nodes.lazy.compactMap({ node -> Window? in
                  if case .unfold(let window) = node.op { return window } else { return nil }
              }).first
        else {
            patchOrder = nil
            return
        }
        let (ph, pw, channels) = (window.kernelHeight, window.kernelWidth, spec.inChannels)
        var order: [Int] = []
        for c in 0..<channels { for y in 0..<ph { for x in 0..<pw { order.append((y * pw + x) * channels + c) } } }
        patchOrder = order
    }

    /// The patch embedding's LayerNorm (`to_patch_embedding.1`) and projection
    /// (`to_patch_embedding.2`) read patch features.
    private func permutes(_ node: Node, _ tensor: String) -> Bool {
        guard patchOrder != nil else { return false }
        return node.path.hasSuffix("to_patch_embedding/1") || (node.path.hasSuffix("to_patch_embedding/2") && tensor == "weight")
    }

    /// Reorders a tensor read from the reference file into the graph's order, in place.
    func toGraphOrder(_ t: Tensor, node: Node, tensor: String) {
        guard permutes(node, tensor), let order = patchOrder else { return }
        let copy = t.values, width = order.count
        for row in 0..<(t.count / width) {
            for f in 0..<width { t.data[row * width + f] = copy[row * width + order[f]] }
        }
    }

    /// A copy of a graph tensor in the reference implementation's order.
    func toReferenceOrder(_ t: Tensor, node: Node, tensor: String) -> Tensor {
        guard permutes(node, tensor), let order = patchOrder else { return t }
        let out = Tensor(zeros: t.shape), width = order.count
        for row in 0..<(t.count / width) {
            for f in 0..<width { out.data[row * width + order[f]] = t.data[row * width + f] }
        }
        return out
    }
}
