import ArchGraph
import SizeAlgebra

/// A training step's backward work and saved activations as closed forms in B, H, W, checked
/// against the training analysis of concrete builds.
public struct TrainingClosedForm: Sendable {
    public let setup: TrainingSetup
    /// Exact for every size where the graph's structure holds: the backward's input-gradient
    /// and weight-gradient MACs, its elementwise work, the forward MACs run again in backward,
    /// and the bytes of the distinct storages kept from forward to backward.
    public let inputGradientMacs: Expr, weightGradientMacs: Expr, backwardElementwise: Expr
    public let recomputeMacs: Expr, savedBytes: Expr
    /// The residue classes of H and W containing the spec's size on which every floor of these
    /// forms is linear; `nil` when one is not of the form `⌊(a·V + b)/c⌋`, empty without floors.
    public let lattice: [LatticeCondition]?
    /// The forms above on `lattice`, without floors (`nil` when `lattice` is).
    public let latticeInputGradientMacs: LatticeForm?, latticeWeightGradientMacs: LatticeForm?
    public let latticeRecomputeMacs: LatticeForm?, latticeSavedBytes: LatticeForm?
    /// Sizes at which the forms were compared with a concrete build's training analysis.
    public let checks: [Binding], latticeChecks: [Binding]
    /// Where a form and a concrete build disagree (empty unless there is a bug).
    public let mismatches: [String]

    /// The forms of `spec`'s training step under `setup`.
    /// - Parameter graph: the spec's graph in B, H and W (``ModelSpec/symbolicGraph()``).
    public init(_ spec: ModelSpec, graph: Graph, setup: TrainingSetup) {
        self.setup = setup
        let training = TrainingAnalysis(graph, setup: setup)
        let backward = training.backward
        inputGradientMacs = backward.inputGradientMacs
        weightGradientMacs = backward.weightGradientMacs
        backwardElementwise = backward.elementwise
        recomputeMacs = training.recomputeMacs
        savedBytes = training.savedBytes
        let forms = [inputGradientMacs, weightGradientMacs, recomputeMacs, savedBytes]
        let own = Binding(batch: 1, height: spec.imageSize.height, width: spec.imageSize.width)
        let lattice = Expr.lattice(of: forms, containing: own)
        self.lattice = lattice
        let latticeForms = forms.map { form in lattice.flatMap { form.latticeForm(on: $0) } }
        (latticeInputGradientMacs, latticeWeightGradientMacs, latticeRecomputeMacs, latticeSavedBytes) =
            (latticeForms[0], latticeForms[1], latticeForms[2], latticeForms[3])

        // The concrete build's training analysis at `b`: its four figures, or nil where the
        // model cannot be built there.
        func concrete(_ b: Binding) -> [Int]? {
            let size = ImageSize(height: b.height, width: b.width)
            guard let analysis = try? spec.analyze(Overrides(imageSize: size, batch: b.batch)) else { return nil }
            let step = TrainingAnalysis(analysis.graph, setup: setup)
            let values = [step.backward.inputGradientMacs, step.backward.weightGradientMacs, step.recomputeMacs, step.savedBytes]
            return values.compactMap(\.constant).count == values.count ? values.compactMap(\.constant) : nil
        }
        var mismatches: [String] = []
        var checks: [Binding] = []
        for b in [own, Binding(batch: 2, height: 160, width: 160), Binding(batch: 3, height: 192, width: 256)] {
            guard let expected = concrete(b) else { continue }
            checks.append(b)
            if forms.map({ try? $0.evaluate(b) }) != expected.map(Optional.some) {
                mismatches.append("training exact form at batch \(b.batch), \(b.height)×\(b.width)")
            }
        }
        var latticeChecks: [Binding] = []
        if let lattice, latticeForms.allSatisfy({ $0 != nil }) {
            let step = { (v: Variable) in lattice.first { $0.variable == v }?.modulus ?? 16 }
            for b in [
                own, Binding(batch: 1, height: own.height + step(.H), width: own.width + step(.W)),
                Binding(batch: 2, height: own.height, width: own.width + 2 * step(.W)),
            ] {
                guard let expected = concrete(b) else { continue }
                latticeChecks.append(b)
                if latticeForms.map({ $0?.evaluate(b) }) != expected.map(Optional.some) {
                    mismatches.append("training lattice form at batch \(b.batch), \(b.height)×\(b.width)")
                }
            }
        }
        (self.checks, self.latticeChecks, self.mismatches) = (checks, latticeChecks, mismatches)
    }
}
