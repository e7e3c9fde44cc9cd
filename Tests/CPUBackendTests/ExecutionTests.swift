import Architectures
import CPUBackend
import SizeAlgebra
import TestSupport
import Testing

@testable import ArchGraph

/// Running a graph must do exactly the work the analytic model counts, node by node, and the
/// optimised kernels must compute what the naive ones do.
@Suite struct ExecutionTests {

    /// 24 random small configs (about five of each family), each at a random size and batch.
    @Test(arguments: 0..<24)
    func randomConfigsExecuteAsCounted(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let spec = RandomSpecs.make(&random)
        // CvT's stages may keep full resolution, so its sizes stay smaller (debug-build SIMD is slow).
        let sides = spec.family == .cvt ? 14...22 : 20...36
        let side = spec.family == .t2tViT ? 16 * random.int(1...2) + 16 : random.int(sides)
        let width = spec.family == .t2tViT ? side : random.int(sides)
        let batch = random.int(1...2)
        let graph = try spec.graph(batch: .init(batch), height: .init(side), width: .init(width))
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: UInt64(seed)))
        let input = Tensor.random([batch, spec.inChannels, side, width], seed: 7)
        let fast = try interpreter.run(input, threads: 2)
        let naive = try interpreter.run(input, kernels: .naive)
        for execution in [fast, naive] {
            let verification = Verification(graph: graph, execution: execution)
            #expect(verification.mismatches == [], "\(spec.family) at \(batch)×\(side)×\(width)")
            #expect(verification.nodes == graph.nodes.count)
        }
        #expect(fast.output.shape == naive.output.shape)
        #expect(Numerics.relativeError(fast.output, naive.output) < 1e-4, "\(spec.family) at \(batch)×\(side)×\(width)")
        // The estimate made before running replays the interpreter's frees to the byte.
        let estimate = try MemoryEstimate(graph: graph).peakActivationBytes
        #expect(estimate == 4 * fast.peakActivationElements && estimate == 4 * naive.peakActivationElements, "\(spec.family)")
    }
}

/// Random tiny Swin models run exactly as counted, shifted windows, shrunk windows and patch
/// merging included, under both kernel sets.
@Suite struct SwinExecutionTests {
    @Test(arguments: 0..<8)
    func randomSwinExecutesAsCounted(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(100 + seed))
        let spec = RandomSpecs.swin(&random)
        let batch = random.int(1...2)
        let graph = try spec.graph(batch: batch)
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: UInt64(seed)))
        let input = Tensor.random([batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width], seed: 7)
        let fast = try interpreter.run(input, threads: 2)
        let naive = try interpreter.run(input, kernels: .naive)
        for execution in [fast, naive] {
            #expect(Verification(graph: graph, execution: execution).mismatches == [], "\(spec.config) at \(spec.imageSize)")
        }
        #expect(Numerics.relativeError(fast.output, naive.output) < 1e-4, "\(spec.config)")
    }
}

/// A graph whose analytic numbers are wrong is caught, naming the node.
@Suite struct BrokenGraphTests {
    @Test func mismatchesNameTheNode() throws {
        let spec = ModelSpec(
            name: "tiny", reference: "", imageSize: ImageSize(16), numClasses: 3,
            config: .vit(ViTConfig(patchSize: 8, embedDim: 8, depth: 1, numHeads: 2, mlpRatio: 2)))
        let graph = try spec.graph(batch: 1)
        let execution = try Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: 1))
            .run(Tensor.random([1, 3, 16, 16], seed: 2))
        var nodes = graph.nodes
        let qkv = try #require(nodes.firstIndex { $0.path == "stage1/block0/attn/qkv" })
        var cost = nodes[qkv].cost
        cost.macs += Expr(1)
        cost.params += Expr(24)
        let node = nodes[qkv]
        nodes[qkv] = Node(
            index: node.index, path: node.path, op: node.op, inputs: node.inputs, shape: [1, 5, 25],
            parameters: node.parameters, cost: cost, stage: node.stage)
        let broken = Graph(
            nodes: nodes, stages: graph.stages, constraints: [], batch: graph.batch, height: graph.height,
            width: graph.width, inputChannels: graph.inputChannels)
        #expect(
            Verification(graph: broken, execution: execution).mismatches == [
                Mismatch(path: "stage1/block0/attn/qkv", what: "shape", analytic: "[1, 5, 25]", executed: "[1, 5, 24]"),
                Mismatch(path: "stage1/block0/attn/qkv", what: "params", analytic: "240", executed: "216"),
                Mismatch(path: "stage1/block0/attn/qkv", what: "macs", analytic: "961", executed: "960"),
            ])
        #expect(Verification(graph: graph, execution: execution).mismatches == [])
    }
}
