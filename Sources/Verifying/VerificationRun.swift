import ArchGraph
import Architectures
import CPUBackend
import Dispatch

/// One model prepared to run on the CPU backend and be checked against its analytic counts:
/// the verification pipeline that `vitscope verify`, `vitscope report` and the tests share.
///
/// It lives in its own module, `Verifying`, above `Architectures` (the ``Analysis`` whose graph
/// runs) and `CPUBackend` (weights, interpreter, node-by-node comparison) and below `Reports`,
/// which renders the ``VerificationOutcome`` it produces. Neither lower module can hold it (the
/// backend knows graphs, not specs and presets), and the command line only reads options,
/// calls it and prints.
///
/// ```swift
/// let run = try VerificationRun(analysis, weights: file, seed: 0)
/// for note in run.notes { print("note:", note) }
/// let outcome = try run.execute(threads: 2)
/// ```
public struct VerificationRun: Sendable {
    /// The model, at the batch and image size it runs at.
    public let analysis: Analysis
    /// What the run does differently from what was asked, and why: set when the weights file
    /// holds reference logits that cannot be compared (its reference input has another shape).
    public let notes: [String]
    /// The input tensor's shape, `[B, C, H, W]`.
    public let inputShape: [Int]
    let interpreter: Interpreter
    let input: Tensor
    /// The weights file, when its reference input is this run's input.
    let reference: SafetensorsFile?

    /// Loads the weights and picks the input; nothing runs yet.
    /// - Parameters:
    ///   - analysis: the model to run.
    ///   - file: weights under the reference implementation's names; `nil` for random ones. When it
    ///     also holds `vitscope.input` of this run's input shape, that is the input and its
    ///     `vitscope.logits` the expected output.
    ///   - seed: seed of the random weights (`seed`) and of the random input (`seed + 1`).
    /// - Throws: ``WeightsErrors`` listing every tensor the file lacks or holds wrongly, and any
    ///   error reading the file's reference input.
    public init(_ analysis: Analysis, weights file: SafetensorsFile? = nil, seed: UInt64 = 0) throws {
        let graph = analysis.graph
        let spec = analysis.spec
        let shape = [analysis.batch, spec.inChannels, spec.imageSize.height, spec.imageSize.width]
        let weights =
            try file.map { try Weights.load($0, graph: graph) }
            ?? Weights.random(for: graph, seed: seed)
        let reference = file.flatMap { $0.entry("vitscope.input")?.shape == shape ? $0 : nil }
        var notes: [String] = []
        if let file, reference == nil, file.entry("vitscope.logits") != nil {
            let given = file.entry("vitscope.input").map { "is " + $0.shape.map(String.init).joined(separator: "×") } ?? "is missing"
            notes.append(
                "the file's reference input \(given) and this run's is \(shape.map(String.init).joined(separator: "×")), "
                    + "so its logits are not compared; the counts are still checked on a random input")
        }
        self.analysis = analysis
        self.notes = notes
        self.inputShape = shape
        self.reference = reference
        self.input = try reference?.tensor("vitscope.input") ?? Tensor.random(shape, seed: seed &+ 1)
        self.interpreter = Interpreter(graph: graph, weights: weights)
        interpreter.prepare()
    }

    /// Runs the forward pass, then one training step (forward in training mode, backward with a
    /// seeded gradient of the output, one AdamW step), and compares every node's forward counts
    /// and its backward MACs, elementwise work, recomputed MACs and kept bytes with the analysis
    /// of the step: float32, the CPU's rules, the dropouts off (the backend runs none).
    /// - Parameters:
    ///   - threads: worker threads of the kernels.
    ///   - attention: fused or eager softmax attention.
    public func executeTraining(threads: Int, attention: AttentionImplementation) throws -> VerificationOutcome {
        let forward = try execute(threads: threads)
        let graph = analysis.graph
        let outputShape = (graph.nodes.last?.shape ?? []).map { $0.constant ?? 0 }
        let gradient = Tensor.random(outputShape, seed: 0x7261_696E)
        let start = DispatchTime.now().uptimeNanoseconds
        let execution = try interpreter.trainingStep(input, outputGradient: gradient, threads: threads, attention: attention)
        let optimizer = AdamW(learningRate: 1e-3)
        optimizer.step(interpreter.weights, gradients: execution.parameterGradients)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let setup = TrainingSetup(attention: attention, precision: .fp32, device: .cpu, dropout: false)
        let check = TrainingVerification(analysis: TrainingAnalysis(graph, setup: setup), execution: execution)
        return VerificationOutcome(
            model: forward.model, input: forward.input, verification: forward.verification, seconds: forward.seconds + seconds,
            logitsError: forward.logitsError, tolerance: forward.tolerance, training: check,
            optimizerStateBytes: optimizer.stateBytes)
    }

    /// Runs the forward pass once and compares every node's shape, parameters and MACs with the
    /// analytic graph, and the output with the file's reference logits when there are some.
    /// - Parameter threads: worker threads of the kernels.
    /// - Returns: the comparison and the wall time of the forward pass.
    public func execute(threads: Int) throws -> VerificationOutcome {
        let start = DispatchTime.now().uptimeNanoseconds
        let execution = try interpreter.run(input, threads: threads)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var logitsError: Float?
        if let reference, let entry = reference.entry("vitscope.logits") {
            let logits = try reference.tensor("vitscope.logits")
            logitsError = entry.shape == execution.output.shape ? Numerics.relativeError(execution.output, logits) : .infinity
        }
        return VerificationOutcome(
            model: analysis.spec.name, input: inputShape,
            verification: Verification(graph: analysis.graph, execution: execution),
            seconds: seconds, logitsError: logitsError)
    }
}
