import SizeAlgebra

/// Whether training updates a parameter tensor.
public enum ParameterRole: String, Hashable, Sendable {
    /// Learned: counted in `params` and `trainable_params`.
    case trainable
    /// Fixed at construction (T2T's sinusoid table, the Performer projection): counted in
    /// `params` only.
    case frozen
}

/// How the backend fills a tensor with seeded random values when no weight file is given, as
/// the op that owns the tensor declares it.
public enum Initialization: Hashable, Sendable {
    /// Uniform in ±1/√fan-in, the fan-in being the elements per output row of the node's first
    /// parameter (a matrix's or conv kernel's `in · kh · kw`): weights and their biases.
    case fanIn
    /// Uniform in `center ± spread`.
    case uniform(center: Double, spread: Double)
}

/// A parameter or buffer tensor that an op owns.
public struct ParameterTensor: Hashable, Sendable {
    /// The tensor's name inside its node (`weight`, `bias`, `running_mean`, …).
    public let name: String
    public let shape: [Expr]
    public let role: ParameterRole
    public let initialization: Initialization

    public init(_ name: String, _ shape: [Expr], _ role: ParameterRole = .trainable, initialization: Initialization = .fanIn) {
        self.name = name
        self.shape = shape
        self.role = role
        self.initialization = initialization
    }

    /// The number of elements.
    public var count: Expr { Expr.product(shape) }
}
