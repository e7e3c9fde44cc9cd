import SizeAlgebra

/// A shape that an op cannot accept, described for the user (the builder adds the scope path).
public struct ShapeError: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// An equality (or a lower bound) between sizes that holds only for some values of B, H, W.
/// Symbolic graphs record these; evaluating at a size checks them.
public struct Constraint: Hashable, Sendable {
    /// How `lhs` must relate to `rhs`.
    public enum Relation: Hashable, Sendable {
        /// `lhs == rhs`.
        case equal
        /// `lhs ≥ rhs`: a size the graph's structure was chosen for (Swin keeps its windows and
        /// shifts only on grids larger than the window).
        case atLeast
    }

    public let path: String
    public let lhs: Expr
    public let rhs: Expr
    /// What must agree, e.g. "token count of the input and of the position embedding".
    public let what: String
    public var relation: Relation = .equal

    /// Whether the evaluated sides satisfy the relation.
    func holds(_ lhs: Int, _ rhs: Int) -> Bool {
        switch relation {
        case .equal: lhs == rhs
        case .atLeast: lhs >= rhs
        }
    }
}

/// Collects the size checks of one shape inference.
struct ShapeChecker {
    var deferred: [(lhs: Expr, rhs: Expr, what: String)] = []

    /// Requires `a == b`: passes when equal, fails when the difference is a nonzero constant,
    /// and otherwise defers the check to evaluation.
    mutating func equal(_ a: Expr, _ b: Expr, _ what: @autoclosure () -> String) throws(ShapeError) {
        if a == b { return }
        let difference = a - b
        if difference.isConstant || (a.isConstant && b.isConstant) {
            throw ShapeError("\(what()): \(a) ≠ \(b)")
        }
        deferred.append((a, b, what()))
    }

    /// Requires a constant size to be at least 1 (symbolic sizes are checked at evaluation).
    func positive(_ size: Expr, _ what: @autoclosure () -> String) throws(ShapeError) {
        if let value = size.constant, value < 1 {
            throw ShapeError("\(what()) would be \(value)")
        }
    }

    func rank(_ shape: [Expr], _ expected: Int, _ layout: String) throws(ShapeError) {
        if shape.count != expected {
            throw ShapeError("expects a rank-\(expected) input \(layout), got rank \(shape.count) \(format(shape))")
        }
    }

    /// Requires a constant `width` that `heads` divides.
    func divisible(_ width: Expr, _ heads: Int) throws(ShapeError) {
        guard heads > 0, let w = width.constant, w % heads == 0 else {
            throw ShapeError("width \(width) is not divisible by \(heads) heads")
        }
    }

    /// The last axis of a shape of rank ≥ 1.
    func last(_ shape: [Expr]) throws(ShapeError) -> Expr {
        guard let last = shape.last else { throw ShapeError("expects an input of rank ≥ 1") }
        return last
    }
}

/// `[1, 197, 384]`-style rendering of a shape.
public func format(_ shape: [Expr]) -> String {
    "[" + shape.map(\.description).joined(separator: ", ") + "]"
}
