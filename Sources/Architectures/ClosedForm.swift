import ArchGraph
import SizeAlgebra

/// A model's params and MACs as closed forms in B, H, W, checked against concrete builds.
public struct ClosedForm: Sendable {
    public let spec: ModelSpec
    /// Exact for every size: floors included.
    public let params: Expr, trainableParams: Expr, macs: Expr
    /// The attention products (q·kᵀ, attn·v, Performer feature maps) and everything else.
    public let attentionMacs: Expr, otherMacs: Expr
    /// The residue classes of H and W containing the spec's image size, on which every floor is
    /// linear; `nil` when a floor is not of the form `⌊(a·V + b)/c⌋`. Empty when there are no floors.
    public let lattice: [LatticeCondition]?
    /// The forms above on `lattice`, polynomials without floors.
    public let latticeParams: LatticeForm?, latticeTrainableParams: LatticeForm?
    public let latticeAttentionMacs: LatticeForm?, latticeOtherMacs: LatticeForm?
    /// Sizes at which each form was compared with a concrete build.
    public let exactChecks: [Binding], latticeChecks: [Binding]
    /// Sizes where a form and the concrete build disagree (empty unless there is a bug).
    public let mismatches: [String]
    /// The conditions on H and W under which the graph has the structure these forms describe
    /// (Swin's windows and shifts are chosen for the grids of the spec's own size), as
    /// `⌊H/32⌋ = 7 (stage4 grid height …)`; empty for models whose structure never depends on size.
    public let conditions: [String]

    /// Derives the closed forms of `spec` and checks them at a few sizes near its own.
    public init(_ spec: ModelSpec) throws {
        self.spec = spec
        let graph = try spec.symbolicGraph()
        var conditions: [String] = []
        for c in graph.constraints {
            let text = "\(c.lhs) \(c.relation == .equal ? "=" : "≥") \(c.rhs) (\(c.what))"
            if !conditions.contains(text) { conditions.append(text) }
        }
        self.conditions = conditions
        var attention = Expr.zero, other = Expr.zero
        for node in graph.nodes {
            attention += node.cost.attentionMacs
            other += node.cost.macs - node.cost.attentionMacs
        }
        let total = graph.totalCost
        let (params, macs) = (total.params, total.macs)
        (self.params, trainableParams, self.macs, attentionMacs, otherMacs) = (params, total.trainableParams, macs, attention, other)
        let own = Binding(batch: 1, height: spec.imageSize.height, width: spec.imageSize.width)
        let lattice = Expr.lattice(of: [params, total.trainableParams, macs], containing: own)
        let latticeParams = lattice.map(params.latticeForm)
        let latticeAttention = lattice.map(attention.latticeForm), latticeOther = lattice.map(other.latticeForm)
        self.lattice = lattice
        self.latticeParams = latticeParams
        latticeTrainableParams = lattice.map(total.trainableParams.latticeForm)
        (latticeAttentionMacs, latticeOtherMacs) = (latticeAttention, latticeOther)

        var mismatches: [String] = []
        func concrete(_ b: Binding) -> CostValues? {
            try? spec.analyze(Overrides(imageSize: ImageSize(height: b.height, width: b.width), batch: b.batch)).summary.totals
        }
        let exactSizes = [own, Binding(batch: 2, height: 160, width: 160), Binding(batch: 3, height: 192, width: 256)]
        let exactChecks = exactSizes.filter { b in
            guard let c = concrete(b) else { return false }
            if (try? params.evaluate(b)) != c.params || (try? macs.evaluate(b)) != c.macs {
                mismatches.append("exact form at batch \(b.batch), \(b.height)×\(b.width)")
            }
            return true
        }
        var latticeSizes: [Binding] = []
        if let lattice, let p = latticeParams, let a = latticeAttention, let o = latticeOther {
            let step = { (v: Variable) in lattice.first { $0.variable == v }?.modulus ?? 16 }
            latticeSizes = [
                own, Binding(batch: 1, height: own.height + step(.H), width: own.width + step(.W)),
                Binding(batch: 2, height: own.height, width: own.width + 2 * step(.W)),
            ].filter { b in
                guard let c = concrete(b) else { return false }
                let m = (a.evaluate(b) ?? 0).addingReportingOverflow(o.evaluate(b) ?? 0)
                if p.evaluate(b) != c.params || m.overflow || m.partialValue != c.macs {
                    mismatches.append("lattice form at batch \(b.batch), \(b.height)×\(b.width)")
                }
                return true
            }
        }
        (self.exactChecks, latticeChecks, self.mismatches) = (exactChecks, latticeSizes, mismatches)
    }
}
