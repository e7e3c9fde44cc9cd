import ArchGraph
import Architectures
import Testing

@testable import CPUBackend

/// The optimised kernels count the work they did from the tiles and loops they ran: a kernel
/// made to skip its first tile (or block, or plane) or to run it twice reports a different
/// count, and `Verification` names the node and nothing else. Had a kernel added a formula of
/// the shapes to its counters, the broken runs would still match.
@Suite struct KernelFaultTests {
    static let vit = ModelSpec(
        name: "tiny_vit", reference: "", imageSize: ImageSize(32), numClasses: 5,
        config: .vit(ViTConfig(patchSize: 4, embedDim: 48, depth: 1, numHeads: 2, mlpRatio: 2)))
    static let pit = ModelSpec(
        name: "tiny_pit", reference: "", imageSize: ImageSize(32), numClasses: 5,
        config: .pit(
            PiTConfig(
                patchSize: 4, stride: 2, baseDims: [8, 8], depth: [1, 1], heads: [1, 2],
                mlpRatio: 2, distilled: false)))
    static let t2t = ModelSpec(
        name: "tiny_t2t", reference: "", imageSize: ImageSize(32), numClasses: 5,
        config: .t2tViT(
            T2TViTConfig(
                tokensType: .performer, embedDim: 16, depth: 1, numHeads: 2,
                mlpRatio: 2, tokenDim: 16, kernelRatio: 0.5)))

