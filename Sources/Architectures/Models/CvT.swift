import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// microsoft/CvT's `ConvolutionalVisionTransformer`: per stage a conv token embedding with
    /// LayerNorm, then blocks whose q, k, v each come from a depthwise conv + BatchNorm on the
    /// token grid followed by a linear layer; the class token (last stage only) bypasses the
    /// convolutions. QuickGELU MLPs, no position embedding. The authors name embedding `k` and
    /// stage `k` together `stage(k-1)`.
    func buildCvT(_ c: CvTConfig, inChannels: Int, numClasses: Int) throws {
        var gridH = height, gridW = width
        var image: Value?
        var channels = inChannels
        var cls: Value?
        for (index, s) in c.stages.enumerated() {
            let embed = Window(kernel: s.patchSize, stride: s.patchStride, padding: s.patchPadding)
            gridH = embed.outputHeight(gridH)
            gridW = embed.outputWidth(gridW)
            let number = index + 1
            let tokens = try stage(
                StageInfo(name: "embed\(number)", kind: .embed, grid: [gridH, gridW], channels: s.dimEmbed),
                module: "stage\(index)"
            ) {
                let source = try image ?? add(.input(channels: inChannels), name: "image")
                return try scope("patch_embed", module: "patch_embed") {
                    let conv = try add(
                        .conv2d(Conv2d(channels, s.dimEmbed, embed, bias: true)), [source], name: "proj",
                        reference: .module("proj"))
                    let flat = try add(.imageToTokens, [conv], name: "flatten")
                    return try add(
                        .layerNorm(channels: s.dimEmbed, eps: 1e-5), [flat], name: "norm", reference: .module("norm"), form: .float32Copy)
                }
            }
            let (h, w) = (gridH, gridW)
            (image, cls) = try stage(
                StageInfo(
                    name: "stage\(number)", kind: .transformer, grid: [h, w],
                    extraTokens: s.clsToken ? 1 : 0, channels: s.dimEmbed,
                    heads: s.numHeads, depth: s.depth), module: "stage\(index)"
            ) {
                var x = tokens
                if s.clsToken {
                    let token = try add(
                        .learnedTokens(count: 1, channels: s.dimEmbed), name: "cls_token",
                        reference: .tensors("cls_token"))
                    x = try add(.concat(axis: 1), [token, x], name: "concat")
                }
                for block in 0..<s.depth {
                    x = try self.block("block\(block)", module: "blocks.\(block)") { try cvtBlock(x, stage: s, grid: (h, w)) }
                }
                var token: Value?
                if s.clsToken {
                    token = try add(.slice(axis: 1, start: 0, length: 1), [x], name: "cls_tokens")
                    x = try add(.slice(axis: 1, start: 1, length: h * w), [x], name: "grid_tokens")
                }
                return (try add(.tokensToImage(height: h, width: w), [x], name: "unflatten"), token)
            }
            channels = s.dimEmbed
        }
        try stage(StageInfo(name: "head", kind: .head, channels: channels), module: nil) {
            let pooled: Value
            if let cls {
                let normed = try add(
                    .layerNorm(channels: channels, eps: 1e-5), [cls], name: "norm", reference: .module("norm"), form: .float32Copy)
                pooled = try add(.selectToken(index: 0), [normed], name: "squeeze")
            } else {
                guard let image else { throw GraphError(path: path("norm"), message: "a CvT needs at least one stage") }
                let tokens = try add(.imageToTokens, [image], name: "flatten")
                let normed = try add(
                    .layerNorm(channels: channels, eps: 1e-5), [tokens], name: "norm", reference: .module("norm"), form: .float32Copy)
                pooled = try add(.meanTokens, [normed], name: "mean")
            }
            if numClasses > 0 {
                try add(.linear(Linear(channels, numClasses, bias: true)), [pooled], name: "head", reference: .module("head"))
            }
        }
    }

    /// One CvT block: `x + attn(norm1(x))`, then `x + mlp(norm2(x))` with QuickGELU.
    private func cvtBlock(_ x: Value, stage s: CvTStage, grid: (Expr, Expr)) throws -> Value {
        let dim = s.dimEmbed
        let n1 = try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "norm1", reference: .module("norm1"), form: .float32Copy)
        let attended = try scope("attn", module: "attn") {
            var spatial = n1
            var token: Value?
            if s.clsToken {
                token = try add(.slice(axis: 1, start: 0, length: 1), [n1], name: "cls_token")
                spatial = try add(.slice(axis: 1, start: 1, length: grid.0 * grid.1), [n1], name: "grid_tokens")
            }
            let image = try add(.tokensToImage(height: grid.0, width: grid.1), [spatial], name: "unflatten")
            func branch(_ name: String, stride: Int, padding: Int) throws -> Value {
                let projected = try scope("conv_proj_\(name)", module: "conv_proj_\(name)") {
                    let window = Window(kernel: s.kernelQKV, stride: stride, padding: padding)
                    let conv = try add(
                        .conv2d(Conv2d(dim, dim, window, groups: dim, bias: false)), [image], name: "conv",
                        reference: .module("conv"))
                    let bn = try add(.batchNorm(channels: dim, eps: 1e-5), [conv], name: "bn", reference: .module("bn"))
                    let flat = try add(.imageToTokens, [bn], name: "flatten")
                    guard let token else { return flat }
                    return try add(.concat(axis: 1), [token, flat], name: "concat")
                }
                return try add(
                    .linear(Linear(dim, dim, bias: s.qkvBias)), [projected], name: "proj_\(name)",
                    reference: .module("proj_\(name)"))
            }
            let q = try branch("q", stride: s.strideQ, padding: s.paddingQ)
            let k = try branch("k", stride: s.strideKV, padding: s.paddingKV)
            let v = try branch("v", stride: s.strideKV, padding: s.paddingKV)
            // CvT scales by the full width, dim_out^-½, not the head width.
            let context = try attentionCore(
                q: q, k: k, v: v, heads: s.numHeads, scale: 1 / Double(dim).squareRoot(), scaledAfter: true)
            return try add(.linear(Linear(dim, dim, bias: true)), [context], name: "proj", reference: .module("proj"))
        }
        let x1 = try add(.add, [x, attended], name: "residual1")
        let n2 = try add(.layerNorm(channels: dim, eps: 1e-5), [x1], name: "norm2", reference: .module("norm2"), form: .float32Copy)
        let m = try mlp(n2, dim: dim, hidden: hiddenWidth(dim, s.mlpRatio), activation: .quickGELU)
        return try add(.add, [x1, m], name: "residual2")
    }
}
