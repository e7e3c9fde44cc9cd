import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// vit-pytorch's `ViT` (vit.py), built for the builder's input size.
    ///
    /// The patch embedding `Rearrange('b c (h p1) (w p2) -> b (h w) (p1 p2 c)')` is emitted as
    /// `.unfold` with kernel = stride = patch. Unfold orders each patch's features channel-major
    /// `(c p1 p2)` where the Rearrange gives `(p1 p2 c)`: the same features in another order, so
    /// shapes, parameters and MACs are identical. The patch LayerNorm (`to_patch_embedding.1`)
    /// and the projection's weight (`to_patch_embedding.2`) declare the reference's pixel-major
    /// order, which a backend loading vit-pytorch weights permutes.
    func buildVitPytorchViT(_ c: VitPytorchViT, inChannels: Int, numClasses: Int) throws {
        let (ph, pw) = (c.patchHeight, c.patchWidth)
        try requirePositive([
            "patch_size": ph, "patch_size": pw, "dim": c.dim, "depth": c.depth, "heads": c.heads,
            "mlp_dim": c.mlpDim, "dim_head": c.dimHead,
        ])
        let patchDim = try checkedWidth(inChannels, ph, pw, name: "to_patch_embedding")
        let gridH = height.floorDiv(ph), gridW = width.floorDiv(pw)
        let classToken = c.pool == .cls
        let tokens = try stage(
            StageInfo(
                name: "embed", kind: .embed, grid: [gridH, gridW],
                extraTokens: classToken ? 1 : 0, channels: c.dim), module: nil
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            // The Rearrange splits each side into whole patches only.
            try require(
                height, equals: gridH * Expr(ph),
                "image height and whole patch rows (vit-pytorch's ViT needs the height divisible by the patch height)", name: "patch_rows")
            try require(
                width, equals: gridW * Expr(pw),
                "image width and whole patch columns (vit-pytorch's ViT needs the width divisible by the patch width)",
                name: "patch_columns")
            let pixelMajor = ReferenceLayout.pixelMajorPatches(channels: inChannels, height: ph, width: pw)
            let patches = try scope("to_patch_embedding", module: "to_patch_embedding") {
                let split = try add(.unfold(Window(kernel: (ph, pw), stride: (ph, pw), padding: (0, 0))), [image], name: "0")
                let n1 = try add(
                    .layerNorm(channels: patchDim, eps: 1e-5), [split], name: "1",
                    reference: .module("1").storing("weight", "bias", as: pixelMajor))
                let projected = try add(
                    .linear(Linear(patchDim, c.dim, bias: true)), [n1], name: "2",
                    reference: .module("2").storing("weight", as: pixelMajor))
                return try add(.layerNorm(channels: c.dim, eps: 1e-5), [projected], name: "3", reference: .module("3"))
            }
            return try vitPytorchTokens(
                patches, dim: c.dim, classToken: classToken,
                positions: gridH * gridW + Expr(classToken ? 1 : 0))
        }
        let encoded = try stage(
            StageInfo(
                name: "stage1", kind: .transformer, grid: [gridH, gridW],
                extraTokens: classToken ? 1 : 0, channels: c.dim, heads: c.heads, depth: c.depth),
            module: nil
        ) {
            // The depth profile has always taken the whole transformer as one block.
            try block("transformer", module: "transformer") {
                try vitPytorchTransformer(
                    tokens, dim: c.dim, depth: c.depth, heads: c.heads, dimHead: c.dimHead,
                    mlpDim: c.mlpDim, finalNorm: true)
            }
        }
        // Without classes vit-pytorch's ViT has no mlp_head and returns the tokens.
        guard numClasses > 0 else { return }
        try stage(StageInfo(name: "head", kind: .head, channels: c.dim), module: nil) {
            let pooled = try vitPytorchPool(encoded, pool: c.pool)
            try add(.linear(Linear(c.dim, numClasses, bias: true)), [pooled], name: "mlp_head", reference: .module("mlp_head"))
        }
    }
}
