import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// vit-pytorch's `CvT` (cvt.py). Everything stays an image `(B, C, H, W)` except attention.
    ///
    /// Per stage `layers.i`: a conv embedding (`0`, kernel `emb_kernel`, padding `emb_kernel // 2`,
    /// stride `emb_stride`) and a channel LayerNorm (`1`), then a `Transformer` (`2`) whose blocks
    /// are attention — channel LayerNorm, `to_q` and a shared `to_kv` depthwise-separable
    /// projection (depthwise conv, BatchNorm, 1×1 conv, no biases; k/v with stride
    /// `kv_proj_stride`), softmax attention of width `heads × 64`, a 1×1 conv `to_out` — and a
    /// 1×1-conv MLP, each added to its input. Head: average pool and a Linear (`to_logits`).
    func buildVitPytorchCvT(_ c: VitPytorchCvT, inChannels: Int, numClasses: Int) throws {
        try requirePositive(["stages": c.stages.count])
        var image: Value?
        var (gridH, gridW, dim) = (height, width, inChannels)
        for (index, s) in c.stages.enumerated() {
            let prefix = "s\(index + 1)_"
            try requirePositive([
                prefix + "emb_dim": s.embDim, prefix + "emb_kernel": s.embKernel, prefix + "emb_stride": s.embStride,
                prefix + "proj_kernel": s.projKernel, prefix + "kv_proj_stride": s.kvProjStride,
                prefix + "heads": s.heads, prefix + "depth": s.depth, prefix + "mlp_mult": s.mlpMult,
            ])
            let embed = Window(kernel: s.embKernel, stride: s.embStride, padding: s.embKernel / 2)
            (gridH, gridW) = (embed.outputHeight(gridH), embed.outputWidth(gridW))
            let inputDim = dim
            let embedded = try stage(
                StageInfo(name: "embed\(index + 1)", kind: .embed, grid: [gridH, gridW], channels: s.embDim),
                module: nil
            ) {
                let source = try image ?? add(.input(channels: inChannels), name: "image")
                return try scope("layers/\(index)", module: "layers.\(index)") {
                    let conv = try add(
                        .conv2d(Conv2d(inputDim, s.embDim, embed, bias: true)), [source], name: "0",
                        reference: .module("0"))
                    return try cvtChannelNorm(conv, channels: s.embDim, name: "1", module: "1")
                }
            }
            image = try stage(
                StageInfo(
                    name: "stage\(index + 1)", kind: .transformer, grid: [gridH, gridW], channels: s.embDim,
                    heads: s.heads, depth: s.depth), module: nil
            ) {
                // One block for the stage's whole transformer, as the depth tables have grouped it.
                try block("layers", module: "layers") {
                    try scope("\(index)/2", module: "\(index).2") {
                        var x = embedded
                        for block in 0..<s.depth {
                            x = try scope("layers/\(block)", module: "layers.\(block)") { try cvtBlock(x, stage: s) }
                        }
                        return x
                    }
                }
            }
            dim = s.embDim
        }
        guard let image else { return }
        try stage(StageInfo(name: "head", kind: .head, channels: dim), module: nil) {
            let pooled = try add(.globalAveragePool, [image], name: "to_logits/0")
            // vit-pytorch builds Linear(dim, 0) for num_classes=0: no parameters, no work.
            if numClasses > 0 {
                try add(.linear(Linear(dim, numClasses, bias: true)), [pooled], name: "to_logits/2", reference: .module("to_logits.2"))
            }
        }
    }

    /// vit-pytorch's CvT `LayerNorm`: normalizes each pixel over the channels, with a gain and
    /// a bias per channel, the module's parameters `g` and `b`. Emitted as tokens → LayerNorm →
    /// image; fvcore does not count it (see ``GraphBuilder/add(_:_:name:reference:countedByFvcore:)``).
    /// - Parameters:
    ///   - name: the scope.
    ///   - module: the reference module the scope is (`net.0` for `net/0`).
    private func cvtChannelNorm(_ x: Value, channels: Int, name: String, module: String) throws -> Value {
        try scope(name, module: module) {
            let tokens = try add(.imageToTokens, [x], name: "to_tokens")
            let normed = try add(
                .layerNorm(channels: channels, eps: 1e-5), [tokens], name: "norm", reference: .tensors("g", "b"),
                countedByFvcore: false, form: .composed)
            return try add(.tokensToImage(height: x.shape[2], width: x.shape[3]), [normed], name: "to_image")
        }
    }

    /// A depthwise-separable projection (`DepthWiseConv2d`): depthwise conv, BatchNorm, 1×1 conv, no biases;
    /// `name` is the reference module (`to_q`, its `net` holding the three) and the scope.
    private func cvtProjection(_ x: Value, dim: Int, out: Int, kernel: Int, stride: Int, name: String) throws -> Value {
        try scope(name + "/net", module: name + ".net") {
            let window = Window(kernel: kernel, stride: stride, padding: kernel / 2)
            let depthwise = try add(.conv2d(Conv2d(dim, dim, window, groups: dim, bias: false)), [x], name: "0", reference: .module("0"))
            let normed = try add(.batchNorm(channels: dim, eps: 1e-5), [depthwise], name: "1", reference: .module("1"))
            return try add(
                .conv2d(Conv2d(dim, out, Window(kernel: 1, stride: 1), bias: false)), [normed], name: "2",
                reference: .module("2"))
        }
    }

    /// One block: `x + attention(x)` (`0`), then `x + feed_forward(x)` (`1`).
    private func cvtBlock(_ x: Value, stage s: VitPytorchCvTStage) throws -> Value {
        let dim = s.embDim
        let inner = try checkedWidth(s.heads, 64, name: "0/to_q")
        let kvWidth = try checkedWidth(2, inner, name: "0/to_kv")
        let attended = try scope("0", module: "0") {
            let normed = try cvtChannelNorm(x, channels: dim, name: "norm", module: "norm")
            let q = try cvtProjection(normed, dim: dim, out: inner, kernel: s.projKernel, stride: 1, name: "to_q")
            let kv = try cvtProjection(normed, dim: dim, out: kvWidth, kernel: s.projKernel, stride: s.kvProjStride, name: "to_kv")
            let k = try add(.slice(axis: 1, start: 0, length: Expr(inner)), [kv], name: "k")
            let v = try add(.slice(axis: 1, start: Expr(inner), length: Expr(inner)), [kv], name: "v")
            let context = try attentionCore(
                q: try add(.imageToTokens, [q], name: "q_tokens"),
                k: try add(.imageToTokens, [k], name: "k_tokens"),
                v: try add(.imageToTokens, [v], name: "v_tokens"),
                heads: s.heads, scale: 1 / 8, scaledAfter: true)
            let out = try add(.tokensToImage(height: q.shape[2], width: q.shape[3]), [context], name: "to_image")
            let projected = try add(
                .conv2d(Conv2d(inner, dim, Window(kernel: 1, stride: 1), bias: true)), [out], name: "to_out/0",
                reference: .module("to_out.0"))
            return try add(.add, [projected, x], name: "residual")
        }
        return try scope("1", module: "1") {
            let hidden = try checkedWidth(dim, s.mlpMult, name: "net/1")
            let normed = try cvtChannelNorm(attended, channels: dim, name: "net/0", module: "net.0")
            let h = try add(
                .conv2d(Conv2d(dim, hidden, Window(kernel: 1, stride: 1), bias: true)), [normed], name: "net/1",
                reference: .module("net.1"))
            let a = try add(.activation(.gelu), [h], name: "net/2")
            let out = try add(
                .conv2d(Conv2d(hidden, dim, Window(kernel: 1, stride: 1), bias: true)), [a], name: "net/4",
                reference: .module("net.4"))
            return try add(.add, [out, attended], name: "residual")
        }
    }
}
