/// One factor of a monomial: a size variable, or a floor atom `⌊numerator / divisor⌋`.
///
/// Factors compare and hash by a canonical key, the printed form of the factor, which is unique
/// because expressions are kept canonical.
struct Factor: Hashable, Sendable {
    enum Kind: Sendable {
        case variable(Variable)
        case floor(numerator: Expr, divisor: Int)
    }

    let kind: Kind
    let key: String

    init(variable: Variable) {
        kind = .variable(variable)
        key = variable.rawValue
    }

    init(floorOf numerator: Expr, by divisor: Int) {
        kind = .floor(numerator: numerator, divisor: divisor)
        let inner =
            numerator.terms.count == 1 && numerator.terms.values.first == 1
            ? numerator.description : "(\(numerator.description))"
        key = "⌊\(inner)/\(divisor)⌋"
    }

    static func == (lhs: Factor, rhs: Factor) -> Bool { lhs.key == rhs.key }
    func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// Variables sort before floor atoms; floor atoms sort by key.
    static func precedes(_ a: Factor, _ b: Factor) -> Bool {
        switch (a.kind, b.kind) {
        case (.variable(let x), .variable(let y)): x < y
        case (.variable, .floor): true
        case (.floor, .variable): false
        case (.floor, .floor): a.key < b.key
        }
    }

    func evaluate(_ binding: Binding) throws(EvaluationError) -> Int {
        switch kind {
        case .variable(let v):
            return binding[v]
        case .floor(let numerator, let divisor):
            return floorDivide(try numerator.evaluate(binding), divisor).quotient
        }
    }
}

/// A product of factors, kept sorted so that equal products compare equal.
struct Monomial: Hashable, Sendable {
    let factors: [Factor]

    static let one = Monomial(factors: [])

    init(factors: [Factor]) {
        self.factors = factors.sorted(by: Factor.precedes)
    }

    static func * (lhs: Monomial, rhs: Monomial) -> Monomial {
        if lhs.factors.isEmpty { return rhs }
        if rhs.factors.isEmpty { return lhs }
        return Monomial(factors: lhs.factors + rhs.factors)
    }

    var degree: Int { factors.count }
}

/// Floor division and its non-negative remainder, for a positive divisor.
func floorDivide(_ a: Int, _ b: Int) -> (quotient: Int, remainder: Int) {
    var q = a / b
    var r = a % b
    if r < 0 {
        q -= 1
        r += b
    }
    return (q, r)
}

func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a.magnitude, b.magnitude)
    while y != 0 { (x, y) = (y, x % y) }
    return Int(x)
}
