/// An exact fraction with overflow tracking, for closed forms on the lattice where floors vanish.
public struct Rational: Hashable, Sendable, CustomStringConvertible {
    public private(set) var numerator: Int
    public private(set) var denominator: Int
    /// Set when a step did not fit in `Int`; the value is then meaningless.
    public private(set) var overflowed = false

    public init(_ numerator: Int, _ denominator: Int = 1) {
        self.numerator = numerator
        self.denominator = denominator
        normalize()
    }

    static var overflow: Rational {
        var r = Rational(0)
        r.overflowed = true
        return r
    }

    private mutating func normalize() {
        guard denominator != 0, numerator != .min, denominator != .min else { overflowed = true; return }
        if denominator < 0 { numerator = -numerator; denominator = -denominator }
        let g = greatestCommonDivisor(numerator, denominator)
        if g > 1 { numerator /= g; denominator /= g }
    }

    public var isZero: Bool { numerator == 0 && !overflowed }
    public var isInteger: Bool { denominator == 1 }

    public static func + (a: Rational, b: Rational) -> Rational {
        if a.overflowed || b.overflowed { return .overflow }
        let (x, o1) = a.numerator.multipliedReportingOverflow(by: b.denominator)
        let (y, o2) = b.numerator.multipliedReportingOverflow(by: a.denominator)
        let (n, o3) = x.addingReportingOverflow(y)
        let (d, o4) = a.denominator.multipliedReportingOverflow(by: b.denominator)
        return o1 || o2 || o3 || o4 ? .overflow : Rational(n, d)
    }

    public static func * (a: Rational, b: Rational) -> Rational {
        if a.overflowed || b.overflowed { return .overflow }
        // Cross-cancel first to keep the numbers small.
        let g1 = max(1, greatestCommonDivisor(a.numerator, b.denominator))
        let g2 = max(1, greatestCommonDivisor(b.numerator, a.denominator))
        let (n, o1) = (a.numerator / g1).multipliedReportingOverflow(by: b.numerator / g2)
        let (d, o2) = (a.denominator / g2).multipliedReportingOverflow(by: b.denominator / g1)
        return o1 || o2 ? .overflow : Rational(n, d)
    }

    /// `7`, `-3/64`.
    public var description: String {
        if overflowed { return "<overflow>" }
        return denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)"
    }
}
