import ArchGraph
import SizeAlgebra
import Testing

@testable import CPUBackend

/// Training steps over whole graphs: hand-counted backward work and kept storages, autograd's
/// requires-grad rules, naive against optimised kernels, fused against eager attention, and
/// the gradients against central differences of the loss.
@Suite struct TrainingStepTests {
    /// `2 × 3 × 6 × 6` through a patch conv, one pre-norm attention block (nodes 3–12) and a head.
    static func attentionGraph() throws -> Graph {
        let b = GraphBuilder(Binding(batch: 2, height: 6, width: 6))
        try b.stage(StageInfo(name: "all", kind: .transformer), module: nil) {
            let image = try b.add(.input(channels: 3), name: "image")  // 0
            let conv = try b.add(.conv2d(Conv2d(3, 4, Window(kernel: 3, stride: 3), bias: true)), [image], name: "conv")  // 1: (2, 4, 2, 2)
            let tokens = try b.add(.imageToTokens, [conv], name: "tokens")  // 2: (2, 4, 4)
            let residual = try b.block("block0", module: nil) {
                let norm = try b.add(.layerNorm(channels: 4, eps: 1e-6), [tokens], name: "norm")  // 3
                let qkv = try b.add(.linear(Linear(4, 12, bias: true)), [norm], name: "qkv")  // 4: (2, 4, 12)
                let q = try b.add(.slice(axis: 2, start: 0, length: 4), [qkv], name: "q")  // 5
                let k = try b.add(.slice(axis: 2, start: 4, length: 4), [qkv], name: "k")  // 6
                let v = try b.add(.slice(axis: 2, start: 8, length: 4), [qkv], name: "v")  // 7
                let scores = try b.add(.attentionScores(heads: 2, scale: 0.5), [q, k], name: "scores")  // 8: (2, 2, 4, 4)
                let weights = try b.add(.softmax, [scores], name: "softmax")  // 9
                let context = try b.add(.attentionContext(heads: 2), [weights, v], name: "context")  // 10: (2, 4, 4)
                let proj = try b.add(.linear(Linear(4, 4, bias: true)), [context], name: "proj")  // 11
                return try b.add(.add, [tokens, proj], name: "residual")  // 12
            }
            let pooled = try b.add(.meanTokens, [residual], name: "pool")  // 13: (2, 4)
            try b.add(.linear(Linear(4, 3, bias: true)), [pooled], name: "head")  // 14: (2, 3)
        }
        return b.finish(inputChannels: 3)
    }

    /// Runs a training step of `graph` with seeded weights, image and output gradients (one for
    /// every node nothing reads, so that every node's backward runs).
    static func step(
        _ graph: Graph, kernels: KernelChoice, attention: AttentionImplementation, checkpoint: CheckpointMode = .none,
        prepared: Bool = false
    ) throws -> TrainingExecution {
        let weights = try Weights.random(for: graph, seed: 7)
        let interpreter = Interpreter(graph: graph, weights: weights)
        if prepared { interpreter.prepare() }
        let shapes = try graph.nodes.map { try Weights.concrete($0.shape, $0) }
        let roots = deadEnds(graph)
        let additional = Dictionary(uniqueKeysWithValues: roots.map { ($0, Tensor.random(shapes[$0], seed: UInt64(100 + $0))) })
        return try interpreter.trainingStep(
            Tensor.random(shapes[0], seed: 8), outputGradient: Tensor.random(shapes[shapes.count - 1], seed: 9),
            kernels: kernels, threads: 2, attention: attention, checkpoint: checkpoint, additionalGradients: additional)
    }

    /// The nodes no other node reads, apart from the last.
    static func deadEnds(_ graph: Graph) -> [Int] {
        var read = Set<Int>()
        for node in graph.nodes { read.formUnion(node.inputs) }
        return graph.nodes.indices.filter { !read.contains($0) && $0 != graph.nodes.count - 1 }
    }

    static func kept(_ record: TrainingNodeExecution) -> [String] { record.kept.map { "\($0.name) \($0.bytes)" } }

