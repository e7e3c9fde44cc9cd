import ArchGraph
import SizeAlgebra
import Testing

@testable import CPUBackend

/// Whole-graph gradients against central differences of the loss, and autograd's rules on
/// what requires a gradient.
@Suite struct TrainingRulesTests {
    /// `Σ r∘y` over the graph's output and every dead end, after a training-mode forward.
    static func loss(_ interpreter: Interpreter, _ image: Tensor, _ roots: [Int: Tensor]) throws -> Double {
        var step = try TrainingStep(
            interpreter, image: image, kernels: NaiveKernels(), threads: 1, attention: .eager, checkpoint: .none)
        _ = try step.forward()
        return try roots.reduce(0) { sum, root in sum + GradientCheck.loss(try step.value(root.key, in: step.values), root.value) }
    }

    /// For each trainable parameter tensor, the derivative of the loss along a seeded direction
    /// by central differences equals the gradient's dot product with that direction.
    @Test(arguments: [(KernelChoice.naive, AttentionImplementation.eager), (.optimized, .fused)])
    func gradientsMatchCentralDifferences(_ kernels: KernelChoice, _ attention: AttentionImplementation) throws {
        for graph in [try TrainingStepTests.attentionGraph(), try EveryOpTests.graph()] {
            let weights = try Weights.random(for: graph, seed: 7)
            let interpreter = Interpreter(graph: graph, weights: weights)
            let shapes = try graph.nodes.map { try Weights.concrete($0.shape, $0) }
            let image = Tensor.random(shapes[0], seed: 8)
            var roots = [graph.nodes.count - 1: Tensor.random(shapes[shapes.count - 1], seed: 9)]
            for root in TrainingStepTests.deadEnds(graph) {
                // The maximum over tokens of per-head norms of width 3 has near ties (2e-5 apart
                // here) that no float32 step can difference across: it gets a zero gradient
                // here, and its kernel is checked on distinct values in `BackwardKernelTests`.
                let tied = graph.nodes[root].op.kind == .maxTokens
                roots[root] = tied ? Tensor(zeros: shapes[root]) : Tensor.random(shapes[root], seed: UInt64(100 + root))
            }
            let last = graph.nodes.count - 1
            let run = try interpreter.trainingStep(
                image, outputGradient: try #require(roots[last]), kernels: kernels, threads: 2, attention: attention,
                additionalGradients: roots.filter { $0.key != last })
            var checked = 0
            for node in graph.nodes {
                for (position, tensor) in node.parameters.enumerated() where tensor.role == .trainable {
                    let parameter = weights.parameter(node.index, position)
                    let direction = Tensor.random(parameter.shape, seed: UInt64(1000 + 10 * node.index + position))
                    let gradient = try #require(run.parameterGradients[node.index]?[position], "\(node.path) \(tensor.name)")
                    var predicted: Double = 0
                    for i in 0..<parameter.count { predicted += Double(gradient.data[i]) * Double(direction.data[i]) }
                    let h: Float = 1e-3
                    func shifted(_ sign: Float) throws -> Double {
                        for i in 0..<parameter.count { parameter.data[i] += sign * h * direction.data[i] }
                        defer { for i in 0..<parameter.count { parameter.data[i] -= sign * h * direction.data[i] } }
                        return try Self.loss(interpreter, image, roots)
                    }
                    let numeric = (try shifted(1) - (try shifted(-1))) / Double(2 * h)
                    #expect(abs(numeric - predicted) <= 1e-2 * max(abs(numeric), 1), "\(node.path) \(tensor.name)")
                    checked += 1
                }
            }
            #expect(checked == graph.nodes.reduce(0) { $0 + $1.parameters.filter { $0.role == .trainable }.count })
        }
    }

