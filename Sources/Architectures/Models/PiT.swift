import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// timm's `PoolingVisionTransformer` (= naver-ai/pit): overlapping conv patch embedding with a
    /// position embedding on the spatial grid only, then per stage a transformer over class tokens
    /// and grid tokens, and between stages a depthwise conv (kernel 3, stride 2, padding 1,
    /// channel multiplier 2) for the grid and a linear layer for the class tokens. timm names
    /// stage `k` `transformers.(k-1)` and the pooling before it `transformers.(k-1).pool`.
    func buildPiT(_ c: PiTConfig, inChannels: Int, numClasses: Int) throws {
        let prefixTokens = c.distilled ? 2 : 1
        let widths = zip(c.baseDims, c.heads).map { $0 * $1 }
        let embed = Window(kernel: c.patchSize, stride: c.stride)
        var gridH = embed.outputHeight(height), gridW = embed.outputWidth(width)

        var (image, cls) = try stage(
            StageInfo(
                name: "embed", kind: .embed, grid: [gridH, gridW],
                extraTokens: prefixTokens, channels: widths[0]), module: nil
        ) {
            let input = try add(.input(channels: inChannels), name: "image")
            let conv = try add(
                .conv2d(Conv2d(inChannels, widths[0], embed, bias: true)), [input], name: "patch_embed/conv",
                reference: .module("patch_embed.conv"))
            let placed = try add(
                .positionEmbedding(shape: [Expr(widths[0]), gridH, gridW], role: .trainable),
                [conv], name: "pos_embed", reference: .tensors("pos_embed"))
            return (
                placed,
                try add(
                    .learnedTokens(count: prefixTokens, channels: widths[0]), name: "cls_token",
                    reference: .tensors("cls_token"))
            )
        }

        for index in widths.indices {
            let dim = widths[index]
            if index > 0 {
                let pool = Window(kernel: 3, stride: 2, padding: 1)
                gridH = pool.outputHeight(gridH)
                gridW = pool.outputWidth(gridW)
                (image, cls) = try stage(
                    StageInfo(
                        name: "pool\(index)", kind: .pool, grid: [gridH, gridW],
                        extraTokens: prefixTokens, channels: dim), module: "transformers.\(index).pool"
                ) {
                    let previous = widths[index - 1]
                    let conv = try add(
                        .conv2d(Conv2d(previous, dim, pool, groups: previous, bias: true)), [image], name: "conv",
                        reference: .module("conv"))
                    return (conv, try add(.linear(Linear(previous, dim, bias: true)), [cls], name: "fc", reference: .module("fc")))
                }
            }
            (image, cls) = try stage(
                StageInfo(
                    name: "stage\(index + 1)", kind: .transformer, grid: [gridH, gridW],
                    extraTokens: prefixTokens, channels: dim, heads: c.heads[index],
                    depth: c.depth[index]), module: "transformers.\(index)"
            ) {
                let grid = try add(.imageToTokens, [image], name: "flatten")
                let joined = try add(.concat(axis: 1), [cls, grid], name: "concat")
                let encoded = try transformerBlocks(
                    joined, depth: c.depth[index], dim: dim, heads: c.heads[index],
                    mlpHidden: hiddenWidth(dim, c.mlpRatio), qkvBias: true, eps: 1e-6)
                let tokens = try add(.slice(axis: 1, start: 0, length: Expr(prefixTokens)), [encoded], name: "cls_tokens")
                let spatial = try add(
                    .slice(axis: 1, start: Expr(prefixTokens), length: gridH * gridW), [encoded],
                    name: "grid_tokens")
                return (try add(.tokensToImage(height: gridH, width: gridW), [spatial], name: "unflatten"), tokens)
            }
        }
        let dim = widths[widths.count - 1]
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let normed = try add(.layerNorm(channels: dim, eps: 1e-6), [cls], name: "norm", reference: .module("norm"))
            _ = try classTokenHeads(normed, dim: dim, numClasses: numClasses, distilled: c.distilled)
        }
    }
}
