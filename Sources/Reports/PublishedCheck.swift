import Architectures

/// A published figure beside the exact one, and whether they agree within the published rounding.
public struct PublishedCheck: Sendable {
    public let published: Published
    /// Exact params in millions, rounded as the paper rounds.
    public let exactParams: String
    /// Exact MACs in billions, rounded as the paper rounds.
    public let exactMacs: String
    public let paramsAgree: Bool
    public let macsAgree: Bool

    public init(_ published: Published, params: Int, macs: Int) {
        self.published = published
        exactParams = NumberFormat.scaled(params, 1_000_000, decimals: NumberFormat.publishedDecimals(published.paramsM))
        exactMacs = NumberFormat.scaled(macs, 1_000_000_000, decimals: NumberFormat.publishedDecimals(published.gmacs))
        paramsAgree = exactParams == NumberFormat.published(published.paramsM)
        macsAgree = exactMacs == NumberFormat.published(published.gmacs)
    }

    /// One line: `published 23.5 M / 2.9 G (source): exact 23.5 M / 2.9 G, agrees within rounding`.
    public var summary: String {
        let verdict: String
        switch (paramsAgree, macsAgree) {
        case (true, true): verdict = "agrees within rounding"
        case (false, true): verdict = "params differ beyond rounding"
        case (true, false): verdict = "MACs differ beyond rounding"
        case (false, false): verdict = "params and MACs differ beyond rounding"
        }
        return "published \(NumberFormat.published(published.paramsM)) M params / \(NumberFormat.published(published.gmacs)) G MACs"
            + " (\(published.source)); exact rounded alike: \(exactParams) M / \(exactMacs) G — \(verdict)"
    }
}
