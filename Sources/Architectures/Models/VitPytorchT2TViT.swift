import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// vit-pytorch's `T2TViT` (t2t.py), built for the builder's (square) input size.
    ///
    /// `to_patch_embedding` holds four modules per `t2t_layers` entry `(k, s)`: a reshape of the
    /// tokens to their square grid (`Identity` for the first), `nn.Unfold(k, stride s, padding
    /// s // 2)`, a transpose, and — except after the last unfold — vit.py's `Transformer` with
    /// one head, `dim_head` and `mlp_dim` all equal to the unfolded width (so attention has no
    /// `to_out`); then a Linear to `dim`. Each but the last entry is a tokens-to-token stage;
    /// the last unfold, the projection, class token and positions form the embed stage.
    func buildVitPytorchT2TViT(_ c: VitPytorchT2TViT, inChannels: Int, numClasses: Int) throws {
        try requirePositive([
            "t2t_layers": c.t2tLayers.count, "dim": c.dim, "depth": c.depth, "heads": c.heads,
            "mlp_dim": c.mlpDim, "dim_head": c.dimHead,
        ])
        var gridH = height, gridW = width
        var layerDim = inChannels
        var tokens: Value?
        let last = c.t2tLayers.count - 1
        for (index, layer) in c.t2tLayers.enumerated() {
            try requirePositive(["t2t_layers": layer.kernel, "t2t_layers": layer.stride])
            let window = Window(kernel: layer.kernel, stride: layer.stride, padding: layer.stride / 2)
            let (h, w) = (gridH, gridW)
            (gridH, gridW) = (window.outputHeight(h), window.outputWidth(w))
            layerDim = try checkedWidth(layerDim, layer.kernel, layer.kernel, name: "to_patch_embedding/\(4 * index + 1)")
            let tokenWidth = layerDim
            let info =
                index == last
                ? StageInfo(name: "embed", kind: .embed, grid: [gridH, gridW], extraTokens: 1, channels: c.dim)
                : StageInfo(name: "t2t\(index + 1)", kind: .tokensToToken, grid: [gridH, gridW], channels: tokenWidth, heads: 1, depth: 1)
            tokens = try stage(info, module: nil) {
                // In a tokens-to-token stage the depth tables take the whole stage's share of
                // `to_patch_embedding` (unfold and transformer) as one block.
                func patchEmbedding(_ body: () throws -> Value) throws -> Value {
                    index < last
                        ? try block("to_patch_embedding", module: "to_patch_embedding", body)
                        : try scope("to_patch_embedding", module: "to_patch_embedding", body)
                }
                let split = try patchEmbedding {
                    let source: Value
                    if let tokens {
                        source = try add(.tokensToImage(height: h, width: w), [tokens], name: "\(4 * index)")
                    } else {
                        source = try add(.input(channels: inChannels), name: "image")
                        // RearrangeImage recovers the grid as √N × √N, which needs a square input.
                        try require(
                            height, equals: width, "image height and width (vit-pytorch's T2TViT reshapes tokens to a square grid)",
                            name: "square_input")
                    }
                    let split = try add(.unfold(window), [source], name: "\(4 * index + 1)")
                    guard index < last else { return split }
                    return try scope("\(4 * index + 3)", module: "\(4 * index + 3)") {
                        try vitPytorchTransformer(
                            split, dim: tokenWidth, depth: 1, heads: 1, dimHead: tokenWidth, mlpDim: tokenWidth, finalNorm: true)
                    }
                }
                guard index == last else { return split }
                let projected = try add(
                    .linear(Linear(tokenWidth, c.dim, bias: true)), [split], name: "to_patch_embedding/\(4 * index + 4)",
                    reference: .module("to_patch_embedding.\(4 * index + 4)"))
                // vit-pytorch sizes the table as output_image_size ** 2 + 1 from image_size; on a
                // square input that is the grid the unfolds produce.
                return try vitPytorchTokens(projected, dim: c.dim, classToken: true, positions: gridH * gridW + 1)
            }
        }
        guard let embedded = tokens else { return }
        let encoded = try stage(
            StageInfo(
                name: "stage1", kind: .transformer, grid: [gridH, gridW], extraTokens: 1,
                channels: c.dim, heads: c.heads, depth: c.depth), module: nil
        ) {
            // One block for the whole transformer, as the depth tables have grouped it.
            try block("transformer", module: "transformer") {
                try vitPytorchTransformer(
                    embedded, dim: c.dim, depth: c.depth, heads: c.heads, dimHead: c.dimHead,
                    mlpDim: c.mlpDim, finalNorm: true)
            }
        }
        try stage(StageInfo(name: "head", kind: .head, channels: c.dim), module: nil) {
            let pooled = try vitPytorchPool(encoded, pool: c.pool)
            // vit-pytorch builds Linear(dim, 0) for num_classes=0: no parameters, no work.
            if numClasses > 0 {
                try add(.linear(Linear(c.dim, numClasses, bias: true)), [pooled], name: "mlp_head", reference: .module("mlp_head"))
            }
        }
    }
}
