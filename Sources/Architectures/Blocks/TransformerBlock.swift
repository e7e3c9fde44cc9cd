import ArchGraph
import SizeAlgebra

extension GraphBuilder {
    /// Multi-head softmax attention from already projected `q`, `k`, `v` tokens: scores,
    /// softmax and context, under the current scope. `scaledAfter`: the reference scales the
    /// product rather than the queries (vit-pytorch, the CvT authors).
    /// - Returns: `(B, Nq, C)`, heads merged, before the output projection.
    func attentionCore(q: Value, k: Value, v: Value, heads: Int, scale: Double, scaledAfter: Bool = false) throws -> Value {
        let scores = try add(
            .attentionScores(heads: heads, scale: scale), [q, k], name: "scores", scalesAfterProduct: scaledAfter)
        let weights = try add(.softmax, [scores], name: "softmax")
        return try add(.attentionContext(heads: heads), [weights, v], name: "context")
    }

    /// Splits a fused `(B, N, 3·C)` projection into its three `(B, N, C)` parts, named in order.
    func split3(_ fused: Value, width: Int, names: (String, String, String)) throws -> (Value, Value, Value) {
        let a = try add(.slice(axis: 2, start: 0, length: Expr(width)), [fused], name: names.0)
        let b = try add(.slice(axis: 2, start: Expr(width), length: Expr(width)), [fused], name: names.1)
        let c = try add(.slice(axis: 2, start: Expr(2 * width), length: Expr(width)), [fused], name: names.2)
        return (a, b, c)
    }

    /// timm's `Attention`: fused qkv linear, softmax attention with scale `(C/h)^-½`, output linear;
    /// with `block`'s options also LayerNorm of each head's queries and keys (`q_norm`,
    /// `k_norm`) and of the context (`norm`), and the output projection without bias.
    func selfAttention(_ x: Value, dim: Int, heads: Int, qkvBias: Bool, eps: Double = 1e-6, block: BlockOptions = .plain) throws -> Value {
        try scope("attn", module: "attn") {
            let qkv = try add(.linear(Linear(dim, 3 * dim, bias: qkvBias)), [x], name: "qkv", reference: .module("qkv"))
            var (q, k, v) = try split3(qkv, width: dim, names: ("q", "k", "v"))
            let headDim = dim / heads
            if block.qkNorm {
                q = try add(.headLayerNorm(heads: heads, headDim: headDim, eps: eps), [q], name: "q_norm", reference: .module("q_norm"))
                k = try add(.headLayerNorm(heads: heads, headDim: headDim, eps: eps), [k], name: "k_norm", reference: .module("k_norm"))
            }
            var context = try attentionCore(q: q, k: k, v: v, heads: heads, scale: 1 / Double(headDim).squareRoot())
            if block.attentionNorm {
                context = try add(.layerNorm(channels: dim, eps: eps), [context], name: "norm", reference: .module("norm"))
            }
            return try add(.linear(Linear(dim, dim, bias: block.projBias)), [context], name: "proj", reference: .module("proj"))
        }
    }

    /// Two linear layers with a nonlinearity between them, named `fc1`, `act`, `fc2` as in
    /// timm's `Mlp`, or as the reference names them (`0`, `1`, `2` for an `nn.Sequential`);
    /// the scope and the linear layers are the reference modules `mlp`, `names.0` and `names.2`.
    /// With `bias` false neither layer has a bias (timm's `proj_bias=False`); with `norm`, a
    /// LayerNorm of the hidden activations comes before the second layer (`scale_mlp_norm`);
    /// `dropout` is the rate of a dropout after the second layer in training.
    func mlp(
        _ x: Value, dim: Int, hidden: Int, out: Int? = nil, activation: Activation = .gelu,
        names: (String, String, String) = ("fc1", "act", "fc2"), bias: Bool = true, norm: Double? = nil,
        dropout: Double = 0
    ) throws -> Value {
        try scope("mlp", module: "mlp") {
            let h = try add(.linear(Linear(dim, hidden, bias: bias)), [x], name: names.0, reference: .module(names.0))
            var a = try add(.activation(activation), [h], name: names.1)
            if let eps = norm { a = try add(.layerNorm(channels: hidden, eps: eps), [a], name: "norm", reference: .module("norm")) }
            return try add(
                .linear(Linear(hidden, out ?? dim, bias: bias)), [a], name: names.2, reference: .module(names.2),
                dropout: dropout)
        }
    }

