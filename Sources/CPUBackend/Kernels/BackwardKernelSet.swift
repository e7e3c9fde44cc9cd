import ArchGraph

/// What one node's backward did, from its kernels' own loops and tiles.
///
/// MACs are the matrix products PyTorch's autograd runs, as `torch.utils.flop_counter` counts
/// them: one product of the forward's size per operand that needs a gradient. Everything else
/// the backward does is ``elementwise``, in the convention of ``BackwardKernelSet``.
public struct BackwardCounters: Hashable, Sendable {
    /// Products computing gradients of the node's inputs.
    public var inputGradientMacs = 0
    /// Products computing gradients of the node's parameters.
    public var weightGradientMacs = 0
    /// Elements of the backward's non-product passes (see ``BackwardKernelSet`` for the table).
    public var elementwise = 0

    public init(inputGradientMacs: Int = 0, weightGradientMacs: Int = 0, elementwise: Int = 0) {
        self.inputGradientMacs = inputGradientMacs
        self.weightGradientMacs = weightGradientMacs
        self.elementwise = elementwise
    }

    /// Input- and weight-gradient MACs together.
    public var macs: Int { inputGradientMacs + weightGradientMacs }

    public static func + (lhs: BackwardCounters, rhs: BackwardCounters) -> BackwardCounters {
        BackwardCounters(
            inputGradientMacs: lhs.inputGradientMacs + rhs.inputGradientMacs,
            weightGradientMacs: lhs.weightGradientMacs + rhs.weightGradientMacs,
            elementwise: lhs.elementwise + rhs.elementwise)
    }

    public static func += (lhs: inout BackwardCounters, rhs: BackwardCounters) { lhs = lhs + rhs }
}

/// What the three nodes of fused softmax attention did in one backward: the fused kernel counts
/// each product and pass against the node whose forward it differentiates.
struct FusedAttentionCounters: Hashable {
    var scores = BackwardCounters(), softmax = BackwardCounters(), context = BackwardCounters()
    /// `q·kᵀ` run again to rebuild the probabilities (the scores node's).
    var recomputeMacs = 0
}

/// The training kernels beside ``KernelSet``: the forwards that make what a backward needs
/// (batch statistics, log-sum-exps, indices) and every op's backward. Each op's naive and
/// optimised kernels live in its `Ops/<Family>Kernels.swift` file beside its forward ones;
/// layout-only ops have one backward in ``Layout``.
///
/// A kernel computes only the gradients `needs` asks for: an input's when that input depends on
/// a trainable parameter, the parameters' when they are trainable.
///
/// ## Backward MACs
///
/// | op | input-gradient MACs | weight-gradient MACs |
/// |---|---|---|
/// | `conv2d` | forward MACs, if the input needs it | forward MACs, if trainable |
/// | `linear` | forward MACs (rows·in·out), if the input needs it | forward MACs, if trainable |
/// | `attention_scores` (eager) | forward MACs per operand (q, k) needing it | — |
/// | `attention_context` (eager) | forward MACs per operand (attn, v) needing it | — |
/// | `performer_attention` | `B·T·m·(6e + 2)`, if kqv needs it | — (projection frozen) |
/// | fused attention (see below) | `P` each for dv (v needs), dP (q or k needs), dq (q), dk (k) | — |
///
/// Here `P = B·h·Nq·Nk·d`, the size of one attention product. Every other op has no MACs.
///
/// ## Backward elementwise convention
///
/// One unit per element of each tensor-sized pass that produces a gradient: of an input (the
/// elements of the pass that writes it), or of parameters (the elements reduced into them, one
/// pass for a scale and shift together). Per-row values (row sums, statistics) are free, and so
/// is adding the gradients of a value read by several nodes. Layout moves count nothing.
/// Shapes: `x` the input, `y` the output; `[c]` is 1 when condition `c` holds, else 0;
/// "input" means the input needs a gradient, "params" that the parameters are trainable.
///
/// | op | elementwise |
/// |---|---|
/// | `conv2d`, `linear` | `|y|·[params and bias]` (the bias gradient sums the output gradient) |
/// | `layer_norm`, `head_layer_norm`, `batch_norm` | `|x|·[input] + |x|·[params]` |
/// | `gelu`, `gelu_tanh`, `quick_gelu`, `relu` | `|x|·[input]` |
/// | `add`, `concat`, `slice`, `select_token`, `tokens_to_image`, `image_to_tokens` | 0 |
/// | `roll`, `window_partition`, `window_merge`, `patch_merge`, `window_mask` | 0 |
/// | `average` | `|y|·[any input]` (`g/n` once, shared by the inputs) |
/// | `learned_tokens` | `|y|·[params]` (sum over the batch) |
/// | `position_embedding` | `|y|·[params]` (sum over the batch; 0 for a frozen table) |
/// | `layer_scale` | `|y|·[input] + |y|·[params]` |
/// | `unfold` | `|y|·[input]` (each patch element added back, padding taps included) |
/// | `attention_scores` (eager) | `|q|·[q needs]` (the scale applied to q's gradient) |
/// | `softmax` (eager) | `|y|·[input]` |
/// | `attention_context` (eager) | 0 |
/// | `performer_attention` | `B·T·(3e + 2m)·[input]`: the division (e), each feature map (m) and each of k's and q's `|x|²` terms (e) |
/// | `max_pool2d` | `|y|·[input]` (one scatter per output element) |
/// | `global_average_pool`, `mean_tokens`, `max_tokens` | `|x|·[input]` |
/// | `relative_position_bias` | `|y|·[params]` (the table's scatter) |
///
/// Fused attention (``ArchGraph/AttentionImplementation/fused``, where scores → softmax →
/// context follow each other with nothing else reading the scores or the probabilities) is one
/// kernel whose counts go to the node each part differentiates:
///
/// | node | input-gradient MACs | elementwise | recompute MACs |
/// |---|---|---|---|
/// | scores | `P·[q] + P·[k]` (dq = dS·k, dk = dSᵀ·q) | 0 (the scale is folded into dS) | `P` (q·kᵀ again) |
/// | softmax | — | `B·h·Nq·Nk` (P = exp(S − lse)) `+ B·h·Nq·Nk·[q or k]` (dS) | — |
/// | context | `P·[v] + P·[q or k]` (dv = Pᵀ·dO, dP = dO·vᵀ) | `B·Nq·h·d·[q or k]` (rowsum(dO∘O)) | — |
protocol BackwardKernelSet {
    // MARK: Training forwards: the inference forward, plus what the backward reads.

