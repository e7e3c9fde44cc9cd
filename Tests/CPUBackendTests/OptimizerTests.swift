import ArchGraph
import Foundation
import Testing

@testable import CPUBackend

/// The optimizers against two steps computed by hand, in place on plain and packed weights.
@Suite struct OptimizerTests {
    /// One node holding the parameter `[1, −2]`; two gradients, `[0.5, −1]` then `[−0.25, 0.5]`.
    static func twoSteps(_ optimizer: some Optimizer) -> (first: [Float], second: [Float], state: Int) {
        var optimizer = optimizer
        let weights = Weights(parameters: [[Tensor(shape: [2], values: [1, -2])]], buffers: [[]])
        optimizer.step(weights, gradients: [0: [Tensor(shape: [2], values: [0.5, -1])]])
        let first = weights.parameter(0, 0).values
        optimizer.step(weights, gradients: [0: [Tensor(shape: [2], values: [-0.25, 0.5])]])
        return (first, weights.parameter(0, 0).values, optimizer.stateBytes)
    }

    static func expectClose(_ a: [Float], _ b: [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(a) vs \(b)", sourceLocation: sourceLocation)
    }

    /// lr 0.1, betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
    /// Step 1: `p·0.999 = [0.999, −1.998]`; `m = [0.05, −0.1]`, `v = [0.00025, 0.001]`; the
    /// step size `0.1 / 0.1 = 1` and the denominator `√v / √0.001 = [0.5, 1]`, so
    /// `p = [0.999 − 0.1, −1.998 + 0.1] = [0.899, −1.898]`.
    /// Step 2: `p·0.999 = [0.898101, −1.896102]`; `m = [0.02, −0.04]`,
    /// `v = [0.00031225, 0.001249]`; step size `0.1 / 0.19`, denominator `√(v / 0.001999)`
    /// `= [0.3952261, 0.7904522]`: `p = [0.8714673, −1.8694683]`.
    @Test func adamW() {
        let (first, second, state) = Self.twoSteps(AdamW(learningRate: 0.1))
        Self.expectClose(first, [0.899_000_002, -1.898_000_001])
        Self.expectClose(second, [0.871_467_299, -1.869_468_297])
        #expect(state == 16)  // two float32 tensors of 2 elements
    }

    /// A parameter of 40,003 elements (three parts of 16,384 on two threads, the last with a
    /// tail shorter than 16 lanes) gets, element by element, the update the scalar formula gives
    /// in float32, after two steps, on one thread and on two.
    @Test(arguments: [1, 2])
    func adamWLanesAndPartsAreTheFormula(_ threads: Int) {
        let count = 40_003
        let start = (0..<count).map { Float($0 % 97) / 50 - 1 }
        let g1 = (0..<count).map { Float($0 % 89) / 40 - 1.1 }, g2 = (0..<count).map { Float($0 % 83) / 30 - 1.3 }
        let weights = Weights(parameters: [[Tensor(shape: [count], values: start)]], buffers: [[]])
        let adamw = AdamW(learningRate: 0.01)
        adamw.threads = threads
        adamw.step(weights, gradients: [0: [Tensor(shape: [count], values: g1)]])
        adamw.step(weights, gradients: [0: [Tensor(shape: [count], values: g2)]])
        // PyTorch's AdamW in float32, lr 0.01, betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
        var expected = start, m = [Float](repeating: 0, count: count), v = m
        for (t, g) in [(1, g1), (2, g2)] {
            let (b1, b2): (Float, Float) = (0.9, 0.999)
            let c1 = 1 - (t == 1 ? b1 : b1 * b1), c2 = 1 - (t == 1 ? b2 : b2 * b2)
            let stepSize: Float = 0.01 / c1, decay: Float = 1 - 0.01 * 0.01
            for i in 0..<count {
                expected[i] *= decay
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                expected[i] -= stepSize * m[i] / (v[i].squareRoot() / c2.squareRoot() + 1e-8)
            }
        }
        // The same float32 operations in the same order: equal to the bit.
        let got = weights.parameter(0, 0).values
        #expect(got == expected, "largest difference \(zip(got, expected).map { abs($0 - $1) }.max() ?? 0)")
        #expect(adamw.stateBytes == 2 * 4 * count)
    }

    /// lr 0.1: `[1, −2] − 0.1·[0.5, −1] = [0.95, −1.9]`, then `+ 0.1·[0.25, −0.5] = [0.975, −1.95]`.
    @Test func sgd() {
        let (first, second, state) = Self.twoSteps(SGD(learningRate: 0.1))
        Self.expectClose(first, [0.95, -1.9])
        Self.expectClose(second, [0.975, -1.95])
        #expect(state == 0)
    }

    /// Momentum 0.9: the buffer is the first gradient, `[0.5, −1]`, then
    /// `0.9·[0.5, −1] + [−0.25, 0.5] = [0.2, −0.4]`: `[0.95, −1.9]`, then `[0.93, −1.86]`.
    @Test func momentum() {
        let (first, second, state) = Self.twoSteps(SGD(learningRate: 0.1, momentum: 0.9))
        Self.expectClose(first, [0.95, -1.9])
        Self.expectClose(second, [0.93, -1.86])
        #expect(state == 8)  // one float32 tensor of 2 elements
    }

    /// Weight decay in SGD is added to the gradient: `g + 0.5·p` = `[1, −2]`, so `[0.9, −1.8]`.
    @Test func sgdWeightDecay() {
        let (first, _, _) = Self.twoSteps(SGD(learningRate: 0.1, weightDecay: 0.5))
        Self.expectClose(first, [0.9, -1.8])
    }

    /// Linear weights held packed are updated as plain ones are; parameters without a gradient
    /// (the Performer's frozen projection) are untouched.
    @Test func packedAndFrozen() throws {
        let graph = try EveryOpTests.graph()
        let plain = try Weights.random(for: graph, seed: 7), packed = try Weights.random(for: graph, seed: 7)
        Interpreter(graph: graph, weights: packed).prepare()
        let run = try TrainingStepTests.step(graph, kernels: .optimized, attention: .fused)
        let sgd = SGD(learningRate: 0.01), other = SGD(learningRate: 0.01)
        sgd.step(plain, gradients: run.parameterGradients)
        other.step(packed, gradients: run.parameterGradients)
        let original = try Weights.random(for: graph, seed: 7)
        for node in graph.nodes {
            for position in node.parameters.indices {
                #expect(plain.parameter(node.index, position).values == packed.parameter(node.index, position).values, "\(node.path)")
                let before = original.parameter(node.index, position).values, after = plain.parameter(node.index, position).values
                if let gradient = run.parameterGradients[node.index]?[position] {
                    #expect(zip(zip(before, after), gradient.values).allSatisfy { abs($0.0 - 0.01 * $1 - $0.1) <= 1e-6 }, "\(node.path)")
                } else {
                    #expect(before == after, "\(node.path)")
                }
            }
        }
    }

    /// A few steps of SGD on `½|y|²` (whose gradient is y itself) lower it every step.
    @Test func trainingLowersTheLoss() throws {
        let graph = try TrainingStepTests.attentionGraph()
        let weights = try Weights.random(for: graph, seed: 7)
        let interpreter = Interpreter(graph: graph, weights: weights)
        interpreter.prepare()
        let image = Tensor.random([2, 3, 6, 6], seed: 8)
        let optimizer = AdamW(learningRate: 0.01)
        var losses: [Float] = []
        for _ in 0..<4 {
            let output = try interpreter.run(image).output
            losses.append(output.values.reduce(0) { $0 + $1 * $1 / 2 })
            let run = try interpreter.trainingStep(image, outputGradient: output, attention: .fused)
            optimizer.step(weights, gradients: run.parameterGradients)
        }
        #expect(zip(losses, losses.dropFirst()).allSatisfy { $1 < $0 }, "\(losses)")
    }
}

/// The benchmark's loss, `F.cross_entropy` with mean reduction, by hand.
@Suite struct CrossEntropyTests {
    /// Logits `[0, 0]` with label 0 and `[ln 3, 0]` with label 1: softmaxes `[½, ½]` and
    /// `[¾, ¼]`, losses `ln 2` and `ln 4`, mean `1.5·ln 2`; the gradient is
    /// `(softmax − onehot) / 2`: `[−¼, ¼]` and `[⅜, −⅜]`.
    @Test func byHand() throws {
        let logits = Tensor(shape: [2, 2], values: [0, 0, Float(log(3.0)), 0])
        let (loss, gradient) = try CrossEntropy.meanLoss(logits, labels: [0, 1])
        #expect(abs(loss - 1.5 * log(2.0)) < 1e-6)
        #expect(zip(gradient.values, [-0.25, 0.25, 0.375, -0.375]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(gradient.values)")
    }

    @Test func badInputIsAnError() {
        let logits = Tensor(shape: [2, 3], values: [0, 0, 0, 0, 0, 0])
        #expect(throws: BackendError.self) { try CrossEntropy.meanLoss(logits, labels: [0]) }
        #expect(throws: BackendError.self) { try CrossEntropy.meanLoss(logits, labels: [0, 3]) }
    }
}
