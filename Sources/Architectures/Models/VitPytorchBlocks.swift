import ArchGraph
import SizeAlgebra

/// vit-pytorch's shared modules, emitted under scope paths that follow its module names
/// (`layers/0/0/to_qkv` for `layers.0.0.to_qkv`), each scope and node declaring that module.
extension GraphBuilder {
    /// Dispatches to the builder of the config's class.
    func buildVitPytorch(_ config: VitPytorchConfig, inChannels: Int, numClasses: Int) throws {
        switch config {
        case .vit(let c): try buildVitPytorchViT(c, inChannels: inChannels, numClasses: numClasses)
        case .pit(let c): try buildVitPytorchPiT(c, inChannels: inChannels, numClasses: numClasses)
        case .t2tViT(let c): try buildVitPytorchT2TViT(c, inChannels: inChannels, numClasses: numClasses)
        case .cvt(let c): try buildVitPytorchCvT(c, inChannels: inChannels, numClasses: numClasses)
        }
    }

    /// `a × b × …`, or a ``GraphError`` at `name` when a factor is below 1 or the product
    /// does not fit in an `Int` (configs made in code skip the decoder's range checks).
    func checkedWidth(_ factors: Int..., name: String) throws -> Int {
        var product = 1
        for factor in factors {
            guard factor >= 1 else {
                throw GraphError(path: path(name), message: "a size of the configuration is \(factor); every size must be at least 1")
            }
            let (result, overflow) = product.multipliedReportingOverflow(by: factor)
            guard !overflow else {
                throw GraphError(path: path(name), message: "width does not fit in a 64-bit integer", isOverflow: true)
            }
            product = result
        }
        return product
    }

    /// A ``GraphError`` naming the first of `sizes` below 1 (configs made in code skip the
    /// decoder's range checks; a zero stride or a negative depth must not reach the ops).
    func requirePositive(_ sizes: KeyValuePairs<String, Int>) throws {
        for (name, value) in sizes where value < 1 {
            throw GraphError(path: path(name), message: "must be at least 1, found \(value)")
        }
    }

    /// vit-pytorch's `Attention` (vit.py, pit.py): `norm`, `to_qkv` (no bias) to q, k, v of
    /// width `heads × dim_head`, softmax attention scaled by `dim_head^-½`, then `to_out`
    /// back to `dim` — omitted, as vit-pytorch does, when one head has width `dim`.
    /// - Returns: the attention output, before the residual add.
    func vitPytorchAttention(_ x: Value, dim: Int, heads: Int, dimHead: Int) throws -> Value {
        let inner = try checkedWidth(heads, dimHead, name: "to_qkv")
        let qkvWidth = try checkedWidth(3, inner, name: "to_qkv")
        let normed = try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "norm", reference: .module("norm"))
        let qkv = try add(.linear(Linear(dim, qkvWidth, bias: false)), [normed], name: "to_qkv", reference: .module("to_qkv"))
        let (q, k, v) = try split3(qkv, width: inner, names: ("q", "k", "v"))
        let context = try attentionCore(
            q: q, k: k, v: v, heads: heads, scale: 1 / Double(dimHead).squareRoot(), scaledAfter: true)
        if heads == 1 && dimHead == dim { return context }
        return try add(.linear(Linear(inner, dim, bias: true)), [context], name: "to_out/0", reference: .module("to_out.0"))
    }

    /// vit-pytorch's `FeedForward` (vit.py, pit.py): `net` = LayerNorm, Linear, GELU, Dropout,
    /// Linear, Dropout; the dropouts are omitted (no parameters, no work at inference).
    func vitPytorchFeedForward(_ x: Value, dim: Int, hidden: Int) throws -> Value {
        try scope("net", module: "net") {
            let normed = try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "0", reference: .module("0"))
            let h = try add(.linear(Linear(dim, hidden, bias: true)), [normed], name: "1", reference: .module("1"))
            let a = try add(.activation(.gelu), [h], name: "2")
            return try add(.linear(Linear(hidden, dim, bias: true)), [a], name: "4", reference: .module("4"))
        }
    }

    /// vit-pytorch's `Transformer` (vit.py, pit.py): `layers.i.0` attention and `layers.i.1`
    /// feed-forward, each added to its input, and (vit.py only) a final LayerNorm `norm`.
    func vitPytorchTransformer(
        _ x: Value, dim: Int, depth: Int, heads: Int, dimHead: Int, mlpDim: Int,
        finalNorm: Bool
    ) throws -> Value {
        var x = x
        for index in 0..<depth {
            x = try scope("layers/\(index)", module: "layers.\(index)") {
                let attended = try scope("0", module: "0") {
                    let out = try vitPytorchAttention(x, dim: dim, heads: heads, dimHead: dimHead)
                    return try add(.add, [out, x], name: "residual")
                }
                return try scope("1", module: "1") {
                    let out = try vitPytorchFeedForward(attended, dim: dim, hidden: mlpDim)
                    return try add(.add, [out, attended], name: "residual")
                }
            }
        }
        guard finalNorm else { return x }
        return try add(.layerNorm(channels: dim, eps: 1e-5), [x], name: "norm", reference: .module("norm"))
    }

    /// The class token prepended to `tokens` and the learned position table added, as vit-pytorch's
    /// ViT, PiT and T2TViT do (`cls_token`, `pos_embedding`); `positions` is the table length.
    func vitPytorchTokens(_ tokens: Value, dim: Int, classToken: Bool, positions: Expr) throws -> Value {
        var x = tokens
        if classToken {
            let cls = try add(.learnedTokens(count: 1, channels: dim), name: "cls_token", reference: .tensors("cls_token"))
            x = try add(.concat(axis: 1), [cls, tokens], name: "concat")
        }
        return try add(
            .positionEmbedding(shape: [positions, Expr(dim)], role: .trainable), [x], name: "pos_embedding",
            reference: .tensors("pos_embedding"))
    }

    /// The pooled token (`x[:, 0]`, or `x.mean(dim = 1)` for `pool='mean'`) of ViT and T2TViT.
    func vitPytorchPool(_ x: Value, pool: VitPytorchPool) throws -> Value {
        switch pool {
        case .cls: try add(.selectToken(index: 0), [x], name: "cls")
        case .mean: try add(.meanTokens, [x], name: "mean")
        }
    }
}
