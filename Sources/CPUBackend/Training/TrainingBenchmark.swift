import ArchGraph
import Dispatch
import Foundation

/// Timing of repeated training steps: forward in training mode, the loss's gradient, the
/// backward, and one optimizer update, as a PyTorch training loop runs them.
public struct TrainingBenchmark: Sendable {
    /// One timed step's parts, in seconds.
    public struct Step: Sendable {
        /// The parts: the forward, the loss and its gradient, the backward, the optimizer's update.
        public let forward: Double, loss: Double, backward: Double, optimizer: Double
        /// The whole step's wall time, from before the forward to after the update: the parts
        /// and what lies between them (setting the step up, collecting its gradients).
        public let total: Double
    }

    /// Each timed step, in run order.
    public let steps: [Step]
    /// Per op name, the median over runs of the time its nodes' forwards and backwards took.
    public let forwardSecondsByOp: [String: Double], backwardSecondsByOp: [String: Double]
    /// Multiply-accumulates of one step as the kernels counted them: forward, backward (input
    /// and weight gradients), and forward work run again in backward (fused attention's q·kᵀ,
    /// checkpointed blocks).
    public let forwardMacs: Int, backwardMacs: Int, recomputeMacs: Int
    /// Bytes of every parameter and buffer tensor.
    public let parameterBytes: Int
    /// Bytes of the distinct storages the step kept from forward to backward.
    public let savedBytes: Int
    /// Bytes of the optimizer's state after the runs.
    public let optimizerStateBytes: Int
    /// The mean cross-entropy of the last step's logits (the loss the benchmark trains on).
    public let lastLoss: Double
    /// Growth of the process's peak resident memory over the runs, when the platform reports it.
    public let peakResidentBytes: Int?

