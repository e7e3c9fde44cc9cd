import ArchGraph

/// What a kernel did, from its own loop extents.
public struct Counters: Hashable, Sendable {
    /// Multiply-accumulates performed.
    public var macs = 0
    /// Elements processed by non-MAC work (norms, softmax, activations, adds, pooling).
    public var elementwise = 0

    public init(macs: Int = 0, elementwise: Int = 0) {
        self.macs = macs
        self.elementwise = elementwise
    }
}

/// The kernels of the ops that have an optimised and a naive implementation, one requirement per
/// op; each op's two implementations live in one file under `Ops/`. Layout-only ops (token
/// concat/split, reshapes, broadcasts) have a single implementation in ``Layout``
/// (`Ops/TokenKernels.swift`).
///
/// Shapes are row-major: images `(B, C, H, W)`, tokens `(B, N, C)`, attention `(B, h, Nq, Nk)`.
protocol KernelSet {
    func conv2d(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ conv: Conv2d, threads: Int,
        _ counters: inout Counters
    ) -> Tensor
    func linear(_ x: Tensor, weight: LinearWeight, bias: Tensor?, threads: Int, _ counters: inout Counters) -> Tensor
    /// Normalises each run of `width` consecutive elements (the last axis, or one head's channels).
    func layerNorm(_ x: Tensor, width: Int, weight: Tensor, bias: Tensor, eps: Float, threads: Int, _ counters: inout Counters) -> Tensor
    func layerScale(_ x: Tensor, _ gamma: Tensor, _ counters: inout Counters) -> Tensor
    func batchNorm(
        _ x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: Float,
        _ counters: inout Counters
    ) -> Tensor
    func activation(_ x: Tensor, _ kind: Activation, threads: Int, _ counters: inout Counters) -> Tensor
    func add(_ a: Tensor, _ b: Tensor, _ counters: inout Counters) -> Tensor
    func average(_ inputs: [Tensor], _ counters: inout Counters) -> Tensor
    func positionEmbedding(_ x: Tensor, _ table: Tensor, _ counters: inout Counters) -> Tensor
    func unfold(_ x: Tensor, _ window: Window) -> Tensor
    func attentionScores(q: Tensor, k: Tensor, heads: Int, scale: Float, threads: Int, _ counters: inout Counters) -> Tensor
    func softmax(_ x: Tensor, threads: Int, _ counters: inout Counters) -> Tensor
    func attentionContext(attention: Tensor, v: Tensor, heads: Int, threads: Int, _ counters: inout Counters) -> Tensor
    /// A linear layer and the node that alone reads it (an activation, or a sum with a tensor
    /// already made) as one kernel, each node's counts from the loops that ran its work.
    /// `storeFault` breaks the first piece of the second node's work (tests only).
    func linearFused(
        _ x: Tensor, weight: LinearWeight, bias: Tensor?, then epilogue: StoreEpilogue, threads: Int,
        storeFault: KernelFault?, _ linearCounters: inout Counters, _ storeCounters: inout Counters
    ) -> Tensor
    /// Scores, softmax and context in one kernel, with each node's counts from the loops that
    /// ran it. `faulty` is the node of the three whose first piece the set's fault (tests only)
    /// breaks. The operands may be columns of a wider tensor (a qkv projection's q, k and v).
    func fusedAttention(
        q: TokenRows, k: TokenRows, v: TokenRows, heads: Int, scale: Float, threads: Int, faulty: AttentionPart?
    ) -> FusedAttentionForward
    func relativePositionBias(_ scores: Tensor, table: Tensor, window: Int, _ counters: inout Counters) -> Tensor
    func windowMask(_ scores: Tensor, height: Int, width: Int, window: Int, shift: Int, _ counters: inout Counters) -> Tensor
    func performerAttention(_ kqv: Tensor, projection: Tensor, threads: Int, _ counters: inout Counters) -> Tensor
    func maxPool2d(_ x: Tensor, _ window: Window, _ counters: inout Counters) -> Tensor
    func globalAveragePool(_ x: Tensor, _ counters: inout Counters) -> Tensor
    func meanTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor
    func maxTokens(_ x: Tensor, _ counters: inout Counters) -> Tensor
}

/// The reference kernels: direct loops in the order the definitions read, scalar libm functions,
/// no blocking, no threads, counting as they go. Tests compare every optimised kernel against
/// these. Each op's two kernels sit side by side in one file under `Ops/`.
struct NaiveKernels: KernelSet {}

/// The fast kernels: GEMM-based linear, conv (im2col) and attention products; SIMD norms,
/// softmax and activations; work split across threads where it pays. Each counts the work it
/// did from the extents of the loops and tiles it ran.
struct OptimizedKernels: KernelSet {
    /// A fault to inject into this node's kernel (tests only): see ``KernelFault``.
    var fault: KernelFault? = nil
}

/// What a linear layer's GEMM does to each part of its output once that part is finished.
enum StoreEpilogue: Sendable {
    /// The activation, in place.
    case activation(Activation)
    /// Adds the same elements of a tensor of the output's shape (a residual).
    case add(Tensor)
}

/// Row-major shape helpers.
extension Tensor {
    /// The size of the last axis.
    var lastAxis: Int { shape.last ?? 1 }
    /// Elements before the last axis, i.e. the number of rows of width ``lastAxis``.
    var rows: Int { lastAxis == 0 ? 0 : count / lastAxis }
}
