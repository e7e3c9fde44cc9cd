/// A size variable: the batch size or the input image's height or width.
public enum Variable: String, Hashable, Sendable, CaseIterable, Comparable {
    case B, H, W

    public static func < (lhs: Variable, rhs: Variable) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// An integer expression over `B`, `H`, `W` and integer constants, closed under `+`, `−`, `×`
/// and floor division by a positive constant.
///
/// Expressions are kept in a canonical form — a polynomial whose "variables" are `B`, `H`, `W`
/// and floor atoms `⌊p / c⌋` — so two expressions that are equal by the rules of integer
/// arithmetic used here compare equal with `==`. Arithmetic never traps: when a constant
/// overflows `Int`, the result is marked ``overflowed`` and every expression derived from it
/// stays marked.
public struct Expr: Hashable, Sendable {
    /// Coefficient of each monomial; the empty monomial is the constant term. No zero coefficients.
    var terms: [Monomial: Int]
    /// Set when any step of the computation overflowed `Int`.
    public private(set) var overflowed: Bool

    init(terms: [Monomial: Int], overflowed: Bool = false) {
        self.terms = terms.filter { $0.value != 0 }
        self.overflowed = overflowed
    }

    /// The constant `value`.
    public init(_ value: Int) {
        self.init(terms: value == 0 ? [:] : [Monomial.one: value])
    }

    /// The variable `v`.
    public init(_ v: Variable) {
        self.init(terms: [Monomial(factors: [Factor(variable: v)]): 1])
    }

    public static let zero = Expr(0)
    public static let one = Expr(1)
    public static let B = Expr(Variable.B)
    public static let H = Expr(Variable.H)
    public static let W = Expr(Variable.W)

    /// An expression that stands for a result too large for `Int`.
    public static var overflow: Expr { Expr(terms: [:], overflowed: true) }

    /// The value when the expression is a constant, else `nil`. `nil` also when overflowed.
    public var constant: Int? {
        if overflowed { return nil }
        if terms.isEmpty { return 0 }
        if terms.count == 1, let c = terms[Monomial.one] { return c }
        return nil
    }

    /// Whether the expression contains no variables (it may still be overflowed).
    public var isConstant: Bool { terms.keys.allSatisfy { $0.factors.isEmpty } }
}

// MARK: - Arithmetic

extension Expr: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

extension Expr {
    public static func + (lhs: Expr, rhs: Expr) -> Expr {
        var terms = lhs.terms
        var overflowed = lhs.overflowed || rhs.overflowed
        for (monomial, coefficient) in rhs.terms {
            let (sum, o) = (terms[monomial] ?? 0).addingReportingOverflow(coefficient)
            overflowed = overflowed || o
            terms[monomial] = sum
        }
        return Expr(terms: terms, overflowed: overflowed)
    }

    public static prefix func - (operand: Expr) -> Expr {
        var overflowed = operand.overflowed
        var terms: [Monomial: Int] = [:]
        for (monomial, coefficient) in operand.terms {
            let (negated, o) = (0).subtractingReportingOverflow(coefficient)
            overflowed = overflowed || o
            terms[monomial] = negated
        }
        return Expr(terms: terms, overflowed: overflowed)
    }

    public static func - (lhs: Expr, rhs: Expr) -> Expr { lhs + (-rhs) }

    public static func * (lhs: Expr, rhs: Expr) -> Expr {
        var overflowed = lhs.overflowed || rhs.overflowed
        // Fast path: constant × constant, the common case in concrete graphs.
        if lhs.terms.count <= 1, rhs.terms.count <= 1, let a = lhs.constant, let b = rhs.constant {
            let (product, o) = a.multipliedReportingOverflow(by: b)
            return Expr(terms: product == 0 ? [:] : [Monomial.one: product], overflowed: overflowed || o)
        }
        var terms: [Monomial: Int] = [:]
        for (m1, c1) in lhs.terms {
            for (m2, c2) in rhs.terms {
                let (product, o1) = c1.multipliedReportingOverflow(by: c2)
                let monomial = m1 * m2
                let (sum, o2) = (terms[monomial] ?? 0).addingReportingOverflow(product)
                overflowed = overflowed || o1 || o2
                terms[monomial] = sum
            }
        }
        return Expr(terms: terms, overflowed: overflowed)
    }

    public static func += (lhs: inout Expr, rhs: Expr) { lhs = lhs + rhs }
    public static func *= (lhs: inout Expr, rhs: Expr) { lhs = lhs * rhs }

    /// The product of `factors`; `1` when empty.
    public static func product<S: Sequence>(_ factors: S) -> Expr where S.Element == Expr {
        factors.reduce(Expr.one, *)
    }

}

// MARK: - Evaluation

/// Values for the size variables.
public struct Binding: Hashable, Sendable {
    public var batch: Int
    public var height: Int
    public var width: Int

    public init(batch: Int, height: Int, width: Int) {
        self.batch = batch
        self.height = height
        self.width = width
    }

    public subscript(variable: Variable) -> Int {
        switch variable {
        case .B: batch
        case .H: height
        case .W: width
        }
    }
}

/// Why an expression could not be evaluated.
public enum EvaluationError: Error, Equatable, Sendable {
    /// An intermediate or final value does not fit in a 64-bit integer.
    case overflow
}

extension Expr {
    /// The value of the expression with each variable replaced by its value in `binding`.
    /// - Throws: ``EvaluationError/overflow`` when any step does not fit in `Int`.
    public func evaluate(_ binding: Binding) throws(EvaluationError) -> Int {
        if overflowed { throw .overflow }
        var total = 0
        for (monomial, coefficient) in terms {
            var value = coefficient
            for factor in monomial.factors {
                let (product, o) = value.multipliedReportingOverflow(by: try factor.evaluate(binding))
                if o { throw .overflow }
                value = product
            }
            let (sum, o) = total.addingReportingOverflow(value)
            if o { throw .overflow }
            total = sum
        }
        return total
    }

    /// The expression with every variable replaced by its value in `binding`, as a constant
    /// expression (marked overflowed when the value does not fit).
    public func substituting(_ binding: Binding) -> Expr {
        guard let value = try? evaluate(binding) else { return .overflow }
        return Expr(value)
    }
}
