import SizeAlgebra

/// The work and storage of a node or a group of nodes, as expressions in B, H, W.
///
/// Conventions (the same everywhere a number is shown):
/// - `params`: elements of every parameter tensor, frozen ones included; `trainableParams`
///   excludes frozen ones. Buffers are not parameters.
/// - `macs`: multiply-accumulates of conv, linear and matmul-like ops (attention products and
///   the Performer's feature maps included); bias additions excluded; grouped convs per group.
/// - `attentionMacs`: the part of `macs` done by attention's token-mixing products (q·kᵀ,
///   attn·v, the Performer), the one definition of the attention/other split.
/// - `fvcoreExtra`: what fvcore adds on top of `macs`: LayerNorm 5 per element, BatchNorm
///   (inference) 2 per element, adaptive average pooling 1 per input element.
/// - `elementwise`: elements processed by non-MAC ops (norms, softmax, activations, adds,
///   pooling), reported apart from `macs`.
/// - `activations`: elements of every op's output tensor.
public struct Cost: Hashable, Sendable {
    public var params: Expr = .zero
    public var trainableParams: Expr = .zero
    public var macs: Expr = .zero
    public var attentionMacs: Expr = .zero
    public var fvcoreExtra: Expr = .zero
    public var elementwise: Expr = .zero
    public var activations: Expr = .zero

    public init() {}

    public static let zero = Cost()

    public static func + (lhs: Cost, rhs: Cost) -> Cost {
        var sum = lhs
        sum.params += rhs.params
        sum.trainableParams += rhs.trainableParams
        sum.macs += rhs.macs
        sum.attentionMacs += rhs.attentionMacs
        sum.fvcoreExtra += rhs.fvcoreExtra
        sum.elementwise += rhs.elementwise
        sum.activations += rhs.activations
        return sum
    }

    public static func += (lhs: inout Cost, rhs: Cost) { lhs = lhs + rhs }

    /// `macs + fvcoreExtra`: what fvcore's `FlopCountAnalysis` reports.
    public var fvcore: Expr { macs + fvcoreExtra }
    /// `2 × macs`.
    public var flops: Expr { macs * 2 }
}

/// The family an op's elementwise work is reported under.
public enum ElementwiseKind: String, CaseIterable, Hashable, Sendable {
    case norm, softmax, activation, add, pool, performer, scale
}
