import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// vit-pytorch's `PiT` (pit.py), built for the builder's (square) input size: `nn.Unfold`
    /// patches with stride `patch_size // 2` and a linear projection, class token, positions
    /// for the class token and the grid; per stage a transformer (`layers.2i`) and between
    /// stages a `Pool` (`layers.2i+1`): a depthwise 3×3/2 conv to twice the width plus a 1×1
    /// conv for the grid, and a linear `cls_ff` for the class token. Head: LayerNorm, Linear.
    func buildVitPytorchPiT(_ c: VitPytorchPiT, inChannels: Int, numClasses: Int) throws {
        let p = c.patchSize
        try requirePositive([
            "patch_size // 2": p / 2, "dim": c.dim, "mlp_dim": c.mlpDim, "dim_head": c.dimHead,
            "depth": c.depth.count, "heads": c.heads.count,
        ])
        guard c.heads.count == 1 || c.heads.count == c.depth.count else {
            throw GraphError(path: path("heads"), message: "has \(c.heads.count) entries for \(c.depth.count) stages")
        }
        let patchDim = try checkedWidth(inChannels, p, p, name: "to_patch_embedding")
        let unfold = Window(kernel: p, stride: p / 2)
        var gridH = unfold.outputHeight(height), gridW = unfold.outputWidth(width)
        var tokens = try stage(
            StageInfo(name: "embed", kind: .embed, grid: [gridH, gridW], extraTokens: 1, channels: c.dim),
            module: nil
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            try require(height, equals: width, "image height and width (vit-pytorch's PiT takes one image_size)", name: "square_input")
            try require(
                height, equals: height.floorDiv(p) * Expr(p),
                "image size and a multiple of patch_size (vit-pytorch's PiT asserts image_size % patch_size == 0)",
                name: "whole_patches")
            let patches = try scope("to_patch_embedding", module: "to_patch_embedding") {
                let split = try add(.unfold(unfold), [image], name: "0")
                return try add(.linear(Linear(patchDim, c.dim, bias: true)), [split], name: "2", reference: .module("2"))
            }
            return try vitPytorchTokens(patches, dim: c.dim, classToken: true, positions: gridH * gridW + 1)
        }
        var dim = c.dim
        for (index, depth) in c.depth.enumerated() {
            let heads = c.heads(ofStage: index)
            try requirePositive(["depth": depth, "heads": heads])
            tokens = try stage(
                StageInfo(
                    name: "stage\(index + 1)", kind: .transformer, grid: [gridH, gridW], extraTokens: 1,
                    channels: dim, heads: heads, depth: depth), module: nil
            ) {
                // One block for the stage's whole transformer, as the depth tables have grouped it.
                try block("layers", module: "layers") {
                    try scope("\(2 * index)", module: "\(2 * index)") {
                        try vitPytorchTransformer(
                            tokens, dim: dim, depth: depth, heads: heads, dimHead: c.dimHead,
                            mlpDim: c.mlpDim, finalNorm: false)
                    }
                }
            }
            guard index < c.depth.count - 1 else { break }
            let pool = Window(kernel: 3, stride: 2, padding: 1)
            let (h, w) = (gridH, gridW)
            (gridH, gridW) = (pool.outputHeight(h), pool.outputWidth(w))
            let wide = try checkedWidth(dim, 2, name: "pool\(index + 1)")
            tokens = try stage(
                StageInfo(
                    name: "pool\(index + 1)", kind: .pool, grid: [gridH, gridW], extraTokens: 1,
                    channels: wide), module: nil
            ) {
                try scope("layers/\(2 * index + 1)", module: "layers.\(2 * index + 1)") {
                    let cls = try add(.slice(axis: 1, start: 0, length: 1), [tokens], name: "cls_token")
                    let grid = try add(.slice(axis: 1, start: 1, length: h * w), [tokens], name: "tokens")
                    let widened = try add(.linear(Linear(dim, wide, bias: true)), [cls], name: "cls_ff", reference: .module("cls_ff"))
                    let image = try add(.tokensToImage(height: h, width: w), [grid], name: "to_image")
                    let pooled = try scope("downsample/net", module: "downsample.net") {
                        let depthwise = try add(
                            .conv2d(Conv2d(dim, wide, pool, groups: dim, bias: true)), [image], name: "0",
                            reference: .module("0"))
                        return try add(
                            .conv2d(Conv2d(wide, wide, Window(kernel: 1, stride: 1), bias: true)), [depthwise], name: "1",
                            reference: .module("1"))
                    }
                    let flat = try add(.imageToTokens, [pooled], name: "to_tokens")
                    return try add(.concat(axis: 1), [widened, flat], name: "concat")
                }
            }
            dim = wide
        }
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let cls = try add(.selectToken(index: 0), [tokens], name: "cls")
            let normed = try add(.layerNorm(channels: dim, eps: 1e-5), [cls], name: "mlp_head/0", reference: .module("mlp_head.0"))
            // vit-pytorch builds Linear(dim, 0) for num_classes=0: no parameters, no work.
            if numClasses > 0 {
                try add(.linear(Linear(dim, numClasses, bias: true)), [normed], name: "mlp_head/1", reference: .module("mlp_head.1"))
            }
        }
    }
}
