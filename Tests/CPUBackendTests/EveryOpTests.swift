import ArchGraph
import CPUBackend
import SizeAlgebra
import Testing

/// One graph that uses every op: each must infer its shape, own its parameters, have a cost,
/// and run under both kernel sets with the counts the analysis gives. A new op fails
/// `coversEveryOp` until it is added here, which in turn needs its shape, cost and kernels.
@Suite struct EveryOpTests {
    /// `2 × 3 × 8 × 8` through every op once or more.
    static func graph() throws -> Graph {
        let b = GraphBuilder(Binding(batch: 2, height: 8, width: 8))
        try b.stage(StageInfo(name: "all", kind: .conv), module: nil) {
            let image = try b.add(.input(channels: 3), name: "image")
            let conv = try b.add(.conv2d(Conv2d(3, 6, Window(kernel: 3, stride: 1, padding: 1), bias: true)), [image], name: "conv")
            let bn = try b.add(.batchNorm(channels: 6, eps: 1e-5), [conv], name: "bn")
            let relu = try b.add(.activation(.relu), [bn], name: "relu")
            let pool = try b.add(.maxPool2d(Window(kernel: 3, stride: 2, padding: 1)), [relu], name: "pool")  // (2, 6, 4, 4)
            let gap = try b.add(.globalAveragePool, [pool], name: "gap")
            let grid = try b.add(.imageToTokens, [pool], name: "flatten")  // (2, 16, 6)
            let cls = try b.add(.learnedTokens(count: 1, channels: 6), name: "cls")
            let joined = try b.add(.concat(axis: 1), [cls, grid], name: "concat")  // (2, 17, 6)
            let placed = try b.add(.positionEmbedding(shape: [17, 6], role: .trainable), [joined], name: "pos")
            let norm = try b.add(.layerNorm(channels: 6, eps: 1e-6), [placed], name: "norm")
            let qkv = try b.add(.linear(Linear(6, 18, bias: true)), [norm], name: "qkv")
            let q = try b.add(.slice(axis: 2, start: 0, length: 6), [qkv], name: "q")
            let k = try b.add(.slice(axis: 2, start: 6, length: 6), [qkv], name: "k")
            let v = try b.add(.slice(axis: 2, start: 12, length: 6), [qkv], name: "v")
            let scores = try b.add(.attentionScores(heads: 2, scale: 0.5), [q, k], name: "scores")
            let weights = try b.add(.softmax, [scores], name: "softmax")
            let context = try b.add(.attentionContext(heads: 2), [weights, v], name: "context")
            let residual = try b.add(.add, [placed, context], name: "residual")
            let performer = try b.add(.performerAttention(features: 3), [qkv], name: "performer")
            let mixed = try b.add(.add, [residual, performer], name: "mixed")
            let gelu = try b.add(.activation(.gelu), [mixed], name: "gelu")
            let spatial = try b.add(.slice(axis: 1, start: 1, length: 16), [gelu], name: "grid_tokens")
            let unflattened = try b.add(.tokensToImage(height: 4, width: 4), [spatial], name: "unflatten")
            let patches = try b.add(.unfold(Window(kernel: 2, stride: 2)), [unflattened], name: "unfold")  // (2, 4, 24)
            let mean = try b.add(.meanTokens, [patches], name: "mean")
            try b.add(.activation(.quickGELU), [mean], name: "quick_gelu")
            let token = try b.add(.selectToken(index: 0), [gelu], name: "token")
            try b.add(.average, [token, gap], name: "average")
            // timm ViT options: LayerNorm of each head's queries, LayerScale, the maximum over tokens.
            let headNormed = try b.add(.headLayerNorm(heads: 2, headDim: 3, eps: 1e-6), [q], name: "q_norm")
            let scaled = try b.add(.layerScale(channels: 6), [headNormed], name: "layer_scale")
            try b.add(.maxTokens, [scaled], name: "max")  // (2, 6)
            // Swin's window attention on the 4×4 grid of `spatial`: windows of 2×2, shifted by 1.
            let shifted = try b.add(.roll(height: 4, width: 4, shift: -1), [spatial], name: "shift")
            let windows = try b.add(.windowPartition(height: 4, width: 4, window: 2), [shifted], name: "partition")  // (8, 4, 6)
            let local = try b.add(.attentionScores(heads: 2, scale: 0.5), [windows, windows], name: "window_scores")
            let biased = try b.add(.relativePositionBias(heads: 2, window: 2), [local], name: "bias")
            let masked = try b.add(.windowMask(height: 4, width: 4, window: 2, shift: 1), [biased], name: "mask")
            let probabilities = try b.add(.softmax, [masked], name: "window_softmax")
            let mixedWindows = try b.add(.attentionContext(heads: 2), [probabilities, windows], name: "window_context")
            let merged = try b.add(.windowMerge(height: 4, width: 4, window: 2), [mixedWindows], name: "merge")
            let unshifted = try b.add(.roll(height: 4, width: 4, shift: 1), [merged], name: "unshift")
            try b.add(.patchMerge(height: 4, width: 4), [unshifted], name: "patch_merge")  // (2, 4, 24)
        }
        return b.finish(inputChannels: 3)
    }

    @Test func coversEveryOp() throws {
        #expect(Set(try Self.graph().nodes.map(\.op.kind)) == Set(OpKind.allCases))
    }

    /// Params, MACs and elementwise work of every node, counted by hand from the conventions.
    @Test func costs() throws {
        let rows = try Self.graph().nodes.map { node in
            [node.cost.params, node.cost.macs, node.cost.elementwise].map { $0.constant ?? -1 }
        }
        #expect(
            rows == [
                [0, 0, 0], [168, 20_736, 0], [12, 0, 768], [0, 0, 768], [0, 0, 1_728], [0, 0, 192],  // image … gap
                [0, 0, 0], [6, 0, 0], [0, 0, 0], [102, 0, 204], [12, 0, 204], [126, 3_672, 0],  // flatten … qkv
                [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 3_468, 0], [0, 0, 1_156], [0, 3_468, 0],  // q … context
                [0, 0, 204], [18, 2_550, 816], [0, 0, 204], [0, 0, 204], [0, 0, 0], [0, 0, 0],  // residual … unflatten
                [0, 0, 0], [0, 0, 192], [0, 0, 48], [0, 0, 0], [0, 0, 24],  // unfold … average
                [6, 0, 204], [6, 0, 204], [0, 0, 204],  // q_norm … max
                [0, 0, 0], [0, 0, 0], [0, 768, 0], [18, 0, 256], [0, 0, 256], [0, 0, 256],  // shift … window_softmax
                [0, 768, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],  // window_context … patch_merge
            ])
    }

    /// Both kernel sets run every op with exactly the analytic shapes and counts, and agree.
    @Test func bothKernelsMatchTheAnalysis() throws {
        let graph = try Self.graph()
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 5))
        let input = Tensor.random([2, 3, 8, 8], seed: 6)
        let fast = try interpreter.run(input, threads: 2), naive = try interpreter.run(input, kernels: .naive)
        #expect(Verification(graph: graph, execution: fast).mismatches == [])
        #expect(Verification(graph: graph, execution: naive).mismatches == [])
        #expect(fast.output.shape == [2, 4, 24])
        #expect(Numerics.relativeError(fast.output, naive.output) < 1e-5)
    }
}
