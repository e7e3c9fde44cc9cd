import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// yitu-opensource/T2T-ViT's `T2T_ViT`: soft split (unfold 7/4/2), T2T layer, soft split
    /// (3/2/1), T2T layer, soft split (3/2/1), linear projection, class token, frozen sinusoid
    /// position embedding for `(img_size // 16)² + 1` tokens, backbone blocks without qkv bias.
    /// The soft splits, T2T layers and projection are the reference's `tokens_to_token`.
    func buildT2TViT(_ c: T2TViTConfig, inChannels: Int, numClasses: Int) throws {
        let splits = [
            Window(kernel: 7, stride: 4, padding: 2), Window(kernel: 3, stride: 2, padding: 1),
            Window(kernel: 3, stride: 2, padding: 1),
        ]
        var gridH = splits[0].outputHeight(height), gridW = splits[0].outputWidth(width)
        let first = c.tokenDim, dim = c.embedDim
        var tokens = try stage(
            StageInfo(
                name: "t2t1", kind: .tokensToToken, grid: [gridH, gridW],
                channels: first), module: "tokens_to_token"
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            // The reference reshapes tokens to a square grid of side √N after each T2T layer.
            try require(
                height, equals: width, "image height and width (T2T-ViT reshapes tokens to a square grid)",
                name: "square_input")
            let split = try add(.unfold(splits[0]), [image], name: "soft_split0")
            return try block("attention1", module: "attention1") {
                try t2tLayer(split, dim: inChannels * 49, config: c)
            }
        }
        tokens = try stage(
            StageInfo(
                name: "t2t2", kind: .tokensToToken,
                grid: [splits[1].outputHeight(gridH), splits[1].outputWidth(gridW)],
                channels: first), module: "tokens_to_token"
        ) {
            let image = try add(.tokensToImage(height: gridH, width: gridW), [tokens], name: "unflatten1")
            let split = try add(.unfold(splits[1]), [image], name: "soft_split1")
            return try block("attention2", module: "attention2") { try t2tLayer(split, dim: first * 9, config: c) }
        }
        let afterFirst = (splits[1].outputHeight(gridH), splits[1].outputWidth(gridW))
        (gridH, gridW) = (splits[2].outputHeight(afterFirst.0), splits[2].outputWidth(afterFirst.1))
        tokens = try stage(StageInfo(name: "embed", kind: .embed, grid: [gridH, gridW], extraTokens: 1, channels: dim), module: nil) {
            let image = try add(.tokensToImage(height: afterFirst.0, width: afterFirst.1), [tokens], name: "unflatten2")
            let split = try add(.unfold(splits[2]), [image], name: "soft_split2")
            let projected = try add(
                .linear(Linear(first * 9, dim, bias: true)), [split], name: "project",
                reference: .module("tokens_to_token.project"))
            let cls = try add(.learnedTokens(count: 1, channels: dim), name: "cls_token", reference: .tensors("cls_token"))
            let joined = try add(.concat(axis: 1), [cls, projected], name: "concat")
            // The reference sizes the table from the image size alone: (img_size // 16)² + 1.
            let positions = height.floorDiv(16) * width.floorDiv(16) + 1
            return try add(
                .positionEmbedding(shape: [positions, Expr(dim)], role: .frozen), [joined], name: "pos_embed",
                reference: .tensors("pos_embed"))
        }
        tokens = try stage(
            StageInfo(
                name: "stage1", kind: .transformer, grid: [gridH, gridW], extraTokens: 1,
                channels: dim, heads: c.numHeads, depth: c.depth), module: nil
        ) {
            try transformerBlocks(
                tokens, depth: c.depth, dim: dim, heads: c.numHeads,
                mlpHidden: hiddenWidth(dim, c.mlpRatio), qkvBias: false, eps: 1e-5)
        }
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let normed = try add(.layerNorm(channels: dim, eps: 1e-5), [tokens], name: "norm", reference: .module("norm"))
            _ = try classTokenHeads(normed, dim: dim, numClasses: numClasses, distilled: false)
        }
    }

    /// One tokens-to-token layer: `Token_performer` or `Token_transformer`, mapping `dim`-wide
    /// tokens to `tokenDim`-wide ones with the value as the attention residual.
    private func t2tLayer(_ x: Value, dim: Int, config c: T2TViTConfig) throws -> Value {
        let e = c.tokenDim
        let n1 = try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "norm1", reference: .module("norm1"))
        let attended: Value
        switch c.tokensType {
        case .performer:
            let kqv = try add(.linear(Linear(dim, 3 * e, bias: true)), [n1], name: "kqv", reference: .module("kqv"))
            // The random feature matrix is the Token_performer's own parameter `w`.
            let y = try add(
                .performerAttention(features: hiddenWidth(e, c.kernelRatio)), [kqv], name: "prm_attention",
                reference: .tensors("w"))
            // Token_performer drops 10% of the projection's output and of its MLP's in training
            // (`dp1`, `dp2`, which T2T_module leaves at their defaults).
            let projected = try add(
                .linear(Linear(e, e, bias: true)), [y], name: "proj", reference: .module("proj"),
                dropout: Self.performerDropout)
            let v = try add(.slice(axis: 2, start: Expr(2 * e), length: Expr(e)), [kqv], name: "v")
            attended = try add(.add, [v, projected], name: "residual1")
        case .transformer:
            attended = try scope("attn", module: "attn") {
                let qkv = try add(.linear(Linear(dim, 3 * e, bias: false)), [n1], name: "qkv", reference: .module("qkv"))
                let (q, k, v) = try split3(qkv, width: e, names: ("q", "k", "v"))
                // The reference scales by (dim // heads)^-½ of the *input* width.
                let context = try attentionCore(q: q, k: k, v: v, heads: 1, scale: 1 / Double(dim).squareRoot())
                let projected = try add(.linear(Linear(e, e, bias: true)), [context], name: "proj", reference: .module("proj"))
                return try add(.add, [v, projected], name: "residual1")
            }
        }
        let n2 = try add(.layerNorm(channels: e, eps: 1e-5), [attended], name: "norm2", reference: .module("norm2"))
        // Token_performer's MLP is an nn.Sequential; Token_transformer's is timm's Mlp.
        let names = c.tokensType == .performer ? ("0", "1", "2") : ("fc1", "act", "fc2")
        let m = try mlp(
            n2, dim: e, hidden: hiddenWidth(e, 1.0), names: names,
            dropout: c.tokensType == .performer ? Self.performerDropout : 0)
        return try add(.add, [attended, m], name: "residual2")
    }
}

extension GraphBuilder {
    /// `Token_performer`'s dropout rates `dp1` and `dp2` (0.1 each), which the authors' T2T
    /// module does not set.
    static let performerDropout = 0.1
}
