import SizeAlgebra

/// A sliding window: kernel, stride and symmetric zero padding, each as (height, width).
public struct Window: Hashable, Sendable {
    public var kernel: (Int, Int) { (kernelHeight, kernelWidth) }
    public let kernelHeight: Int, kernelWidth: Int
    public let strideHeight: Int, strideWidth: Int
    public let paddingHeight: Int, paddingWidth: Int

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        self.init(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding))
    }

    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)) {
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
    }

    /// Output size along height for an input of height `h`: `⌊(h + 2p − k)/s⌋ + 1`. The one
    /// definition of a sliding window's output size: the kernels evaluate it too.
    public func outputHeight(_ h: Expr) -> Expr {
        (h + Expr(2 * paddingHeight - kernelHeight)).floorDiv(strideHeight) + 1
    }

    /// Output size along width for an input of width `w`.
    public func outputWidth(_ w: Expr) -> Expr {
        (w + Expr(2 * paddingWidth - kernelWidth)).floorDiv(strideWidth) + 1
    }

    /// ``outputHeight(_:)`` and ``outputWidth(_:)`` at a concrete input size.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (outputHeight(Expr(height)).constant ?? 0, outputWidth(Expr(width)).constant ?? 0)
    }

    /// Taps of one window, `kh · kw`.
    public var taps: Int { kernelHeight * kernelWidth }

    /// `k×k/s` (or `kh×kw/sh×sw`), padding when nonzero, for tables and errors.
    public var summary: String {
        let k = kernelHeight == kernelWidth ? "\(kernelHeight)" : "\(kernelHeight)×\(kernelWidth)"
        let s = strideHeight == strideWidth ? "\(strideHeight)" : "\(strideHeight)×\(strideWidth)"
        let p = paddingHeight == paddingWidth ? "\(paddingHeight)" : "\(paddingHeight)×\(paddingWidth)"
        return "kernel \(k), stride \(s), padding \(p)"
    }

    /// The output grid for an image `x` of shape `(B, C, H, W)`, each side checked to be at least 1.
    func outputGrid(_ x: [Expr], checker: ShapeChecker) throws(ShapeError) -> (Expr, Expr) {
        let h = outputHeight(x[2]), w = outputWidth(x[3])
        try checker.positive(h, "output height for input height \(x[2]) with \(summary)")
        try checker.positive(w, "output width for input width \(x[3]) with \(summary)")
        return (h, w)
    }
}

/// A 2-D convolution on `(B, C, H, W)` images: `(B, Cin, H, W) → (B, Cout, H', W')`.
public struct Conv2d: Hashable, Sendable, OpDefinition {
    public let inChannels: Int
    public let outChannels: Int
    public let window: Window
    public let groups: Int
    public let bias: Bool

    public init(_ inChannels: Int, _ outChannels: Int, _ window: Window, groups: Int = 1, bias: Bool) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.window = window
        self.groups = groups
        self.bias = bias
    }

    /// Input channels each output channel reads: `Cin / groups`.
    public var inPerGroup: Int { inChannels / max(groups, 1) }

    var name: String { "conv2d" }
    var kind: OpKind { .conv2d }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "(B, C, H, W)")
        try checker.equal(x[1], Expr(inChannels), "input channels")
        if groups < 1 || inChannels % groups != 0 || outChannels % groups != 0 {
            throw ShapeError("\(inChannels) input and \(outChannels) output channels are not both divisible by \(groups) groups")
        }
        let (h, w) = try window.outputGrid(x, checker: checker)
        return [x[0], Expr(outChannels), h, w]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        let weight = ParameterTensor("weight", [Expr(outChannels), Expr(inPerGroup), Expr(window.kernelHeight), Expr(window.kernelWidth)])
        return bias ? [weight, ParameterTensor("bias", [Expr(outChannels)])] : [weight]
    }

    var buffers: [ParameterTensor] { [] }

    /// `B · Cout · H' · W'` outputs, each `(Cin / groups) · kh · kw` MACs; the bias is not counted.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        Work(macs: Expr.product(output) * Expr(inPerGroup * window.taps))
    }

    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// Input and weight gradients each cost the forward's MACs (per group); the bias gradient
    /// is a reduction over the output. Keeps its input and weight.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        let macs = work(inputs, output: output).macs
        return TrainingFacts(
            backward: BackwardWork(
                inputGradientMacs: when(needs.input(0), macs), weightGradientMacs: when(needs.parameters, macs),
                elementwise: when(needs.parameters && bias, Expr.product(output))),
            kept: [Kept("input", .input(0)), Kept("weight", .parameter(0))])
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .lowPrecision }
    var outputIsView: Bool { false }
}

/// Sliding-window patches as tokens, `(B, C, H, W) → (B, L, C·kh·kw)` (PyTorch's `Unfold`
/// followed by a transpose: features ordered channel-major, then kernel row, then column).
struct UnfoldOp: OpDefinition {
    let window: Window

    var name: String { "unfold" }
    var kind: OpKind { .unfold }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.rank(x, 4, "(B, C, H, W)")
        let (h, w) = try window.outputGrid(x, checker: checker)
        return [x[0], h * w, x[1] * Expr(window.taps)]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] { [] }
    var buffers: [ParameterTensor] { [] }
    /// A copy: no MACs, no elementwise work.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work { Work() }
    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// The input gradient folds the patches back (one addition per patch element); keeps
    /// nothing but sizes.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        TrainingFacts(backward: BackwardWork(elementwise: when(needs.input(0), Expr.product(output))))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .passThrough }
    var outputIsView: Bool { false }
}
