import ArchGraph
import Architectures
import Testing

@testable import CPUBackend

/// Activation checkpointing per block: only each block's inputs are kept across the step, each
/// block's forward runs again in backward, and the gradients are the same.
@Suite struct CheckpointTests {
    /// The attention graph's block (nodes 3–12) keeps only its input, the conv's output (the
    /// tokens are a view of it), which the norm and the residual both read: 128 bytes, and the
    /// head's input, 32. Its forward MACs run again, and fused attention's q·kᵀ once more.
    @Test(arguments: KernelChoice.allCases, AttentionImplementation.allCases)
    func handCounted(_ kernels: KernelChoice, _ attention: AttentionImplementation) throws {
        let graph = try TrainingStepTests.attentionGraph()
        let plain = try TrainingStepTests.step(graph, kernels: kernels, attention: attention)
        let run = try TrainingStepTests.step(graph, kernels: kernels, attention: attention, checkpoint: .blocks)
        #expect(run.savedBytes == 160)
        #expect(
            run.nodes.map(TrainingStepTests.kept)[3...12] == [["block input 128"], [], [], [], [], [], [], [], [], ["block input 128"]])
        #expect(run.nodes[3].kept[0].storage == .output(node: 1))
        #expect(run.nodes.map(\.recomputeMacs) == [0, 0, 0, 0, 384, 0, 0, 0, attention == .fused ? 256 : 128, 0, 128, 128, 0, 0, 0])
        #expect(run.nodes.map(\.backward) == plain.nodes.map(\.backward))
        #expect(run.nodes.map(\.forward) == plain.nodes.map(\.forward))
        TrainingStepTests.expectEqual(run.parameterGradients, plain.parameterGradients, tolerance: 1e-5)
    }

    /// A two-block ViT: equal gradients and backward counts, each block's forward MACs run
    /// again, and the distinct storages kept are the blocks' inputs and what the nodes outside
    /// the blocks keep.
    @Test(arguments: AttentionImplementation.allCases)
    func vit(_ attention: AttentionImplementation) throws {
        let spec = ModelSpec(
            name: "tiny_vit", reference: "", imageSize: ImageSize(16), numClasses: 5,
            config: .vit(ViTConfig(patchSize: 4, embedDim: 16, depth: 2, numHeads: 2, mlpRatio: 2)))
        let graph = try spec.graph(batch: 2)
        #expect(graph.blocks.count == 2)
        let plain = try TrainingStepTests.step(graph, kernels: .optimized, attention: attention)
        let run = try TrainingStepTests.step(graph, kernels: .optimized, attention: attention, checkpoint: .blocks)
        TrainingStepTests.expectEqual(run.parameterGradients, plain.parameterGradients, tolerance: 1e-4)
        #expect(run.nodes.map(\.backward) == plain.nodes.map(\.backward))
        var expected: [KeptTensor.Storage: Int] = [:]
        for (node, record) in zip(graph.nodes, plain.nodes) {
            let recompute = plain.nodes[node.index].recomputeMacs + (node.block == nil ? 0 : record.forward.macs)
            #expect(run.nodes[node.index].recomputeMacs == recompute, "\(node.path)")
            if node.block == nil {
                for tensor in record.kept { expected[tensor.storage] = tensor.bytes }
            } else {
                #expect(run.nodes[node.index].kept.allSatisfy { $0.name == "block input" }, "\(node.path)")
            }
        }
        for tensor in run.nodes.flatMap(\.kept) where tensor.name == "block input" { expected[tensor.storage] = tensor.bytes }
        #expect(expected.count == 2 + plain.nodes.enumerated().filter { graph.nodes[$0.offset].block == nil }.flatMap(\.element.kept).count)
        #expect(run.savedBytes == expected.values.reduce(0, +))
        #expect(run.savedBytes < plain.savedBytes)
    }
}
