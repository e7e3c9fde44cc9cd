import ArchGraph
import Architectures
import CPUBackend
import Testing
import TestSupport

/// Running a graph must do exactly the work the analytic model counts, node by node, and the
/// optimised kernels must compute what the naive ones do.
@Suite struct ExecutionTests {
    static func randomInput(_ shape: [Int], seed: UInt64) -> Tensor {
        let tensor = Tensor(zeros: shape)
        var generator = SeededGenerator(seed: seed)
        generator.fill(tensor.data, count: tensor.count, scale: 1)
        return tensor
    }

    @Test(arguments: 0..<30)
    func randomConfigsExecuteAsCounted(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed))
        let spec = RandomSpecs.make(&random)
        let side = spec.family == .t2tViT ? 16 * random.int(2...3) : random.int(24...40)
        let width = spec.family == .t2tViT ? side : random.int(24...40)
        let batch = random.int(1...2)
        let graph = try spec.graph(batch: .init(batch), height: .init(side), width: .init(width))
        let interpreter = Interpreter(graph: graph, weights: try Weights.random(for: graph, seed: UInt64(seed)))
        let input = Self.randomInput([batch, spec.inChannels, side, width], seed: 7)
        let fast = try interpreter.run(input, threads: 2)
        let naive = try interpreter.run(input, kernels: .naive)
        for execution in [fast, naive] {
            let verification = Verification(graph: graph, execution: execution)
            #expect(verification.mismatches == [], "\(spec.family) at \(batch)×\(side)×\(width)")
            #expect(verification.nodes == graph.nodes.count)
        }
        #expect(fast.output.shape == naive.output.shape)
        #expect(Numerics.relativeError(fast.output, naive.output) < 1e-4, "\(spec.family) at \(batch)×\(side)×\(width)")
    }
}
