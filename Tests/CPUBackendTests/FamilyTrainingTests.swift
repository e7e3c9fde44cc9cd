import ArchGraph
import Architectures
import TestSupport
import Testing

@testable import CPUBackend

/// Tiny random models of every family through a training step: naive and optimised kernels
/// agree on every count, kept storage and gradient; fused and eager attention on every
/// gradient. Batches of 3: at 2, batch norm over a 1×1 map normalises two samples to ±1 whatever
/// they are, and every gradient above it is rounding noise.
@Suite struct FamilyTrainingTests {
    /// Every family, eager and fused attention, with and without block checkpointing: ResNet
    /// (3), PiT (7: distilled; 13), CvT (9: class token; 31), Swin (12, 32), ViT (18, 29: timm
    /// options), T2T-ViT (26: transformer layers; 34, 38: Performer). Fused for even seeds,
    /// checkpointed for multiples of 3.
    static let seeds: [UInt64] = [3, 7, 9, 12, 13, 18, 26, 29, 31, 32, 34, 38]

    static func spec(_ seed: UInt64) -> ModelSpec {
        var generator = SeededGenerator(seed: seed)
        return seed % 4 == 0 ? RandomSpecs.swin(&generator) : RandomSpecs.make(&generator)
    }

    @Test(arguments: seeds)
    func kernelsAgree(_ seed: UInt64) throws {
        let spec = Self.spec(seed)
        let graph = try spec.graph(batch: 3)
        // The only node no gradient reaches is PiT's and CvT's last feature map, which nothing reads.
        #expect(TrainingStepTests.deadEnds(graph).allSatisfy { graph.nodes[$0].op.kind == .tokensToImage }, "\(spec.config)")
        let attention: AttentionImplementation = seed % 2 == 0 ? .fused : .eager
        let checkpoint: CheckpointMode = seed % 3 == 0 ? .blocks : .none
        let naive = try TrainingStepTests.step(graph, kernels: .naive, attention: attention, checkpoint: checkpoint)
        let fast = try TrainingStepTests.step(graph, kernels: .optimized, attention: attention, checkpoint: checkpoint)
        #expect(fast.nodes == naive.nodes, "\(spec.config)")
        #expect(fast.savedBytes == naive.savedBytes)
        #expect(Numerics.relativeError(fast.output, naive.output) < 1e-4)
        // Every trainable parameter got a gradient.
        let trainable = graph.nodes.filter { $0.parameters.contains { $0.role == .trainable } }.map(\.index)
        #expect(fast.parameterGradients.keys.sorted() == trainable, "\(spec.config)")
        // The forward counts what inference counts.
        #expect(fast.nodes.map(\.forward.macs) == graph.nodes.map { $0.cost.macs.constant ?? -1 })
        // The two sets' backward kernels from one forward (the forwards' roundings can put a
        // ReLU input on either side of zero, which changes the gradient, not the kernels).
        let mixed = try Self.optimizedBackward(graph, attention: attention, checkpoint: checkpoint)
        TrainingStepTests.expectEqual(mixed, naive.parameterGradients, tolerance: 1e-3)
        let other = try TrainingStepTests.step(graph, kernels: .optimized, attention: attention == .fused ? .eager : .fused)
        TrainingStepTests.expectEqual(other.parameterGradients, fast.parameterGradients, tolerance: 1e-3)
    }

    /// The gradients of `TrainingStepTests.step`'s naive step, the backward run by the
    /// optimised kernels from the naive forward.
    static func optimizedBackward(
        _ graph: Graph, attention: AttentionImplementation, checkpoint: CheckpointMode
    ) throws -> [Int: [Tensor?]] {
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 7))
        let shapes = try graph.nodes.map { try Weights.concrete($0.shape, $0) }
        var step = try TrainingStep(
            interpreter, image: Tensor.random(shapes[0], seed: 8), kernels: NaiveKernels(), threads: 2, attention: attention,
            checkpoint: checkpoint)
        _ = try step.forward()
        step.kernels = OptimizedKernels()
        let roots = TrainingStepTests.deadEnds(graph)
        let additional = Dictionary(uniqueKeysWithValues: roots.map { ($0, Tensor.random(shapes[$0], seed: UInt64(100 + $0))) })
        try step.backward(Tensor.random(shapes[shapes.count - 1], seed: 9), additional)
        return step.parameterGradients
    }
}
