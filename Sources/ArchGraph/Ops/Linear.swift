import SizeAlgebra

/// A fully connected layer on the last axis: `(…, in) → (…, out)`.
public struct Linear: Hashable, Sendable, OpDefinition {
    public let inFeatures: Int
    public let outFeatures: Int
    public let bias: Bool

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.bias = bias
    }

    var name: String { "linear" }
    var kind: OpKind { .linear }
    var arity: Arity { .exactly(1) }

    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr] {
        let x = inputs[0]
        try checker.equal(try checker.last(x), Expr(inFeatures), "input features")
        return x.dropLast() + [Expr(outFeatures)]
    }

    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor] {
        let weight = ParameterTensor("weight", [Expr(outFeatures), Expr(inFeatures)])
        return bias ? [weight, ParameterTensor("bias", [Expr(outFeatures)])] : [weight]
    }

    var buffers: [ParameterTensor] { [] }

    /// Each output element is a dot product of width `in`; the bias is not counted.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work {
        Work(macs: Expr.product(output) * Expr(inFeatures))
    }

    var elementwiseKind: ElementwiseKind? { nil }
    var isAttentionProduct: Bool { false }
    var outputIsActivation: Bool { true }

    /// `x·Wᵀ + b`: the input and weight gradients are one product each of the forward's size;
    /// the bias gradient is a reduction over the output rows. Keeps its input when the weight
    /// needs a gradient and its weight when the input does (autograd saves only what it will use).
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts {
        let macs = work(inputs, output: output).macs
        return TrainingFacts(
            backward: BackwardWork(
                inputGradientMacs: when(needs.input(0), macs), weightGradientMacs: when(needs.parameters, macs),
                elementwise: when(needs.parameters && bias, Expr.product(output))),
            kept: (needs.parameters ? [Kept("input", .input(0))] : []) + (needs.input(0) ? [Kept("weight", .parameter(0))] : []))
    }

    func autocast(_ device: AutocastDevice) -> AutocastRule { .lowPrecision }
    var outputIsView: Bool { false }
}

extension Linear {
    /// Whether a linear layer reading `input` keeps a copy of it rather than a view: PyTorch
    /// flattens a `(B, L, C)` input to `(B·L, C)` rows, which is a view of the storage unless the
    /// input is a token slice `x[:, a:a+L]` of more than one token and fewer than all (PiT's
    /// class and distillation tokens), whose rows are not evenly spaced; then it copies. (At batch 1 they
    /// would be, and PyTorch would keep a view; the analysis counts the copy at every batch.)
    public static func keepsCopy(of input: Node, in graph: Graph) -> Bool {
        guard case .slice(let axis, _, let length) = input.op, axis == 1, input.shape.count == 3,
            let source = input.inputs.first
        else { return false }
        return length != Expr(1) && length != graph.nodes[source].shape[1]
    }
}
