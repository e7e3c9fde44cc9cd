extension Expr: CustomStringConvertible {
    /// A readable, canonical form: `B·⌊H/16⌋·⌊W/16⌋ + 1`, with terms of higher degree first,
    /// repeated factors as powers (`H²`) and floor division as `⌊…⌋`.
    public var description: String {
        if overflowed { return "<overflow>" }
        if terms.isEmpty { return "0" }
        let ordered = terms.sorted { a, b in
            if a.key.degree != b.key.degree { return a.key.degree > b.key.degree }
            return a.key.sortKey < b.key.sortKey
        }
        var text = ""
        for (index, (monomial, coefficient)) in ordered.enumerated() {
            let magnitude = coefficient.magnitude
            if index == 0 {
                if coefficient < 0 { text += "-" }
            } else {
                text += coefficient < 0 ? " - " : " + "
            }
            let product = monomial.product
            if product.isEmpty {
                text += String(magnitude)
            } else if magnitude == 1 {
                text += product
            } else {
                text += "\(magnitude)·\(product)"
            }
        }
        return text
    }
}

extension Monomial {
    var sortKey: String { factors.map(\.key).joined(separator: "·") }

    /// The factors joined by `·`, with runs of one factor written as a power.
    var product: String {
        var parts: [String] = []
        var index = 0
        while index < factors.count {
            var run = 1
            while index + run < factors.count, factors[index + run] == factors[index] { run += 1 }
            parts.append(factors[index].key + (run > 1 ? superscript(run) : ""))
            index += run
        }
        return parts.joined(separator: "·")
    }
}

private func superscript(_ n: Int) -> String {
    let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    return String(String(n).map { digits[Int(String($0))!] })
}