    /// T2T's first layer: the unfolded image needs no gradient, so the norm on it computes only
    /// its scale's and shift's; the Performer's projection and a frozen position table get none.
    @Test(arguments: KernelChoice.allCases)
    func frozenAndImageRules(_ kernels: KernelChoice) throws {
        let b = GraphBuilder(Binding(batch: 1, height: 8, width: 8))
        try b.stage(StageInfo(name: "t2t", kind: .tokensToToken), module: nil) {
            let image = try b.add(.input(channels: 3), name: "image")  // 0
            let patches = try b.add(.unfold(Window(kernel: 3, stride: 2, padding: 1)), [image], name: "unfold")  // 1: (1, 16, 27)
            let norm = try b.add(.layerNorm(channels: 27, eps: 1e-5), [patches], name: "norm")  // 2
            let kqv = try b.add(.linear(Linear(27, 12, bias: true)), [norm], name: "kqv")  // 3: (1, 16, 12)
            let mixed = try b.add(.performerAttention(features: 3), [kqv], name: "performer")  // 4: (1, 16, 4)
            let placed = try b.add(.positionEmbedding(shape: [16, 4], role: .frozen), [mixed], name: "pos")  // 5
            let pooled = try b.add(.meanTokens, [placed], name: "pool")  // 6: (1, 4)
            try b.add(.linear(Linear(4, 2, bias: false)), [pooled], name: "head")  // 7
        }
        let graph = b.finish(inputChannels: 3)
        let run = try TrainingStepTests.step(graph, kernels: kernels, attention: .fused)
        #expect(run.nodes.map(\.requiresGradient) == [false, false, true, true, true, true, true, true])
        #expect(run.nodes[1].backward == BackwardCounters())
        #expect(run.nodes[2].backward == BackwardCounters(elementwise: 16 * 27))  // scale and shift only
        #expect(
            run.nodes[3].backward
                == BackwardCounters(inputGradientMacs: 16 * 27 * 12, weightGradientMacs: 16 * 27 * 12, elementwise: 16 * 12))
        #expect(run.nodes[4].backward == BackwardCounters(inputGradientMacs: 16 * 3 * (6 * 4 + 2), elementwise: 16 * (3 * 4 + 2 * 3)))
        #expect(run.nodes[5].backward == BackwardCounters())  // a frozen table: the gradient passes through
        #expect(run.parameterGradients.keys.sorted() == [2, 3, 7])
        // The norm keeps the unfolded patches (not the image), the Performer its nine tensors.
        #expect(run.nodes[2].kept.map(\.name) == ["input", "mean", "rstd"])
        #expect(run.nodes[2].kept[0].storage == .output(node: 1))
        #expect(
            run.nodes[4].kept.map { "\($0.name) \($0.bytes)" } == [
                "kqv 768", "exp_k 192", "exp_q 192", "kp 192", "qp 192", "kp_sum 12", "kptv 48", "numerator 256",
                "denominator 256",
            ])
    }

    /// A conv on the image keeps nothing of it: the image is never counted.
    @Test func imageIsNotKept() throws {
        let run = try TrainingStepTests.step(TrainingStepTests.attentionGraph(), kernels: .optimized, attention: .eager)
        #expect(run.nodes[1].kept == [])
        #expect(run.nodes[1].backward.inputGradientMacs == 0)
    }

    /// A node that no gradient reaches runs no backward, and its parameters get none, as with
    /// autograd: here only the graph's output is given a gradient.
    @Test func unreachedNodesRunNoBackward() throws {
        let graph = try EveryOpTests.graph()
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 7))
        let run = try interpreter.trainingStep(
            Tensor.random([2, 3, 8, 8], seed: 8), outputGradient: Tensor.random([2, 4, 24], seed: 9), attention: .eager)
        let index = try #require(graph.nodes.firstIndex { $0.path == "all/layer_scale" })
        #expect(run.nodes[index].requiresGradient)
        #expect(run.nodes[index].backward == BackwardCounters())
        #expect(run.parameterGradients[index] == nil)
        #expect(run.nodes[index].kept.map(\.name) == ["input"])  // kept in the forward all the same
    }

    @Test func badGradientsAreErrors() throws {
        let graph = try TrainingStepTests.attentionGraph()
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 7))
        let image = Tensor.random([2, 3, 6, 6], seed: 8)
        #expect(throws: BackendError(path: "all/head", message: "output gradient has shape [2, 4], the node's output [2, 3]")) {
            try interpreter.trainingStep(image, outputGradient: Tensor(zeros: [2, 4]))
        }
        #expect(throws: BackendError(path: "gradients", message: "node 15 is not in the graph (15 nodes)")) {
            try interpreter.trainingStep(image, outputGradient: Tensor(zeros: [2, 3]), additionalGradients: [15: Tensor(zeros: [1])])
        }
    }

    /// A training step leaves the weights and the inference path as they were.
    @Test func inferenceUnchanged() throws {
        let graph = try EveryOpTests.graph()
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 7))
        let image = Tensor.random([2, 3, 8, 8], seed: 8)
        let before = try interpreter.run(image, threads: 2)
        _ = try TrainingStepTests.step(graph, kernels: .optimized, attention: .fused)
        _ = try interpreter.trainingStep(image, outputGradient: Tensor.random([2, 4, 24], seed: 9), threads: 2)
        let after = try interpreter.run(image, threads: 2)
        #expect(after.output.values == before.output.values)
        #expect(Verification(graph: graph, execution: after).mismatches == [])
    }
}
