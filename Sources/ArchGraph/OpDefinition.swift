import SizeAlgebra

/// How many inputs an op takes.
public enum Arity: Hashable, Sendable, CustomStringConvertible {
    /// Exactly this many.
    case exactly(Int)
    /// This many or more (concatenation, averages).
    case atLeast(Int)

    /// Whether `count` inputs are accepted.
    public func accepts(_ count: Int) -> Bool {
        switch self {
        case .exactly(let n): count == n
        case .atLeast(let n): count >= n
        }
    }

    /// `2 input(s)`, `at least 1 input(s)`.
    public var description: String {
        switch self {
        case .exactly(let n): "\(n) input(s)"
        case .atLeast(let n): "at least \(n) input(s)"
        }
    }
}

/// The work of one application of an op apart from its parameters, in the conventions of ``Cost``.
struct Work {
    var macs: Expr = .zero
    var fvcoreExtra: Expr = .zero
    var elementwise: Expr = .zero
}

/// Everything the analysis knows about one primitive op: each op (or small family of ops) has
/// one file under `Ops/` with a type conforming to this protocol, and ``Op/definition`` maps each
/// case of ``Op`` to it with one exhaustive `switch`. Every requirement is stated by every op:
/// there are no defaults, so a new op does not compile until all of its facts exist.
protocol OpDefinition: Hashable, Sendable {
    /// The op's name in tables and JSON (`conv2d`, `linear`, …).
    var name: String { get }
    /// The case of ``Op`` it defines.
    var kind: OpKind { get }
    /// How many inputs it takes.
    var arity: Arity { get }
    /// The output shape for `inputs` (already checked against ``arity``), with the size checks
    /// the op makes on them.
    /// - Parameters:
    ///   - inputs: the shapes of the op's inputs, in order.
    ///   - size: the graph's batch, height and width.
    ///   - checker: collects equalities that only evaluation can decide.
    func inferShape(_ inputs: [[Expr]], size: GraphSize, checker: inout ShapeChecker) throws(ShapeError) -> [Expr]
    /// The parameter tensors the op owns for inputs of the given shapes, in PyTorch's order.
    func parameters(_ inputs: [[Expr]]) -> [ParameterTensor]
    /// State tensors read at inference that are not parameters (never counted), in PyTorch's
    /// `state_dict` order after the parameters.
    var buffers: [ParameterTensor] { get }
    /// MACs, fvcore's extra work and elementwise work for inputs `inputs` giving `output`.
    func work(_ inputs: [[Expr]], output: [Expr]) -> Work
    /// The family the op's elementwise work is reported under, or `nil` for ops with none.
    var elementwiseKind: ElementwiseKind? { get }
    /// Whether the op is one of attention's token-mixing products, whose MACs grow with the
    /// square of the token count (linearly for the Performer) while every other MAC of a
    /// transformer grows linearly with it; reports show the two apart.
    var isAttentionProduct: Bool { get }
    /// Whether the output counts as an activation (`false` only for the input image).
    var outputIsActivation: Bool { get }
    /// The backward work and the tensors kept for it, for one application in training whose
    /// gradients are `needs`, as PyTorch's autograd runs the reference implementations.
    func training(_ inputs: [[Expr]], output: [Expr], needs: GradientNeeds) -> TrainingFacts
    /// How `torch.autocast` treats the op on `device`.
    func autocast(_ device: AutocastDevice) -> AutocastRule
    /// Whether the reference implementations produce the output as a view of input 0's storage
    /// (slicing, indexing), so that keeping it keeps that storage.
    var outputIsView: Bool { get }
}

/// The cases of ``Op`` without their payloads: what a test that covers every op enumerates.
public enum OpKind: String, CaseIterable, Hashable, Sendable {
    case input, conv2d, linear, layerNorm, batchNorm, activation, add, average, learnedTokens, positionEmbedding
    case concat, slice, tokensToImage, imageToTokens, unfold, attentionScores, softmax, attentionContext
    case performerAttention, maxPool2d, globalAveragePool, meanTokens, selectToken
    case roll, windowPartition, windowMerge, patchMerge, relativePositionBias, windowMask
    case headLayerNorm, layerScale, maxTokens
}

/// The graph's batch, height and width, each a variable or a constant.
public typealias GraphSize = (batch: Expr, height: Expr, width: Expr)
