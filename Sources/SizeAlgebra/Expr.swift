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
    /// The constant term, and the coefficient of every other monomial (no zero coefficients).
    /// Kept apart so that constants, every count of a concrete graph, need no dictionary.
    var constantTerm: Int
    var variableTerms: [Monomial: Int]
    /// Set when any step of the computation overflowed `Int`.
    public private(set) var overflowed: Bool

    /// Coefficient of each monomial; the empty monomial is the constant term. No zero coefficients.
    var terms: [Monomial: Int] {
        guard constantTerm != 0 else { return variableTerms }
        var all = variableTerms
        all[Monomial.one] = constantTerm
        return all
    }

    init(terms: [Monomial: Int], overflowed: Bool = false) {
        constantTerm = terms[Monomial.one] ?? 0
        var rest = terms
        rest[Monomial.one] = nil
        variableTerms = rest.values.contains(0) ? rest.filter { $0.value != 0 } : rest
        self.overflowed = overflowed
    }

    /// `constant` plus `variables` (no constant monomial among them, no zero coefficients).
    init(constant: Int, variables: [Monomial: Int] = [:], overflowed: Bool) {
        constantTerm = constant
        variableTerms = variables
        self.overflowed = overflowed
    }

    /// The constant `value`.
    public init(_ value: Int) {
        self.init(constant: value, overflowed: false)
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
    public static var overflow: Expr { Expr(constant: 0, overflowed: true) }

    /// The value when the expression is a constant, else `nil`. `nil` also when overflowed.
    public var constant: Int? {
        if overflowed || !variableTerms.isEmpty { return nil }
        return constantTerm
    }

    /// Whether the expression contains no variables (it may still be overflowed).
    public var isConstant: Bool { variableTerms.isEmpty }
}

// MARK: - Arithmetic

extension Expr: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

extension Expr {
    public static func + (lhs: Expr, rhs: Expr) -> Expr {
        let (constant, o) = lhs.constantTerm.addingReportingOverflow(rhs.constantTerm)
        var overflowed = lhs.overflowed || rhs.overflowed || o
        if rhs.variableTerms.isEmpty { return Expr(constant: constant, variables: lhs.variableTerms, overflowed: overflowed) }
        if lhs.variableTerms.isEmpty { return Expr(constant: constant, variables: rhs.variableTerms, overflowed: overflowed) }
        var terms = lhs.variableTerms
        for (monomial, coefficient) in rhs.variableTerms {
            let (sum, o) = (terms[monomial] ?? 0).addingReportingOverflow(coefficient)
            overflowed = overflowed || o
            terms[monomial] = sum == 0 ? nil : sum
        }
        return Expr(constant: constant, variables: terms, overflowed: overflowed)
    }

    public static prefix func - (operand: Expr) -> Expr {
        let (constant, o) = (0).subtractingReportingOverflow(operand.constantTerm)
        var overflowed = operand.overflowed || o
        var terms: [Monomial: Int] = [:]
        for (monomial, coefficient) in operand.variableTerms {
            let (negated, o) = (0).subtractingReportingOverflow(coefficient)
            overflowed = overflowed || o
            terms[monomial] = negated
        }
        return Expr(constant: constant, variables: terms, overflowed: overflowed)
    }

    public static func - (lhs: Expr, rhs: Expr) -> Expr { lhs + (-rhs) }

    public static func * (lhs: Expr, rhs: Expr) -> Expr {
        var overflowed = lhs.overflowed || rhs.overflowed
        // Fast paths: a constant factor (always, in concrete graphs) scales the other side.
        if lhs.variableTerms.isEmpty || rhs.variableTerms.isEmpty {
            let (scale, other) = lhs.variableTerms.isEmpty ? (lhs.constantTerm, rhs) : (rhs.constantTerm, lhs)
            if scale == 0 { return Expr(constant: 0, overflowed: overflowed) }
            let (constant, o) = other.constantTerm.multipliedReportingOverflow(by: scale)
            overflowed = overflowed || o
            var terms: [Monomial: Int] = [:]
            for (monomial, coefficient) in other.variableTerms {
                let (product, o) = coefficient.multipliedReportingOverflow(by: scale)
                overflowed = overflowed || o
                terms[monomial] = product == 0 ? nil : product
            }
            return Expr(constant: constant, variables: terms, overflowed: overflowed)
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

    /// The product of `factors`; `1` when empty. Not generic, so callers in other modules (every
    /// shape's element count) call a specialised loop, not `reduce` through witness tables.
    public static func product(_ factors: [Expr]) -> Expr {
        // Constants (every size of a concrete graph) multiply as integers, with `*`'s flags.
        if factors.allSatisfy({ $0.variableTerms.isEmpty }) {
            var value = 1, overflowed = false
            for factor in factors {
                let (product, o) = value.multipliedReportingOverflow(by: factor.constantTerm)
                value = product
                overflowed = overflowed || o || factor.overflowed
            }
            return Expr(constant: value, overflowed: overflowed)
        }
        var result = Expr.one
        for factor in factors { result = result * factor }
        return result
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
        var total = constantTerm
        for (monomial, coefficient) in variableTerms {
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