    /// The median of one part (or of the whole step) over the timed steps.
    public func median(_ part: (Step) -> Double = \.total) -> Double {
        let sorted = steps.map(part).sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    public var minimum: Double { steps.map(\.total).min() ?? 0 }
    /// All the step's MACs (forward, backward, recompute).
    public var macs: Int { forwardMacs + backwardMacs + recomputeMacs }
    /// Achieved GFLOP/s of the whole step at its median time, counting 2 FLOPs per MAC.
    public var gflops: Double { Double(2 * macs) / median() / 1e9 }

    /// Runs one untimed warm-up step and `runs` timed steps of the graph on `input`, training
    /// on the mean cross-entropy against `labels` (one class index per image).
    /// - Parameters:
    ///   - makeWeights: builds the weights; called after the memory baseline is read.
    ///   - optimizer: updates the weights after each backward, its state made at the first step.
    public static func measure(
        graph: Graph, input: Tensor, labels: [Int], runs: Int, threads: Int, attention: AttentionImplementation,
        checkpoint: CheckpointMode, optimizer: any Optimizer, makeWeights: () throws(BackendError) -> Weights
    ) throws(BackendError) -> TrainingBenchmark {
        let baseline = ResidentMemory.current()
        let weights = try makeWeights()
        // The weights stay plain, as PyTorch holds them: the optimizer updates them in place and
        // each linear layer packs its weight as it runs (packed once, every update would unpack
        // and pack it again, and the backward would unpack it).
        let interpreter = Interpreter(graph: graph, weights: weights)
        var optimizer = optimizer
        var steps: [Step] = []
        var forwardByOp: [String: [Double]] = [:], backwardByOp: [String: [Double]] = [:]
        // Only the counts of the last step are kept: holding its execution (the gradients)
        // into the next step would hold two sets of gradients at once.
        var last: (forwardMacs: Int, backwardMacs: Int, recomputeMacs: Int, savedBytes: Int, loss: Double)?
        for run in 0...runs {
            let start = DispatchTime.now().uptimeNanoseconds
            // The forward and backward times come from the step itself; the loss between them.
            var loss = 0.0
            var lossSeconds = 0.0
            let step = try interpreter.trainingStep(
                input, threads: threads, attention: attention, checkpoint: checkpoint
            ) { (logits: Tensor) throws(BackendError) -> Tensor in
                let lossStart = DispatchTime.now().uptimeNanoseconds
                let (value, gradient) = try CrossEntropy.meanLoss(logits, labels: labels)
                loss = value
                lossSeconds = Double(DispatchTime.now().uptimeNanoseconds - lossStart) / 1e9
                return gradient
            }
            let optimizerStart = DispatchTime.now().uptimeNanoseconds
            optimizer.step(weights, gradients: step.parameterGradients)
            let end = DispatchTime.now().uptimeNanoseconds
            if run > 0 {
                var forward: [String: Double] = [:], backward: [String: Double] = [:]
                for (i, node) in graph.nodes.enumerated() {
                    forward[node.op.name, default: 0] += step.nodeForwardSeconds[i]
                    backward[node.op.name, default: 0] += step.nodeBackwardSeconds[i]
                }
                for (op, seconds) in forward { forwardByOp[op, default: []].append(seconds) }
                for (op, seconds) in backward { backwardByOp[op, default: []].append(seconds) }
                steps.append(
                    Step(
                        forward: step.forwardSeconds, loss: lossSeconds, backward: step.backwardSeconds,
                        optimizer: Double(end - optimizerStart) / 1e9, total: Double(end - start) / 1e9))
            }
            last = (step.nodes.reduce(0) { $0 + $1.forward.macs }, step.backward.macs, step.recomputeMacs, step.savedBytes, loss)
        }
        let peak = ResidentMemory.peak()
        guard let last else { throw BackendError(path: "bench", message: "no training step ran") }
        return TrainingBenchmark(
            steps: steps, forwardSecondsByOp: forwardByOp.mapValues { $0.sorted()[$0.count / 2] },
            backwardSecondsByOp: backwardByOp.mapValues { $0.sorted()[$0.count / 2] },
            forwardMacs: last.forwardMacs, backwardMacs: last.backwardMacs, recomputeMacs: last.recomputeMacs,
            parameterBytes: 4 * weights.elements, savedBytes: last.savedBytes,
            optimizerStateBytes: optimizer.stateBytes, lastLoss: last.loss,
            peakResidentBytes: baseline.flatMap { start in peak.map { max(0, $0 - start) } })
    }
}

/// PyTorch's `F.cross_entropy` with its default mean reduction, and its gradient.
public enum CrossEntropy {
    /// The mean over the batch of `−log softmax(logits)[label]`, and its gradient with respect
    /// to the logits, `(softmax(logits) − onehot(label)) / B`.
    /// - Parameters:
    ///   - logits: `(B, classes)`.
    ///   - labels: `B` class indices in `0..<classes`.
    public static func meanLoss(_ logits: Tensor, labels: [Int]) throws(BackendError) -> (loss: Double, gradient: Tensor) {
        guard logits.shape.count == 2, logits.shape[0] == labels.count else {
            throw BackendError(
                path: "loss", message: "cross-entropy needs (B, classes) logits and B labels, got \(logits.shape) and \(labels.count)")
        }
        let (batch, classes) = (logits.shape[0], logits.shape[1])
        guard labels.allSatisfy({ (0..<classes).contains($0) }) else {
            throw BackendError(path: "loss", message: "a label is outside 0..<\(classes)")
        }
        let gradient = Tensor(zeros: logits.shape)
        var total = 0.0
        for b in 0..<batch {
            let row = b * classes
            var largest = -Float.infinity
            for c in 0..<classes { largest = max(largest, logits.data[row + c]) }
            var sum = 0.0
            for c in 0..<classes { sum += exp(Double(logits.data[row + c] - largest)) }
            total += log(sum) + Double(largest) - Double(logits.data[row + labels[b]])
            for c in 0..<classes {
                let p = exp(Double(logits.data[row + c] - largest)) / sum
                gradient.data[row + c] = Float((p - (c == labels[b] ? 1 : 0)) / Double(batch))
            }
        }
        return (total / Double(batch), gradient)
    }
}
