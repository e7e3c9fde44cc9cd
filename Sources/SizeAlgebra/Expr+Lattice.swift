/// A polynomial in B, H, W with rational coefficients: an ``Expr`` with every floor `⌊p/c⌋`
/// replaced by `(p − k)/c`, `k` being the remainder of `p` on one residue class of the sizes.
/// It equals the expression exactly on that class (see ``Expr/lattice(of:containing:)`` and
/// ``Expr/latticeForm(on:)``).
public struct LatticeForm: Hashable, Sendable, CustomStringConvertible {
    /// Exponents of B, H and W.
    public struct Powers: Hashable, Sendable { public var b = 0, h = 0, w = 0 }
    public private(set) var terms: [Powers: Rational]

    init(terms: [Powers: Rational]) { self.terms = terms.filter { !$0.value.isZero } }

    static func constant(_ value: Rational) -> LatticeForm { LatticeForm(terms: [Powers(): value]) }

    static func + (a: LatticeForm, b: LatticeForm) -> LatticeForm {
        var terms = a.terms
        for (powers, c) in b.terms { terms[powers] = (terms[powers] ?? Rational(0)) + c }
        return LatticeForm(terms: terms)
    }

    static func * (a: LatticeForm, b: LatticeForm) -> LatticeForm {
        var terms: [Powers: Rational] = [:]
        for (p, x) in a.terms {
            for (q, y) in b.terms {
                let powers = Powers(b: p.b + q.b, h: p.h + q.h, w: p.w + q.w)
                terms[powers] = (terms[powers] ?? Rational(0)) + x * y
            }
        }
        return LatticeForm(terms: terms)
    }

    public var overflowed: Bool { terms.values.contains(where: \.overflowed) }

    /// The value at `binding`, when it is an integer that fits; `nil` otherwise.
    public func evaluate(_ binding: Binding) -> Int? {
        var total = Rational(0)
        for (powers, coefficient) in terms {
            var value = coefficient
            for (base, exponent) in [(binding.batch, powers.b), (binding.height, powers.h), (binding.width, powers.w)] {
                for _ in 0..<exponent { value = value * Rational(base) }
            }
            total = total + value
        }
        return total.overflowed || !total.isInteger ? nil : total.numerator
    }

    /// `9/64·B·H²·W² + 3/2·H·W + 21974632`, higher degree first.
    public var description: String {
        if overflowed { return "<overflow>" }
        if terms.isEmpty { return "0" }
        let ordered = terms.sorted { x, y in
            let dx = x.key.b + x.key.h + x.key.w, dy = y.key.b + y.key.h + y.key.w
            if dx != dy { return dx > dy }
            return (x.key.b, x.key.h, x.key.w) > (y.key.b, y.key.h, y.key.w)
        }
        var text = ""
        for (index, (powers, coefficient)) in ordered.enumerated() {
            let negative = coefficient.numerator < 0
            text += index == 0 ? (negative ? "-" : "") : (negative ? " - " : " + ")
            let magnitude = Rational(abs(coefficient.numerator), coefficient.denominator)
            let factors = [("B", powers.b), ("H", powers.h), ("W", powers.w)].filter { $0.1 > 0 }
                .map { $0.1 == 1 ? $0.0 : $0.0 + ($0.1 == 2 ? "²" : $0.1 == 3 ? "³" : "^\($0.1)") }
            if factors.isEmpty {
                text += magnitude.description
            } else {
                text += (magnitude == Rational(1) ? "" : magnitude.description + "·") + factors.joined(separator: "·")
            }
        }
        return text
    }
}

/// The residue class `variable ≡ residue (mod modulus)` on which every floor of an expression is
/// a fixed linear function: there `⌊(a·V + b)/c⌋ = (a·V + b − k)/c` with `k` constant.
public struct LatticeCondition: Hashable, Sendable, CustomStringConvertible {
    public let variable: Variable
    public let modulus: Int
    public let residue: Int

    /// `H a multiple of 32` or `H ≡ 3 (mod 16)`.
    public var description: String {
        residue == 0 ? "\(variable) a multiple of \(modulus)" : "\(variable) ≡ \(residue) (mod \(modulus))"
    }
}

extension Expr {
    /// The floor atoms of the expression, nested ones included, as `(numerator, divisor)`.
    var floorAtoms: [(Expr, Int)] {
        var atoms: [(Expr, Int)] = []
        for monomial in terms.keys {
            for factor in monomial.factors {
                if case .floor(let numerator, let divisor) = factor.kind {
                    atoms.append((numerator, divisor))
                    atoms += numerator.floorAtoms
                }
            }
        }
        return atoms
    }

    /// `(V, a, b)` when the expression is `a·V + b` for one variable `V`.
    var linearInOneVariable: (Variable, Int, Int)? {
        var linear: (Variable, Int)?
        var offset = 0
        for (monomial, coefficient) in terms {
            if monomial.factors.isEmpty { offset = coefficient; continue }
            guard monomial.factors.count == 1, case .variable(let v) = monomial.factors[0].kind, linear == nil else { return nil }
            linear = (v, coefficient)
        }
        return linear.map { ($0.0, $0.1, offset) }
    }

    /// The residue classes, one per variable under a floor, that contain `binding`'s values and on
    /// which every floor of `expressions` is linear. `nil` when a floor is not of the form
    /// `⌊(a·V + b)/c⌋` or the moduli grow past 2²⁰.
    public static func lattice(of expressions: [Expr], containing binding: Binding) -> [LatticeCondition]? {
        var moduli: [Variable: Int] = [:]
        for (numerator, divisor) in expressions.flatMap(\.floorAtoms) {
            guard let (variable, _, _) = numerator.linearInOneVariable else { return nil }
            let m = moduli[variable] ?? 1
            let (lcm, overflow) = (m / greatestCommonDivisor(m, divisor)).multipliedReportingOverflow(by: divisor)
            guard !overflow, lcm <= 1 << 20 else { return nil }
            moduli[variable] = lcm
        }
        return moduli.keys.sorted().map { v in
            LatticeCondition(variable: v, modulus: moduli[v]!, residue: floorDivide(binding[v], moduli[v]!).remainder)
        }
    }

    /// The expression on the residue classes `lattice`: each floor `⌊(a·V + b)/c⌋` becomes
    /// `(a·V + b − k)/c`, with `k` its remainder on the class. Exact for every size in the lattice.
    /// Floors on variables the lattice does not name are taken as exact divisions.
    public func latticeForm(on lattice: [LatticeCondition]) -> LatticeForm {
        if overflowed { return LatticeForm(terms: [LatticeForm.Powers(): .overflow]) }
        var total = LatticeForm(terms: [:])
        for (monomial, coefficient) in terms {
            var product = LatticeForm.constant(Rational(coefficient))
            for factor in monomial.factors {
                switch factor.kind {
                case .variable(let v):
                    var powers = LatticeForm.Powers()
                    switch v {
                    case .B: powers.b = 1
                    case .H: powers.h = 1
                    case .W: powers.w = 1
                    }
                    product = product * LatticeForm(terms: [powers: Rational(1)])
                case .floor(let numerator, let divisor):
                    var remainder = 0
                    if let (v, a, b) = numerator.linearInOneVariable, let class_ = lattice.first(where: { $0.variable == v }) {
                        remainder = floorDivide(a * class_.residue + b, divisor).remainder
                    }
                    let shifted = numerator.latticeForm(on: lattice) + .constant(Rational(-remainder))
                    product = product * shifted * .constant(Rational(1, divisor))
                }
            }
            total = total + product
        }
        return total
    }
}