    /// Hand-counted eager step. Rows of tokens: 2 images × 4 tokens = 8; attention: 2 heads of
    /// width 2, so one product is 2·2·4·4·2 = 128 MACs.
    @Test(arguments: KernelChoice.allCases)
    func eagerCounts(_ kernels: KernelChoice) throws {
        let run = try Self.step(Self.attentionGraph(), kernels: kernels, attention: .eager)
        let backward = run.nodes.map { [$0.backward.inputGradientMacs, $0.backward.weightGradientMacs, $0.backward.elementwise] }
        #expect(
            backward == [
                [0, 0, 0],  // image
                [0, 864, 32],  // conv: the image needs no gradient; weight 2·4·2·2·27, bias 32
                [0, 0, 0],  // tokens
                [0, 0, 64],  // norm: input 32 + scale and shift 32
                [384, 384, 96],  // qkv: 8 rows · 4 · 12 each; bias 8 · 12
                [0, 0, 0], [0, 0, 0], [0, 0, 0],  // q, k, v
                [256, 0, 32],  // scores: dq and dk 128 each; the scale on dq's 32 elements
                [0, 0, 64],  // softmax
                [256, 0, 0],  // context: d attn and dv 128 each
                [128, 128, 32],  // proj
                [0, 0, 0],  // residual
                [0, 0, 32],  // pool: the input's 32 elements
                [24, 24, 6],  // head: 2 rows · 4 · 3
            ])
        #expect(run.nodes.map(\.recomputeMacs) == Array(repeating: 0, count: 15))
        #expect(run.nodes.map(\.requiresGradient) == [false] + Array(repeating: true, count: 14))
        #expect(
            run.nodes.map(Self.kept) == [
                [], [], [], ["input 128", "mean 32", "rstd 32"], ["input 128"], [], [], [],
                ["q 128", "k 128"], ["output 256"], ["attn 256", "v 128"], ["input 128"], [], [], ["input 32"],
            ])
        // The norm keeps the conv's output (its input is a view of it); the context keeps the
        // softmax's output, counted once: 1,120 bytes in all.
        #expect(run.nodes[3].kept[0].storage == .output(node: 1))
        #expect(run.nodes[10].kept[0].storage == run.nodes[9].kept[0].storage)
        #expect(run.savedBytes == 1_120)
        #expect(run.backward == BackwardCounters(inputGradientMacs: 1_048, weightGradientMacs: 1_400, elementwise: 358))
        // The forward counts as inference does.
        let graph = try Self.attentionGraph()
        #expect(run.nodes.map(\.forward.macs) == graph.nodes.map { $0.cost.macs.constant ?? -1 })
    }

    /// Fused: the scores and softmax keep nothing; the context keeps the qkv output (q, k and v
    /// are views of it), its own output and one log-sum-exp per query row; q·kᵀ runs again.
    @Test(arguments: KernelChoice.allCases)
    func fusedCounts(_ kernels: KernelChoice) throws {
        let run = try Self.step(Self.attentionGraph(), kernels: kernels, attention: .fused)
        let attention = run.nodes[8...10].map { [$0.backward.inputGradientMacs, $0.backward.elementwise, $0.recomputeMacs] }
        #expect(attention == [[256, 0, 128], [0, 128, 0], [256, 32, 0]])
        #expect(run.nodes[8...10].map(Self.kept) == [[], [], ["q 384", "output 128", "lse 64"]])
        #expect(run.nodes[10].kept[0].storage == .output(node: 4))
        #expect(run.nodes[11].kept[0].storage == .output(node: 10))
        #expect(run.savedBytes == 928)
        #expect(run.recomputeMacs == 128)
    }

    /// The two attention implementations compute the same gradients.
    @Test(arguments: KernelChoice.allCases)
    func fusedMatchesEager(_ kernels: KernelChoice) throws {
        for graph in [try Self.attentionGraph(), try EveryOpTests.graph()] {
            let fused = try Self.step(graph, kernels: kernels, attention: .fused)
            let eager = try Self.step(graph, kernels: kernels, attention: .eager)
            #expect(Numerics.relativeError(fused.output, eager.output) < 1e-5)
            Self.expectEqual(fused.parameterGradients, eager.parameterGradients, tolerance: 1e-4)
            #expect(fused.backward.macs == eager.backward.macs)
        }
    }

    /// Compares gradients node by node: the largest `|a − b|` over the largest `|b|` of any of
    /// the node's gradients, so that a gradient that is zero but for rounding (a conv's bias
    /// before training-mode batch norm, which removes each channel's mean) is measured against
    /// its node's scale, not its own noise.
    static func expectEqual(
        _ a: [Int: [Tensor?]], _ b: [Int: [Tensor?]], tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.keys.sorted() == b.keys.sorted(), sourceLocation: sourceLocation)
        for (node, gradients) in a {
            let others = b[node] ?? []
            #expect(gradients.count == others.count, sourceLocation: sourceLocation)
            let scale = others.compactMap { $0 }.reduce(Float.leastNormalMagnitude) { largest, tensor in
                tensor.values.reduce(largest) { max($0, abs($1)) }
            }
            for (x, y) in zip(gradients, others) {
                #expect((x == nil) == (y == nil), sourceLocation: sourceLocation)
                guard let x, let y, x.shape == y.shape else { continue }
                let difference = zip(x.values, y.values).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                #expect(difference / scale <= tolerance, "node \(node)", sourceLocation: sourceLocation)
            }
        }
    }

    /// Every op through a full training step: naive and optimised kernels agree on every count,
    /// every kept storage and every gradient, under both attention implementations, and so do
    /// weights held packed (after `prepare()`) and plain.
    @Test(arguments: AttentionImplementation.allCases)
    func everyOpBothKernels(_ attention: AttentionImplementation) throws {
        let graph = try EveryOpTests.graph()
        let naive = try Self.step(graph, kernels: .naive, attention: attention)
        let fast = try Self.step(graph, kernels: .optimized, attention: attention)
        let packed = try Self.step(graph, kernels: .optimized, attention: attention, prepared: true)
        for run in [fast, packed] {
            #expect(run.nodes == naive.nodes)
            #expect(run.savedBytes == naive.savedBytes)
            #expect(Numerics.relativeError(run.output, naive.output) < 1e-5)
            Self.expectEqual(run.parameterGradients, naive.parameterGradients, tolerance: 1e-4)
        }
        // Every node requiring a gradient ran its backward.
        for (node, record) in zip(graph.nodes, naive.nodes) where record.requiresGradient && node.op.kind != .input {
            let moved =
                [OpKind.add, .concat, .slice, .tokensToImage, .imageToTokens, .selectToken, .roll, .windowPartition]
                + [.windowMerge, .patchMerge, .windowMask]
            if !moved.contains(node.op.kind) { #expect(record.backward != BackwardCounters(), "\(node.path)") }
        }
        // Every trainable parameter got a gradient; the Performer's frozen projection none.
        for node in graph.nodes where !node.parameters.isEmpty {
            let gradients = naive.parameterGradients[node.index]
            if case .performerAttention = node.op {
                #expect(gradients == nil)
            } else {
                #expect(gradients?.count == node.parameters.count, "\(node.path)")
                #expect(gradients?.allSatisfy { $0 != nil } == true, "\(node.path)")
            }
        }
    }
}
