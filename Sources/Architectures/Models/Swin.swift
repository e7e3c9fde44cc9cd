import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// timm's `SwinTransformer`: a conv patch embedding with LayerNorm, per stage a 2×2 patch
    /// merging (after the first) and blocks of (shifted) window attention, then LayerNorm, the
    /// mean over tokens and the classifier. Tokens stay `(B, h·w, C)`, the memory order of timm's
    /// `(B, H, W, C)`.
    ///
    /// Where a stage's grid is not larger than its window, timm shrinks the window to the grid
    /// and drops the shift; the builder does the same. At a symbolic size it chooses each
    /// stage's window as the model's own size `ownSize` does and records the sizes where that
    /// choice holds (grids larger than the window, or equal to the own grid where it shrank).
    func buildSwin(_ c: SwinConfig, inChannels: Int, numClasses: Int, ownSize: ImageSize) throws {
        let embed = Window(kernel: c.patchSize, stride: c.patchSize)
        var grid = (embed.outputHeight(height), embed.outputWidth(width))
        var own = embed.outputSize(height: ownSize.height, width: ownSize.width)
        var x = try stage(
            StageInfo(name: "embed", kind: .embed, grid: [grid.0, grid.1], channels: c.embedDim), module: "patch_embed"
        ) {
            let image = try add(.input(channels: inChannels), name: "image")
            let conv = try add(
                .conv2d(Conv2d(inChannels, c.embedDim, embed, bias: true)), [image], name: "proj", reference: .module("proj"))
            let tokens = try add(.imageToTokens, [conv], name: "flatten")
            return try add(.layerNorm(channels: c.embedDim, eps: 1e-5), [tokens], name: "norm", reference: .module("norm"))
        }
        for index in c.depths.indices {
            let dim = c.width(index)
            if index > 0 {
                let previous = c.width(index - 1), before = grid
                try requireEven(before, stage: "merge\(index)")
                grid = (before.0.floorDiv(2), before.1.floorDiv(2))
                own = (own.height / 2, own.width / 2)
                x = try stage(
                    StageInfo(name: "merge\(index)", kind: .pool, grid: [grid.0, grid.1], channels: dim),
                    module: "layers.\(index).downsample"
                ) {
                    let merged = try add(.patchMerge(height: before.0, width: before.1), [x], name: "merge")
                    let normed = try add(.layerNorm(channels: 4 * previous, eps: 1e-5), [merged], name: "norm", reference: .module("norm"))
                    return try add(
                        .linear(Linear(4 * previous, dim, bias: false)), [normed], name: "reduction", reference: .module("reduction"))
                }
            }
            let name = "stage\(index + 1)"
            let (window, shift) = try swinWindow(grid: grid, own: own, window: c.windowSize[index], stage: name)
            let heads = c.numHeads[index]
            let headDim = c.headDim ?? dim / heads
            x = try stage(
                StageInfo(name: name, kind: .transformer, grid: [grid.0, grid.1], channels: dim, heads: heads, depth: c.depths[index]),
                module: "layers.\(index)"
            ) {
                var x = x
                for block in 0..<c.depths[index] {
                    x = try self.block("block\(block)", module: "blocks.\(block)") {
                        try swinBlock(
                            x, dim: dim, heads: heads, headDim: headDim, grid: grid, window: window,
                            shift: block % 2 == 1 ? shift : 0, mlpHidden: hiddenWidth(dim, c.mlpRatio), qkvBias: c.qkvBias)
                    }
                }
                return x
            }
        }
        let dim = c.width(c.depths.count - 1)
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let normed = try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "norm", reference: .module("norm"))
            let pooled = try add(.meanTokens, [normed], name: "pool")
            if numClasses > 0 {
                try add(.linear(Linear(dim, numClasses, bias: true)), [pooled], name: "head", reference: .module("head.fc"))
            }
        }
    }

    /// timm's `SwinTransformerBlock`: `x + attn(norm1(x))` on (shifted) windows, then
    /// `x + mlp(norm2(x))`.
    func swinBlock(
        _ x: Value, dim: Int, heads: Int, headDim: Int, grid: (Expr, Expr), window: Int, shift: Int, mlpHidden: Int,
        qkvBias: Bool
    ) throws -> Value {
        let n1 = try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "norm1", reference: .module("norm1"))
        let attended = try scope("attn", module: "attn") {
            var tokens = n1
            if shift > 0 { tokens = try add(.roll(height: grid.0, width: grid.1, shift: -shift), [tokens], name: "shift") }
            let windows = try add(.windowPartition(height: grid.0, width: grid.1, window: window), [tokens], name: "partition")
            let attnDim = headDim * heads
            let qkv = try add(.linear(Linear(dim, 3 * attnDim, bias: qkvBias)), [windows], name: "qkv", reference: .module("qkv"))
            let (q, k, v) = try split3(qkv, width: attnDim, names: ("q", "k", "v"))
            var scores = try add(.attentionScores(heads: heads, scale: 1 / Double(headDim).squareRoot()), [q, k], name: "scores")
            scores = try add(
                .relativePositionBias(heads: heads, window: window), [scores], name: "relative_position_bias",
                reference: .tensors("relative_position_bias_table"))
            if shift > 0 {
                scores = try add(.windowMask(height: grid.0, width: grid.1, window: window, shift: shift), [scores], name: "mask")
            }
            let weights = try add(.softmax, [scores], name: "softmax")
            let context = try add(.attentionContext(heads: heads), [weights, v], name: "context")
            let projected = try add(.linear(Linear(attnDim, dim, bias: true)), [context], name: "proj", reference: .module("proj"))
            let merged = try add(.windowMerge(height: grid.0, width: grid.1, window: window), [projected], name: "merge")
            return shift > 0 ? try add(.roll(height: grid.0, width: grid.1, shift: shift), [merged], name: "unshift") : merged
        }
        let x1 = try add(.add, [x, attended], name: "residual1")
        let n2 = try add(.layerNorm(channels: dim, eps: 1e-5), [x1], name: "norm2", reference: .module("norm2"))
        let m = try mlp(n2, dim: dim, hidden: mlpHidden)
        return try add(.add, [x1, m], name: "residual2")
    }

    /// The window and shift timm uses on a stage's grid: the configured window and half of it
    /// on grids larger than the window; the grid itself and no shift otherwise. The grid must be
    /// whole windows (timm pads it; vitscope does not model the padding) and the window square.
    private func swinWindow(grid: (Expr, Expr), own: (height: Int, width: Int), window: Int, stage: String) throws -> (Int, Int) {
        let sides = (grid.0.constant ?? own.height, grid.1.constant ?? own.width)
        let symbolic = grid.0.constant == nil || grid.1.constant == nil
        let shrinks = (sides.0 <= window, sides.1 <= window)
        let side = "\(stage)'s \(sides.0)×\(sides.1) token grid"
        if shrinks.0 != shrinks.1 || (shrinks.0 && sides.0 != sides.1) {
            // timm's rule per side: the grid side and no shift where it is not larger than the window.
            let windows = (shrinks.0 ? sides.0 : window, shrinks.1 ? sides.1 : window)
            let shifts = (shrinks.0 ? 0 : window / 2, shrinks.1 ? 0 : window / 2)
            throw GraphError(
                path: stage,
                message: "\(side) gives timm \(windows.0)×\(windows.1) windows shifted by \(shifts.0)×\(shifts.1) (a side not larger than "
                    + "the window \(window) keeps its whole length and no shift), which vitscope does not model: it models square windows "
                    + "with equal shifts")
        }
        if shrinks.0 {
            if symbolic {
                try require(grid.0, equals: Expr(sides.0), "\(stage) grid height (its window is the whole grid)", name: "\(stage)/window")
                try require(grid.1, equals: Expr(sides.1), "\(stage) grid width (its window is the whole grid)", name: "\(stage)/window")
            }
            return (sides.0, 0)
        }
        if !symbolic, sides.0 % window != 0 || sides.1 % window != 0 {
            throw GraphError(
                path: stage,
                message: "\(side) is not a whole number of \(window)×\(window) windows (timm pads it; vitscope does not model the padding)")
        }
        if symbolic {
            try require(
                grid.0, atLeast: Expr(window + 1), "\(stage) grid height (larger than the window \(window))", name: "\(stage)/window")
            try require(
                grid.1, atLeast: Expr(window + 1), "\(stage) grid width (larger than the window \(window))", name: "\(stage)/window")
        }
        return (window, window / 2)
    }

    /// Patch merging needs an even grid (timm pads an odd one; vitscope does not model that).
    private func requireEven(_ grid: (Expr, Expr), stage: String) throws {
        if let h = grid.0.constant, let w = grid.1.constant, h % 2 != 0 || w % 2 != 0 {
            throw GraphError(
                path: stage,
                message: "the \(h)×\(w) token grid before patch merging is odd (timm pads it; vitscope does not model the padding)")
        }
    }
}
