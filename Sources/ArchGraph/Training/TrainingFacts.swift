import SizeAlgebra

/// Which gradients one application of an op computes in backward, as autograd decides: the
/// gradient of an input only when that input depends on a trainable parameter, and weight
/// gradients only for trainable parameters.
public struct GradientNeeds: Hashable, Sendable {
    /// Per input, whether its gradient is computed.
    public let inputs: [Bool]
    /// Whether the op's trainable parameters get gradients (false when it has none).
    public let parameters: Bool

    public init(inputs: [Bool], parameters: Bool) {
        self.inputs = inputs
        self.parameters = parameters
    }

    /// Whether input `index`'s gradient is computed.
    public func input(_ index: Int) -> Bool { index < inputs.count && inputs[index] }

    /// Whether any gradient at all flows through the op (autograd records it).
    public var any: Bool { parameters || inputs.contains(true) }
}

/// The backward work of one op, in the conventions of ``Cost``: MACs are the matrix products
/// PyTorch's autograd runs (one product of the forward's size per operand that needs a
/// gradient); bias gradients and every other loop are elementwise work.
public struct BackwardWork: Hashable, Sendable {
    /// Products computing gradients of the op's inputs.
    public var inputGradientMacs: Expr = .zero
    /// Products computing gradients of its parameters.
    public var weightGradientMacs: Expr = .zero
    /// Elements written or reduced by the backward's non-product loops.
    public var elementwise: Expr = .zero

    public init(inputGradientMacs: Expr = .zero, weightGradientMacs: Expr = .zero, elementwise: Expr = .zero) {
        self.inputGradientMacs = inputGradientMacs
        self.weightGradientMacs = weightGradientMacs
        self.elementwise = elementwise
    }

    /// Input- and weight-gradient MACs.
    public var macs: Expr { inputGradientMacs + weightGradientMacs }

    public static func + (lhs: BackwardWork, rhs: BackwardWork) -> BackwardWork {
        BackwardWork(
            inputGradientMacs: lhs.inputGradientMacs + rhs.inputGradientMacs,
            weightGradientMacs: lhs.weightGradientMacs + rhs.weightGradientMacs,
            elementwise: lhs.elementwise + rhs.elementwise)
    }

    public static func += (lhs: inout BackwardWork, rhs: BackwardWork) { lhs = lhs + rhs }
}

/// One tensor an op keeps from its forward for its backward, as the op states it; the training
/// analysis resolves it to a storage (a view keeps its base) and a dtype (autocast's casts
/// make copies).
public struct Kept: Hashable, Sendable {
    /// Where the kept tensor comes from.
    public enum Source: Hashable, Sendable {
        /// The op's input at this position, as the op received it (after autocast's cast).
        case input(Int)
        /// The op's parameter at this position: never counted in float32, while autocast's
        /// low-precision copy is.
        case parameter(Int)
        /// The op's output.
        case output
        /// A tensor the op makes for its backward alone (statistics, indices, a scaled copy).
        case made([Expr])
        /// A tensor that exists only under autocast: a low-precision copy the op's products make
        /// of a value that is float32 before them (absent in float32 training).
        case autocastCopy([Expr])
        /// The output of graph node `index`: what a fused group of nodes keeps of values read
        /// by another member (fused attention keeps the queries and keys of its scores).
        case node(Int)
    }

    /// What the element type of a made tensor follows.
    public enum Element: Hashable, Sendable {
        /// The type the op computes in (float32, or autocast's low precision).
        case computed
        /// Always this type (LayerNorm's statistics are float32, max-pool indices int64).
        case fixed(ScalarType)
        /// The type of the op's first input (intermediate results of an op written out in
        /// elementary operations, before a float32 parameter promotes the result).
        case ofInput
    }

    /// A short name for tables (`input`, `mean`, `rstd`, `lse`, `indices`).
    public let name: String
    public let source: Source
    public let element: Element

    public init(_ name: String, _ source: Source, _ element: Element = .computed) {
        self.name = name
        self.source = source
        self.element = element
    }
}

/// The two facts an op gives for training: its backward work and what it keeps.
public struct TrainingFacts: Hashable, Sendable {
    public var backward: BackwardWork
    public var kept: [Kept]

    public init(backward: BackwardWork = BackwardWork(), kept: [Kept] = []) {
        self.backward = backward
        self.kept = kept
    }
}

/// How `torch.autocast` treats an op.
public enum AutocastRule: Hashable, Sendable {
    /// Runs in the low precision: floating inputs and parameters are cast down (a copy).
    case lowPrecision
    /// Runs in float32: low-precision inputs are cast up (a copy).
    case float32
    /// Runs in the widest type among its inputs (adds, concatenation).
    case promote
    /// Runs in its input's type, no cast.
    case passThrough
}

/// Whose autocast op lists apply. They differ: CUDA's float32 list holds `layer_norm`,
/// `softmax` and the reductions, so under CUDA autocast LayerNorm and softmax run (and keep) in
/// float32, while on the CPU they run in the low precision they receive.
public enum AutocastDevice: String, CaseIterable, Hashable, Sendable {
    case cuda
    case cpu
}

/// `value` when `condition` holds, zero otherwise: the work of a gradient that is computed only
/// when it is needed.
func when(_ condition: Bool, _ value: Expr) -> Expr { condition ? value : .zero }