    /// `x · γ` as timm's `LayerScale` module `name` (`ls1`, `ls2`), or `x` itself without it.
    func layerScale(_ x: Value, dim: Int, name: String, if enabled: Bool) throws -> Value {
        guard enabled else { return x }
        return try add(.layerScale(channels: dim), [x], name: name, reference: .module(name))
    }

    /// The pre-norm transformer block of timm, T2T-ViT and PiT:
    /// `x + ls1(attn(norm1(x)))`, then `x + ls2(mlp(norm2(x)))` (LayerScale only with `block.layerScale`).
    func transformerBlock(
        _ x: Value, dim: Int, heads: Int, mlpHidden: Int, qkvBias: Bool, eps: Double, block: BlockOptions = .plain
    ) throws -> Value {
        let n1 = try add(.layerNorm(channels: dim, eps: eps), [x], name: "norm1", reference: .module("norm1"))
        let attended = try layerScale(
            try selfAttention(n1, dim: dim, heads: heads, qkvBias: qkvBias, eps: eps, block: block), dim: dim, name: "ls1",
            if: block.layerScale)
        let x1 = try add(.add, [x, attended], name: "residual1")
        let n2 = try add(.layerNorm(channels: dim, eps: eps), [x1], name: "norm2", reference: .module("norm2"))
        let m = try layerScale(
            try mlp(
                n2, dim: dim, hidden: mlpHidden, activation: block.activation, bias: block.projBias, norm: block.mlpNorm ? eps : nil),
            dim: dim, name: "ls2",
            if: block.layerScale)
        return try add(.add, [x1, m], name: "residual2")
    }

    /// `depth` transformer blocks named `block0`, `block1`, …, each a block of the graph and the
    /// reference module `blocks.0`, `blocks.1`, … (timm's `blocks` `nn.Sequential`).
    func transformerBlocks(
        _ x: Value, depth: Int, dim: Int, heads: Int, mlpHidden: Int, qkvBias: Bool,
        eps: Double, block options: BlockOptions = .plain
    ) throws -> Value {
        var x = x
        for index in 0..<depth {
            x = try block("block\(index)", module: "blocks.\(index)") {
                try transformerBlock(x, dim: dim, heads: heads, mlpHidden: mlpHidden, qkvBias: qkvBias, eps: eps, block: options)
            }
        }
        return x
    }

    /// A classifier on one token, or the token itself when `numClasses` is 0 (timm's `Identity`);
    /// the classifier is the reference module `name`.
    func tokenHead(_ x: Value, token: Int, dim: Int, numClasses: Int, name: String) throws -> Value {
        let selected = try add(.selectToken(index: token), [x], name: "select_\(name)")
        guard numClasses > 0 else { return selected }
        return try add(.linear(Linear(dim, numClasses, bias: true)), [selected], name: name, reference: .module(name))
    }

    /// timm's head for one class token, or DeiT/PiT's average of the class and distillation heads.
    func classTokenHeads(_ x: Value, dim: Int, numClasses: Int, distilled: Bool) throws -> Value {
        let logits = try tokenHead(x, token: 0, dim: dim, numClasses: numClasses, name: "head")
        guard distilled else { return logits }
        let distLogits = try tokenHead(x, token: 1, dim: dim, numClasses: numClasses, name: "head_dist")
        return try add(.average, [logits, distLogits], name: "average")
    }
}

/// The options of timm's `Block` beyond the classic pre-norm block.
struct BlockOptions {
    /// `qk_norm`.
    let qkNorm: Bool
    /// LayerScale after attention and after the MLP (`init_values`).
    let layerScale: Bool
    /// `proj_bias`: the attention projection's and both MLP layers' biases.
    let projBias: Bool
    /// `scale_attn_norm`.
    let attentionNorm: Bool
    /// `scale_mlp_norm`.
    let mlpNorm: Bool
    /// `act_layer`.
    let activation: Activation

    /// The classic block.
    static let plain = BlockOptions(ViTOptions())

    init(_ options: ViTOptions) {
        qkNorm = options.qkNorm
        layerScale = options.layerScale
        projBias = options.projBias
        attentionNorm = options.scaleAttnNorm
        mlpNorm = options.scaleMlpNorm
        activation = options.activation
    }
}

/// `Int(Double(dim) × ratio)`: Python's `int(dim * ratio)`, which truncates.
func hiddenWidth(_ dim: Int, _ ratio: Double) -> Int { Int(Double(dim) * ratio) }