    /// What verification finds when `fault` is injected into node `node`'s optimised kernel.
    static func broken(_ spec: ModelSpec, node: Int, _ fault: KernelFault) throws -> [Mismatch] {
        let graph = try spec.graph(batch: 2)
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 3))
        let input = Tensor.random([2, 3, 32, 32], seed: 4)
        let execution = try interpreter.run(input, kernels: .optimized, threads: 2, fault: (node, fault))
        return Verification(graph: graph, execution: execution).mismatches
    }

    /// Skipping and repeating the first piece of `path`'s work each give one `macs` mismatch at
    /// that node, off by the same nonzero amount in opposite directions.
    static func expectCaught(
        _ spec: ModelSpec, where matches: (Node) -> Bool, what: String = "macs",
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let graph = try spec.graph(batch: 2)
        let found = graph.nodes.first(where: matches)
        let node = try #require(found, sourceLocation: sourceLocation)
        let skipped = try broken(spec, node: node.index, .skip), twice = try broken(spec, node: node.index, .twice)
        #expect(skipped.map(\.path) == [node.path], sourceLocation: sourceLocation)
        #expect(twice.map(\.path) == [node.path], sourceLocation: sourceLocation)
        #expect(skipped.map(\.what) == [what] && twice.map(\.what) == [what], sourceLocation: sourceLocation)
        guard let s = skipped.first, let t = twice.first, let analytic = Int(s.analytic),
            let low = Int(s.executed), let high = Int(t.executed)
        else { return }
        #expect(t.analytic == s.analytic, sourceLocation: sourceLocation)
        #expect(low < analytic && analytic < high, sourceLocation: sourceLocation)
        #expect(analytic - low == high - analytic, "the piece skipped is the piece repeated", sourceLocation: sourceLocation)
    }

    @Test func gemmLinear() throws {
        try Self.expectCaught(Self.vit) { $0.path == "stage1/block0/attn/qkv" }
        try Self.expectCaught(Self.vit) { $0.path == "stage1/block0/mlp/fc2" }
    }

    @Test func convolutions() throws {
        // The patch embedding runs im2col and the GEMM; PiT's pooling conv is depthwise.
        try Self.expectCaught(Self.vit) { $0.path == "embed/patch_embed/proj" }
        try Self.expectCaught(Self.pit) { $0.path == "pool1/conv" }
    }

    @Test func attentionProducts() throws {
        try Self.expectCaught(Self.vit) { $0.path == "stage1/block0/attn/scores" }
        try Self.expectCaught(Self.vit) { $0.path == "stage1/block0/attn/context" }
        try Self.expectCaught(Self.t2t) { $0.op.name == "performer_attention" }
    }

    /// The work of a node run in its linear layer's GEMM store (GELU, the residual sums) is
    /// counted by the loops of that epilogue: skipping or repeating its first piece is named at
    /// that node, not at the linear layer.
    @Test func epiloguesInTheStore() throws {
        try Self.expectCaught(Self.vit, where: { $0.path == "stage1/block0/mlp/act" }, what: "elementwise")
        try Self.expectCaught(Self.vit, where: { $0.path == "stage1/block0/residual1" }, what: "elementwise")
        try Self.expectCaught(Self.vit, where: { $0.path == "stage1/block0/residual2" }, what: "elementwise")
    }

    /// Which nodes run in a linear layer's store: in a ViT block GELU in fc1's and the two
    /// residual sums in the projection's and fc2's; not the qkv projection (three slices read
    /// it) nor the head (the graph's output).
    @Test func nodesInTheStore() throws {
        let graph = try Self.vit.graph(batch: 2)
        let pairs = Interpreter.epiloguesInStore(graph).map { (graph.nodes[$0.key].path, graph.nodes[$0.value].path) }
        #expect(
            pairs.sorted { $0.0 < $1.0 }.map { "\($0.0) → \($0.1)" } == [
                "stage1/block0/attn/proj → stage1/block0/residual1",
                "stage1/block0/mlp/fc1 → stage1/block0/mlp/act",
                "stage1/block0/mlp/fc2 → stage1/block0/residual2",
            ])
    }

    /// What `bench --profile` times each node under: one block of the tiny ViT has its scores
    /// and softmax inside `fused_attention`, its q, k and v slices read in place by it, its GELU
    /// inside `linear+gelu` and its two residual sums inside `linear+add`, so eight of its nodes
    /// have no line of their own; every other node keeps its op's name.
    @Test func profileNamesFollowTheFusions() throws {
        let graph = try Self.vit.graph(batch: 2)
        let names = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 3)).profileNames()
        #expect(names.count == graph.nodes.count)
        #expect(names.filter { $0 == nil }.count == 8)
        #expect(names.filter { $0 == "fused_attention" }.count == 1 && names.filter { $0 == "linear+gelu" }.count == 1)
        #expect(names.filter { $0 == "linear+add" }.count == 2)
        for absent in ["attention_scores", "softmax", "attention_context", "gelu", "slice", "add"] { #expect(!names.contains(absent)) }
        for (node, name) in zip(graph.nodes, names) where name != nil && !["fused_attention", "linear+gelu", "linear+add"].contains(name) {
            #expect(name == node.op.name)
        }
    }

    /// The slices fused attention reads in place, by path: the ViT block's q, k and v; of
    /// T2T-ViT's token transformers only q and k, since their residual also adds v.
    @Test func slicesReadInPlace() throws {
        let t2t = ModelSpec(
            name: "tiny_t2t_transformer", reference: "", imageSize: ImageSize(32), numClasses: 5,
            config: .t2tViT(
                T2TViTConfig(tokensType: .transformer, embedDim: 16, depth: 1, numHeads: 2, mlpRatio: 2, tokenDim: 16)))
        let block = ["stage1/block0/attn/q", "stage1/block0/attn/k", "stage1/block0/attn/v"]
        let tokens = ["t2t1/attention1/attn/q", "t2t1/attention1/attn/k", "t2t2/attention2/attn/q", "t2t2/attention2/attn/k"]
        for (spec, expected) in [(Self.vit, block), (t2t, tokens + block)] {
            let graph = try spec.graph(batch: 2)
            let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 3))
            let slices = interpreter.slicesInPlace
            #expect(slices.keys.sorted().map { graph.nodes[$0].path } == expected)
            for (slice, source) in slices { #expect(graph.nodes[source].path == graph.nodes[slice].path.dropLast() + "qkv") }
            // The views stand for the slices node by node, and the memory estimate counts them as the run does.
            let execution = try interpreter.run(Tensor.random([2, 3, 32, 32], seed: 4), threads: 2)
            #expect(Verification(graph: graph, execution: execution).mismatches == [], "\(spec.name)")
            #expect(try MemoryEstimate(graph: graph).peakActivationBytes == 4 * execution.peakActivationElements)
        }
    }

    /// Without a fault the same runs match, so the mismatches above come from the fault alone.
    @Test func noFaultNoMismatch() throws {
        for spec in [Self.vit, Self.pit, Self.t2t] {
            let graph = try spec.graph(batch: 2)
            let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 3))
            let execution = try interpreter.run(Tensor.random([2, 3, 32, 32], seed: 4), threads: 2)
            #expect(Verification(graph: graph, execution: execution).mismatches == [], "\(spec.name)")
        }
    }
}
