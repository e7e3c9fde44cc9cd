import SizeAlgebra

/// The memory of one training step on one device, in bytes:
///
/// - parameters: every parameter, frozen ones included, as float32 master weights (4 B);
/// - gradients: one float32 gradient per trainable parameter, allocated for the whole step;
/// - optimizer state: ``OptimizerKind/stateBytesPerParameter`` per trainable parameter;
/// - saved activations: the distinct storages kept from forward to backward
///   (``TrainingAnalysis/savedBytes``);
/// - the peak: the three persistent terms plus the most bytes of the timeline alive at once,
///   in the forward (saved storages so far and live outputs) or the backward (saved storages
///   not yet freed, activation gradients and recomputed storages), whichever is larger.
///
/// Not included: the CUDA context, cuBLAS/cuDNN workspaces, allocator caching and
/// fragmentation, the input batch and labels, the optimizer step's temporaries.
public struct MemoryPlan: Hashable, Sendable {
    /// Where the peak is.
    public enum Phase: String, Hashable, Sendable {
        case forward, backward
    }

    public let batch: Int
    public let optimizer: OptimizerKind
    public let parameters: Int
    public let trainableParameters: Int
    public let parametersBytes: Int
    public let gradientsBytes: Int
    public let optimizerBytes: Int
    public let savedActivationsBytes: Int
    public let forward: MemoryTimeline.Peak
    public let backward: MemoryTimeline.Peak

    /// - Throws: ``EvaluationError/overflow`` when a byte count does not fit in `Int`.
    public init(
        batch: Int, optimizer: OptimizerKind, parameters: Int, trainableParameters: Int, savedActivationsBytes: Int,
        forward: MemoryTimeline.Peak, backward: MemoryTimeline.Peak
    ) throws(EvaluationError) {
        self.batch = batch
        self.optimizer = optimizer
        self.parameters = parameters
        self.trainableParameters = trainableParameters
        parametersBytes = try Self.product(parameters, 4)
        gradientsBytes = try Self.product(trainableParameters, 4)
        optimizerBytes = try Self.product(trainableParameters, optimizer.stateBytesPerParameter)
        self.savedActivationsBytes = savedActivationsBytes
        self.forward = forward
        self.backward = backward
        persistentBytes = try MemoryTimeline.sum(try MemoryTimeline.sum(parametersBytes, gradientsBytes), optimizerBytes)
        peakBytes = try MemoryTimeline.sum(persistentBytes, max(forward.bytes, backward.bytes))
    }

    /// Parameters, gradients and optimizer state: alive for the whole step.
    public let persistentBytes: Int
    /// The most bytes alive at once.
    public let peakBytes: Int

    /// The pass of the peak: the backward when the two are equal.
    public var peakPhase: Phase { forward.bytes > backward.bytes ? .forward : .backward }

    /// The pass of the peak's timeline peak.
    public var peak: MemoryTimeline.Peak { peakPhase == .forward ? forward : backward }

    static func product(_ a: Int, _ b: Int) throws(EvaluationError) -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw .overflow }
        return value
    }
}

/// The MACs of one training step, per image and for the batch: the forward, the backward's
/// input- and weight-gradient products, and the forward run again by checkpointing.
public struct TrainingWork: Hashable, Sendable {
    public struct Counts: Hashable, Sendable {
        public let forward: Int
        public let backwardInput: Int
        public let backwardWeight: Int
        public let recompute: Int

        public var backward: Int { backwardInput + backwardWeight }
        /// Forward + backward + recompute.
        public let total: Int
        /// 2 × ``total``.
        public let flops: Int
    }

    public let batch: Int
    public let perImage: Counts
    public let perBatch: Counts

    init(perImage: [Int], perBatch: [Int], batch: Int) throws(SpecError) {
        func counts(_ values: [Int]) throws(SpecError) -> Counts {
            var total = 0
            for value in values {
                let (sum, overflow) = total.addingReportingOverflow(value)
                if overflow {
                    throw SpecError([Problem(field: "batch", message: "training MACs at batch \(batch) do not fit in a 64-bit integer")])
                }
                total = sum
            }
            let (flops, overflow) = total.multipliedReportingOverflow(by: 2)
            if overflow {
                throw SpecError([Problem(field: "batch", message: "training FLOPs at batch \(batch) do not fit in a 64-bit integer")])
            }
            return Counts(
                forward: values[0], backwardInput: values[1], backwardWeight: values[2], recompute: values[3], total: total, flops: flops)
        }
        self.batch = batch
        self.perImage = try counts(perImage)
        self.perBatch = try counts(perBatch)
    }
}