    /// Layer norm of each run of `width` elements, with each run's mean and reciprocal standard
    /// deviation. Counts as ``KernelSet/layerNorm(_:width:weight:bias:eps:threads:_:)``.
    func layerNormTraining(
        _ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, mean: Tensor, rstd: Tensor)
    /// Batch norm with the batch's statistics (biased variance), per channel.
    func batchNormTraining(
        _ x: Tensor, weight: Tensor, bias: Tensor, eps: Float, _ counters: inout Counters
    ) -> (output: Tensor, mean: Tensor, rstd: Tensor)
    /// QuickGELU `x·σ(1.702 x)`, with `σ(1.702 x)`.
    func quickGELUTraining(_ x: Tensor, threads: Int, _ counters: inout Counters) -> (output: Tensor, sigmoid: Tensor)
    /// Eager scores scaled as `scaling` says, from per-head operands `(B, h, Nq, d)` of the
    /// queries and `(B, h, Nk, d)` of the keys, which the backward reads: for one head an
    /// operand needing no scale is the input itself.
    func attentionScoresTraining(
        q: Tensor, k: Tensor, heads: Int, scale: Float, scaling: ScoreScaling, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, queries: Tensor, keys: Tensor)
    /// Softmax with each row's log-sum-exp (what fused attention keeps instead of the
    /// probabilities), `(…)` of the rows.
    func softmaxTraining(_ x: Tensor, threads: Int, _ counters: inout Counters) -> (output: Tensor, logSumExp: Tensor)
    /// Eager `attn·v` from the values per head `(B, h, Nk, d)`: a copy, or for one head the
    /// values themselves.
    func attentionContextTraining(
        attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, values: Tensor)
    /// Max pooling with the flat input index of each output's maximum.
    func maxPool2dTraining(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> (output: Tensor, indices: [Int])
    /// T2T's Performer with the tensors autograd keeps of it.
    func performerTraining(
        _ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters
    ) -> (output: Tensor, saved: PerformerSaved)

    // MARK: Backward kernels. `g` is the gradient of the op's output.

    func linearBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, bias: Bool, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
    func conv2dBackward(
        _ g: Tensor, input x: Tensor, weight: Tensor, _ conv: Conv2d, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
    /// Layer norm of runs of `width` (the last axis, or one head's channels).
    func layerNormBackward(
        _ g: Tensor, input x: Tensor, mean: Tensor, rstd: Tensor, width: Int, weight: Tensor, needs: GradientNeeds,
        threads: Int, _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
    func batchNormBackward(
        _ g: Tensor, input x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor, needs: GradientNeeds,
        _ counters: inout BackwardCounters
    ) -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
    /// The input gradient of an activation from what it keeps: GELU's input, ReLU's output,
    /// QuickGELU's input and sigmoid.
    func activationBackward(_ g: Tensor, _ kept: ActivationKept, threads: Int, _ counters: inout BackwardCounters) -> Tensor
    func layerScaleBackward(
        _ g: Tensor, input x: Tensor, gamma: Tensor, needs: GradientNeeds, _ counters: inout BackwardCounters
    ) -> (input: Tensor?, gamma: Tensor?)
    /// `g / count`, the gradient every input of an average receives.
    func averageBackward(_ g: Tensor, count: Int, _ counters: inout BackwardCounters) -> Tensor
    /// The sum of `g` over its first axis (the batch), shaped `shape`: the gradient of a tensor
    /// broadcast over the batch.
    func batchSum(_ g: Tensor, into shape: [Int], _ counters: inout BackwardCounters) -> Tensor
    /// The patches folded back onto an image of `shape`.
    func unfoldBackward(_ g: Tensor, _ window: Window, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor
    func attentionScoresBackward(
        _ g: Tensor, queries: Tensor, keys: Tensor, heads: Int, scale: Float, scaling: ScoreScaling, needs: GradientNeeds,
        threads: Int, _ counters: inout BackwardCounters
    ) -> (q: Tensor?, k: Tensor?)
    func softmaxBackward(_ g: Tensor, output y: Tensor, threads: Int, _ counters: inout BackwardCounters) -> Tensor
    func attentionContextBackward(
        _ g: Tensor, attention: Tensor, values: Tensor, heads: Int, needs: GradientNeeds, threads: Int,
        _ counters: inout BackwardCounters
    ) -> (attention: Tensor?, v: Tensor?)
    /// Fused attention's backward from q, k, v `(B, N, h·d)`, the output and the log-sum-exps
    /// `(B, h, Nq)`: the probabilities are rebuilt from q, k and the log-sum-exps. `needs` has
    /// the inputs q, k, v.
    func fusedAttentionBackward(
        _ g: Tensor, _ saved: FusedAttentionSaved, heads: Int, scale: Float, needs: GradientNeeds, threads: Int,
        _ counters: inout FusedAttentionCounters
    ) -> (q: Tensor?, k: Tensor?, v: Tensor?)
    func performerBackward(
        _ g: Tensor, _ saved: PerformerSaved, projection: Tensor, threads: Int, _ counters: inout BackwardCounters
    ) -> Tensor
    func maxPool2dBackward(_ g: Tensor, indices: [Int], inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor
    func globalAveragePoolBackward(_ g: Tensor, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor
    func meanTokensBackward(_ g: Tensor, inputShape shape: [Int], _ counters: inout BackwardCounters) -> Tensor
    func maxTokensBackward(_ g: Tensor, input x: Tensor, output y: Tensor, _ counters: inout BackwardCounters) -> Tensor
    /// The bias table's gradient `((2w−1)², h)`: each output gradient added to its table entry.
    func relativePositionBiasBackward(
        _ g: Tensor, tableShape: [Int], window: Int, _ counters: inout BackwardCounters
    ) -> Tensor
}

/// An activation with what it keeps for its backward (see `Keeps.activation(_:)`).
enum ActivationKept {
    case gelu(input: Tensor)
    case geluTanh(input: Tensor)
    case quickGELU(input: Tensor, sigmoid: Tensor)
    case relu(output: Tensor)
}

/// What fused attention keeps: q, k, v as the op read them `(B, N, h·d)`, its output
/// `(B, Nq, h·d)` and one log-sum-exp per query row `(B, h, Nq)`.
struct FusedAttentionSaved {
    let q: Tensor, k: Tensor, v: Tensor, output: Tensor, logSumExp: Tensor
}

/// What autograd keeps of T2T's Performer (`single_attn`), per image: the exponentials and the
/// feature maps of k and q `(B, T, m)`, `Σₜ k'` `(B, m)`, `Σₜ v⊗k'` `(B, e, m)`, and the
/// numerator and denominator of the final division `(B, T, e)`. The kqv input is kept too.
struct PerformerSaved {
    let kqv: Tensor
    let expK: Tensor, expQ: Tensor, kp: Tensor, qp: Tensor
    let kpSum: Tensor, kptv: Tensor
    let numerator: Tensor, denominator: Tensor
}

extension NaiveKernels: BackwardKernelSet {}
extension OptimizedKernels: BackwardKernelSet {}

extension KernelChoice {
    /// The forward and training kernels of this choice.
    var trainingKernels: any KernelSet & BackwardKernelSet {
        switch self {
        case .optimized: OptimizedKernels()
        case .naive: NaiveKernels()
        }
    }
}
