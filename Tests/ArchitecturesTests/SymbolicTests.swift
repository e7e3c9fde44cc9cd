import ArchGraph
import CPUBackend
import SizeAlgebra
import TestSupport
import Testing

@testable import Architectures

/// Evaluating the symbolic graph at (B, H, W) must give, node by node, what building the graph
/// at that concrete size gives — and the two must agree on which sizes are valid.
@Suite("Symbolic graphs equal concrete ones")
struct SymbolicTests {
    static let sizes: [(Int, Int, Int)] = [
        (1, 224, 224), (2, 160, 160), (3, 192, 256), (1, 97, 131), (4, 384, 384), (1, 33, 33), (2, 232, 232),
        (1, 15, 15), (5, 240, 200),
    ]

    /// Compares the two graphs at one size; returns whether the size is valid for the model.
    @discardableResult
    static func compare(_ spec: ModelSpec, _ symbolic: Graph, batch: Int, height: Int, width: Int) throws -> Bool {
        let binding = Binding(batch: batch, height: height, width: width)
        var sized = spec
        sized.imageSize = ImageSize(height: height, width: width)
        let concrete: Graph
        do {
            concrete = try sized.graph(batch: batch)
            try concrete.check(at: binding)
        } catch {
            // Invalid concretely: the symbolic graph must reject the size too.
            #expect(throws: SummaryError.self, "\(spec.name) \(height)×\(width)") { try symbolic.check(at: binding) }
            return false
        }
        do {
            try symbolic.check(at: binding)
        } catch {
            // A Swin graph holds only where each stage keeps the windows it was built with; at
            // a size that would change them the symbolic graph says so, naming the windows.
            guard spec.family == .swin, error.path.hasSuffix("/window") else { throw error }
            return false
        }
        #expect(concrete.nodes.count == symbolic.nodes.count)
        for (c, s) in zip(concrete.nodes, symbolic.nodes) {
            #expect(c.path == s.path)
            let shape = try s.shape.map { try $0.evaluate(binding) }
            #expect(c.shape.map(\.constant) == shape.map { Optional($0) }, "\(c.path)")
            #expect(try CostValues(c.cost, binding) == CostValues(s.cost, binding), "\(c.path)")
        }
        #expect(try concrete.summarize(at: binding) == symbolic.summarize(at: binding))
        return true
    }

    @Test(arguments: Zoo.all)
    func presetsAtManySizes(_ spec: ModelSpec) throws {
        let symbolic = try spec.symbolicGraph()
        var valid: [String] = []
        for (b, h, w) in Self.sizes where try Self.compare(spec, symbolic, batch: b, height: h, width: w) {
            valid.append("\(h)x\(w)")
        }
        // Sizes the reference implementations ran at are valid here too. Swin's graph holds
        // only where every stage keeps the windows of its own size: of these sizes, its own.
        guard spec.family != .swin else {
            #expect(valid == ["\(spec.imageSize.height)x\(spec.imageSize.width)"])
            return
        }
        #expect(valid.contains("224x224") && valid.contains("160x160"))
        #expect(valid.contains("192x256") == (spec.family != .t2tViT))
    }

    /// A random tiny Swin's symbolic graph equals its concrete one at its own size and batch 1–3.
    @Test(arguments: 0..<12)
    func randomSwin(_ seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(200 + seed))
        let spec = RandomSpecs.swin(&random)
        let symbolic = try spec.symbolicGraph()
        #expect(try Self.compare(spec, symbolic, batch: random.int(1...3), height: spec.imageSize.height, width: spec.imageSize.width))
    }

    @Test(arguments: 0..<40)
    func randomSmallConfigs(_ seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let spec = RandomSpecs.make(&random)
        let symbolic = try spec.symbolicGraph()
        // Every generated config runs at 64…200 pixels (T2T-ViT: square multiples of 16).
        for _ in 0..<3 {
            let h = spec.family == .t2tViT ? 16 * random.int(4...12) : random.int(64...200)
            let w = spec.family == .t2tViT ? h : random.int(64...200)
            #expect(try Self.compare(spec, symbolic, batch: random.int(1...4), height: h, width: w))
        }
        // Small sizes: both graphs must agree on validity as well as on the numbers.
        let small = random.int(1...24)
        try Self.compare(spec, symbolic, batch: 1, height: small, width: small)
    }

    @Test func stageSumsEqualTotals() throws {
        for spec in Zoo.all {
            let summary = try spec.analyze().summary
            var sum = CostValues()
            for stage in summary.stages {
                sum.params += stage.cost.params
                sum.trainableParams += stage.cost.trainableParams
                sum.macs += stage.cost.macs
                sum.fvcore += stage.cost.fvcore
                sum.activations += stage.cost.activations
            }
            #expect(sum.params == summary.totals.params, "\(spec.name)")
            #expect(sum.trainableParams == summary.totals.trainableParams, "\(spec.name)")
            #expect(sum.macs == summary.totals.macs, "\(spec.name)")
            #expect(sum.fvcore == summary.totals.fvcore, "\(spec.name)")
            #expect(sum.activations == summary.totals.activations, "\(spec.name)")
            #expect(summary.elementwise.values.reduce(0, +) == summary.totals.elementwise, "\(spec.name)")
        }
    }

    @Test func closedFormsPrintOnTheirLattice() throws {
        let vit = try Zoo.preset("vit_small_patch16_224")!.symbolicGraph()
        #expect(vit.stages[1].spatialTokens?.description == "⌊H/16⌋·⌊W/16⌋")
        let pit = try Zoo.preset("pit_s_224")!.symbolicGraph()
        #expect(
            pit.stages.map { $0.grid?.map(\.description) ?? [] } == [
                ["⌊H/8⌋ - 1", "⌊W/8⌋ - 1"], ["⌊H/8⌋ - 1", "⌊W/8⌋ - 1"], ["⌊H/16⌋", "⌊W/16⌋"], ["⌊H/16⌋", "⌊W/16⌋"],
                ["⌊(H + 16)/32⌋", "⌊(W + 16)/32⌋"], ["⌊(H + 16)/32⌋", "⌊(W + 16)/32⌋"], [],
            ])
        // The T2T position embedding assumes img_size // 16 tokens per side; the soft splits
        // give ⌊(H + 13)/16⌋, so the graph records the constraint between them.
        let t2t = try Zoo.preset("t2t_vit_14")!.symbolicGraph()
        #expect(t2t.constraints.map(\.path) == ["t2t1/square_input", "embed/pos_embed"])
        #expect(t2t.constraints.map { "\($0.lhs) = \($0.rhs)" } == ["H = W", "⌊(H + 13)/16⌋·⌊(W + 13)/16⌋ + 1 = ⌊H/16⌋·⌊W/16⌋ + 1"])
    }
}
