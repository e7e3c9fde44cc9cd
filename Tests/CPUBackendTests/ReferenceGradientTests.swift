import ArchGraph
import Architectures
import Testing

@testable import CPUBackend

/// Training steps with the reference implementations' own weights reproduce PyTorch's
/// training-mode logits and the gradient of every trainable parameter (Tests/Fixtures/numeric:
/// `vitscope.train_logits`, `vitscope.loss_weights` R of the loss `Σ logits · R`, and
/// `vitscope.grad.<name>`, all from float64 passes). Tolerances as the fixtures' README states
/// them: logits within 1e-4 of their largest magnitude; each gradient within
/// `1e-4 · max|reference| + 1e-5 · G`, G the file's largest gradient.
@Suite struct ReferenceGradientTests {
    static let fixtures = ReferenceFixtureTests.officialFixtures + ReferenceFixtureTests.vitPytorchFixtures

    @Test(arguments: fixtures)
    func reproducesReferenceGradients(_ name: String) throws {
        let file = try ReferenceFixtureTests.load(name)
        let input = try file.tensor("vitscope.input")
        let spec = try ReferenceFixtureTests.spec(file, input: input)
        let graph = try spec.graph(batch: .init(input.shape[0]), height: .init(input.shape[2]), width: .init(input.shape[3]))
        let interpreter = Interpreter(graph: graph, weights: try Weights.load(file, graph: graph))
        let logits = try file.tensor("vitscope.train_logits"), weights = try file.tensor("vitscope.loss_weights")
        // Every gradient the file holds, by name, against the largest of them.
        var references: [String: Tensor] = [:]
        for entry in file.entries where entry.name.hasPrefix("vitscope.grad.") && !entry.shape.contains(0) {
            references[String(entry.name.dropFirst("vitscope.grad.".count))] = try file.tensor(entry.name)
        }
        let largest = references.values.flatMap(\.values).reduce(Float(0)) { max($0, abs($1)) }
        for (kernels, attention) in [(KernelChoice.optimized, AttentionImplementation.fused), (.naive, .eager)] {
            let run = try interpreter.trainingStep(input, outputGradient: weights, kernels: kernels, threads: 2, attention: attention)
            let error = Numerics.relativeError(run.output, logits)
            #expect(error <= 1e-4, "\(name) \(kernels) \(attention): training logits off by \(error)")
            var compared: Set<String> = []
            for node in graph.nodes {
                for (position, (tensor, reference)) in zip(node.parameters, node.referenceParameters).enumerated() {
                    guard tensor.role == .trainable else {
                        #expect(references[reference.name] == nil, "\(name): frozen \(reference.name) has a reference gradient")
                        continue
                    }
                    guard let expected = references[reference.name] else {
                        Issue.record("\(name): no reference gradient for \(reference.name)")
                        continue
                    }
                    guard let gradient = run.parameterGradients[node.index]?[position] else {
                        Issue.record("\(name): no gradient for \(reference.name) (\(node.path))")
                        continue
                    }
                    // The reference's element order, put in the graph's as the weights were.
                    let ordered = Tensor(zeros: gradient.shape)
                    ordered.data.update(from: expected.data, count: min(expected.count, ordered.count))
                    reference.layout?.toGraphOrder(ordered)
                    let scale = expected.values.reduce(Float(0)) { max($0, abs($1)) }
                    let difference = zip(gradient.values, ordered.values).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                    #expect(
                        expected.count == gradient.count && difference <= 1e-4 * scale + 1e-5 * largest,
                        "\(name) \(kernels) \(attention): \(reference.name) off by \(difference) (scale \(scale), G \(largest))")
                    compared.insert(reference.name)
                }
            }
            #expect(compared == Set(references.keys), "\(name): gradients never compared")
        }
    }
}
