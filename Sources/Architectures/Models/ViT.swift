import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// timm's `VisionTransformer` (and `VisionTransformerDistilled` when `distilled`), built for
    /// an input of the builder's size: the position embedding covers exactly that grid. The
    /// options of timm 1.0.31 (``ViTOptions``) add register tokens, LayerScale, qk-norm, the
    /// pre-norm of CLIP, position embeddings that skip the prefix tokens, and pooled heads.
    func buildViT(_ c: ViTConfig, inChannels: Int, numClasses: Int) throws {
        let p = c.patchSize, dim = c.embedDim, o = c.options
        let gridH = height.floorDiv(p), gridW = width.floorDiv(p)
        let prefixTokens = c.prefixTokens
        let tokens = try stage(
            StageInfo(
                name: "embed", kind: .embed, grid: [gridH, gridW],
                extraTokens: prefixTokens, channels: dim), module: nil
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            var patches = try scope("patch_embed", module: "patch_embed") {
                let conv = try add(
                    .conv2d(Conv2d(inChannels, dim, Window(kernel: p, stride: p), bias: !o.preNorm)),
                    [image], name: "proj", reference: .module("proj"))
                return try add(.imageToTokens, [conv], name: "flatten")
            }
            var parts: [Value] = []
            if o.classToken {
                parts.append(try add(.learnedTokens(count: 1, channels: dim), name: "cls_token", reference: .tensors("cls_token")))
            }
            if o.regTokens > 0 {
                parts.append(
                    try add(.learnedTokens(count: o.regTokens, channels: dim), name: "reg_token", reference: .tensors("reg_token")))
            }
            if c.distilled {
                parts.append(try add(.learnedTokens(count: 1, channels: dim), name: "dist_token", reference: .tensors("dist_token")))
            }
            func positions(_ x: Value, count: Expr) throws -> Value {
                guard o.positionEmbedding else { return x }
                return try add(
                    .positionEmbedding(shape: [count, Expr(dim)], role: .trainable), [x], name: "pos_embed",
                    reference: .tensors("pos_embed"))
            }
            if o.noEmbedClass { patches = try positions(patches, count: gridH * gridW) }
            var joined = parts.isEmpty ? patches : try add(.concat(axis: 1), parts + [patches], name: "concat")
            if !o.noEmbedClass { joined = try positions(joined, count: gridH * gridW + Expr(prefixTokens)) }
            guard o.preNorm else { return joined }
            return try add(.layerNorm(channels: dim, eps: c.normEps), [joined], name: "norm_pre", reference: .module("norm_pre"))
        }
        let encoded = try stage(
            StageInfo(
                name: "stage1", kind: .transformer, grid: [gridH, gridW],
                extraTokens: prefixTokens, channels: dim, heads: c.numHeads, depth: c.depth), module: nil
        ) {
            try transformerBlocks(
                tokens, depth: c.depth, dim: dim, heads: c.numHeads,
                mlpHidden: hiddenWidth(dim, c.mlpRatio), qkvBias: c.qkvBias, eps: c.normEps, block: BlockOptions(o))
        }
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let fcNorm = c.usesFCNorm
            var x = encoded
            if o.finalNorm && !fcNorm {
                x = try add(.layerNorm(channels: dim, eps: c.normEps), [x], name: "norm", reference: .module("norm"))
            }
            if c.distilled {
                _ = try classTokenHeads(x, dim: dim, numClasses: numClasses, distilled: true)
                return
            }
            x = try pool(x, o.globalPool, prefixTokens: o.poolIncludePrefix ? 0 : prefixTokens, patches: gridH * gridW)
            if o.finalNorm && fcNorm {
                x = try add(.layerNorm(channels: dim, eps: c.normEps), [x], name: "fc_norm", reference: .module("fc_norm"))
            }
            guard numClasses > 0 else { return }
            _ = try add(.linear(Linear(dim, numClasses, bias: true)), [x], name: "head", reference: .module("head"))
        }
    }

    /// timm's `global_pool_nlc`: the class token, the mean, the maximum or both of the tokens
    /// after the first `prefixTokens`, or every token unpooled.
    private func pool(_ x: Value, _ kind: ViTPool, prefixTokens: Int, patches: Expr) throws -> Value {
        func kept() throws -> Value {
            guard prefixTokens > 0 else { return x }
            return try add(.slice(axis: 1, start: Expr(prefixTokens), length: patches), [x], name: "patch_tokens")
        }
        switch kind {
        case .token: return try add(.selectToken(index: 0), [x], name: "select_head")
        case .none: return x
        case .avg: return try add(.meanTokens, [try kept()], name: "pool")
        case .max: return try add(.maxTokens, [try kept()], name: "pool")
        case .avgmax:
            let tokens = try kept()
            let largest = try add(.maxTokens, [tokens], name: "pool_max")
            let mean = try add(.meanTokens, [tokens], name: "pool_mean")
            return try add(.average, [largest, mean], name: "pool")
        }
    }
}
