import ArchGraph
import Architectures
import Testing

@testable import CPUBackend

/// `prepare()` holds each linear weight once, packed: the runs, the counts and the weights read
/// back are exactly what they were with the plain weights.
@Suite struct PreparedWeightsTests {
    @Test(arguments: ["vit_tiny_patch16_224", "pit_ti_224"])
    func packingChangesNothingButTheStorage(model: String) throws {
        let spec = try #require(Zoo.preset(model))
        let graph = try spec.graph(batch: 1, height: 64, width: 64)
        let weights = try Weights.random(for: graph, seed: 5)
        let interpreter = Interpreter(graph: graph, weights: weights)
        let input = Tensor.random([1, 3, 64, 64], seed: 6)
        let linear = graph.nodes.filter { if case .linear = $0.op { true } else { false } }.map(\.index)
        let plainValues = linear.map { weights.parameter($0, 0).values }
        let plainElements = graph.nodes.map { weights.parameterElements($0.index) }
        let plainTotal = weights.elements
        let fast = try interpreter.run(input, threads: 2), naive = try interpreter.run(input, kernels: .naive)

        interpreter.prepare()
        for index in linear {
            guard case .packed = weights.linearWeight(index) else { Issue.record("node \(index) is not held packed"); continue }
        }
        let unpacked = linear.map { weights.parameter($0, 0).values }
        #expect(unpacked == plainValues, "the unpacked linear weights differ from the plain ones")
        #expect(graph.nodes.map { weights.parameterElements($0.index) } == plainElements)
        #expect(weights.elements == plainTotal)
        let packedFast = try interpreter.run(input, threads: 2), packedNaive = try interpreter.run(input, kernels: .naive)
        #expect(packedFast.output.values == fast.output.values, "optimised logits changed")
        #expect(packedNaive.output.values == naive.output.values, "naive logits changed")
        #expect(Verification(graph: graph, execution: try interpreter.run(input)).mismatches == [])
        // A second prepare finds everything packed already.
        interpreter.prepare()
        let again = linear.map { weights.parameter($0, 0).values }
        #expect(again == plainValues, "a second prepare changed the weights")
    }
}
