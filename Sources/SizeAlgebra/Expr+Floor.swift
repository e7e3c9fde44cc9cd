extension Expr {
    /// `⌊self / divisor⌋`, simplified.
    ///
    /// The rules, each exact for every integer value of the variables:
    /// - coefficients are split as `a = divisor·q + r` with `0 ≤ r < divisor`, so
    ///   `⌊(divisor·Q + R)/divisor⌋ = Q + ⌊R/divisor⌋`, and `⌊R/divisor⌋ = 0` when `R` is a constant;
    /// - a common factor `g` of `R` and `divisor` cancels: `⌊g·R/(g·d)⌋ = ⌊R/d⌋`;
    /// - nested floors merge: `⌊(⌊p/a⌋ + r)/d⌋ = ⌊(p + a·r)/(a·d)⌋`.
    ///
    /// - Parameter divisor: a positive constant. A divisor below 1 gives an overflowed result
    ///   (callers validate divisors first; nothing traps).
    public func floorDiv(_ divisor: Int) -> Expr {
        guard !overflowed, divisor > 0 else { return .overflow }
        if divisor == 1 { return self }
        if variableTerms.isEmpty { return Expr(floorDivide(constantTerm, divisor).quotient) }
        var quotient: [Monomial: Int] = [:]
        var remainder: [Monomial: Int] = [:]
        for (monomial, coefficient) in terms {
            let (q, r) = floorDivide(coefficient, divisor)
            quotient[monomial] = q
            remainder[monomial] = r
        }
        let q = Expr(terms: quotient)
        let r = Expr(terms: remainder)
        if r.isConstant { return q }

        let g = r.terms.values.reduce(divisor) { greatestCommonDivisor($0, $1) }
        let reduced = g > 1 ? Expr(terms: r.terms.mapValues { $0 / g }) : r
        let d = divisor / g
        if d == 1 { return q + reduced }

        if let (inner, innerDivisor, offset) = reduced.singleFloorPlusConstant {
            let (combined, o) = innerDivisor.multipliedReportingOverflow(by: d)
            if o { return .overflow }
            return q + (inner + Expr(innerDivisor) * Expr(offset)).floorDiv(combined)
        }
        let atom = Monomial(factors: [Factor(floorOf: reduced, by: d)])
        return q + Expr(terms: [atom: 1])
    }

    /// When the expression is `⌊p/a⌋ + r` (one floor atom with coefficient 1 plus a constant),
    /// returns `(p, a, r)`.
    var singleFloorPlusConstant: (Expr, Int, Int)? {
        var floorPart: (Expr, Int)?
        var offset = 0
        for (monomial, coefficient) in terms {
            if monomial.factors.isEmpty {
                offset = coefficient
            } else if monomial.factors.count == 1, coefficient == 1,
                case .floor(let numerator, let divisor) = monomial.factors[0].kind,
                floorPart == nil
            {
                floorPart = (numerator, divisor)
            } else {
                return nil
            }
        }
        guard let (numerator, divisor) = floorPart else { return nil }
        return (numerator, divisor, offset)
    }
}
