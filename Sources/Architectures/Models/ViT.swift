import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// timm's `VisionTransformer` (and `VisionTransformerDistilled` when `distilled`), built for
    /// an input of the builder's size: the position embedding covers exactly that grid.
    func buildViT(_ c: ViTConfig, inChannels: Int, numClasses: Int) throws {
        let p = c.patchSize, dim = c.embedDim
        let gridH = height.floorDiv(p), gridW = width.floorDiv(p)
        let prefixTokens = c.distilled ? 2 : 1
        let tokens = try stage(
            StageInfo(
                name: "embed", kind: .embed, grid: [gridH, gridW],
                extraTokens: prefixTokens, channels: dim), module: nil
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            let patches = try scope("patch_embed", module: "patch_embed") {
                let conv = try add(
                    .conv2d(Conv2d(inChannels, dim, Window(kernel: p, stride: p), bias: true)),
                    [image], name: "proj", reference: .module("proj"))
                return try add(.imageToTokens, [conv], name: "flatten")
            }
            var parts = [try add(.learnedTokens(count: 1, channels: dim), name: "cls_token", reference: .tensors("cls_token"))]
            if c.distilled {
                parts.append(try add(.learnedTokens(count: 1, channels: dim), name: "dist_token", reference: .tensors("dist_token")))
            }
            let joined = try add(.concat(axis: 1), parts + [patches], name: "concat")
            let positions = gridH * gridW + Expr(prefixTokens)
            return try add(
                .positionEmbedding(shape: [positions, Expr(dim)], role: .trainable), [joined], name: "pos_embed",
                reference: .tensors("pos_embed"))
        }
        let encoded = try stage(
            StageInfo(
                name: "stage1", kind: .transformer, grid: [gridH, gridW],
                extraTokens: prefixTokens, channels: dim, heads: c.numHeads, depth: c.depth), module: nil
        ) {
            try transformerBlocks(
                tokens, depth: c.depth, dim: dim, heads: c.numHeads,
                mlpHidden: hiddenWidth(dim, c.mlpRatio), qkvBias: c.qkvBias, eps: c.normEps)
        }
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let normed = try add(.layerNorm(channels: dim, eps: c.normEps), [encoded], name: "norm", reference: .module("norm"))
            _ = try classTokenHeads(normed, dim: dim, numClasses: numClasses, distilled: c.distilled)
        }
    }
}
