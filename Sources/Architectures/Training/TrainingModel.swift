import ArchGraph
import SizeAlgebra

extension Family {
    /// How the family's reference implementation computes attention when it trains: timm's
    /// models (ViT, DeiT, PiT, Swin, and the ResNet, which has none) call
    /// `F.scaled_dot_product_attention` (`fused_attn`, on by default); the authors' T2T-ViT and
    /// CvT and vit-pytorch compute the attention matrix explicitly.
    public var trainingAttention: AttentionImplementation {
        switch self {
        case .vit, .pit, .swin, .resnet: .fused
        case .t2tViT, .cvt, .vitPytorch: .eager
        }
    }
}

/// A model set up for training at one image size: its graph in the batch B, the analysis of
/// one training step and the step's memory timeline, built once and evaluated at any batch.
public struct TrainingModel: Sendable {
    /// The spec as trained (overrides applied).
    public let spec: ModelSpec
    public let setup: TrainingSetup
    /// The graph at the spec's image size, symbolic in the batch.
    public let graph: Graph
    public let training: TrainingAnalysis
    public let timeline: MemoryTimeline
    /// Sums over the graph, kept for the batch search: parameters, trainable ones, saved bytes.
    let params: Expr, trainableParams: Expr, savedBytes: Expr

    /// - Parameters:
    ///   - spec: the model, at the image size it is trained at.
    ///   - setup: attention, precision, autocast lists, checkpointing.
    /// - Throws: ``SpecError`` when the model cannot be built at its image size.
    public init(spec: ModelSpec, setup: TrainingSetup) throws(SpecError) {
        self.init(spec: spec, graph: try Self.graph(spec), setup: setup)
    }

    /// The model's graph at its image size, symbolic in the batch.
    /// - Throws: ``SpecError`` when the model cannot be built at its image size.
    public static func graph(_ spec: ModelSpec) throws(SpecError) -> Graph {
        do {
            return try spec.graph(batch: .B, height: Expr(spec.imageSize.height), width: Expr(spec.imageSize.width))
        } catch let error as GraphError {
            throw SpecError([Problem(field: error.path, message: error.message)])
        } catch {
            throw SpecError([Problem(field: spec.name, message: "\(error)")])
        }
    }

    /// - Parameter graph: `spec`'s graph from ``graph(_:)``, shared by several setups.
    public init(spec: ModelSpec, graph: Graph, setup: TrainingSetup) {
        self.spec = spec
        self.setup = setup
        self.graph = graph
        training = TrainingAnalysis(graph, setup: setup)
        var plain = setup
        plain.checkpoint = .none
        let unchecked = setup.checkpoint == .none ? nil : TrainingAnalysis(graph, setup: plain)
        timeline = MemoryTimeline(training, unchecked: unchecked)
        let cost = graph.totalCost
        (params, trainableParams, savedBytes) = (cost.params, cost.trainableParams, training.savedBytes)
    }

    /// The size variables at `batch`.
    public func binding(batch: Int) -> Binding {
        Binding(batch: batch, height: spec.imageSize.height, width: spec.imageSize.width)
    }

    /// The memory of one training step at `batch` per device.
    /// - Throws: ``SpecError`` when a size does not fit in a 64-bit integer.
    public func memory(batch: Int, optimizer: OptimizerKind) throws(SpecError) -> MemoryPlan {
        let binding = binding(batch: batch)
        do {
            let peaks = try timeline.peaks(at: binding)
            return try MemoryPlan(
                batch: batch, optimizer: optimizer, parameters: try params.evaluate(binding),
                trainableParameters: try trainableParams.evaluate(binding), savedActivationsBytes: try savedBytes.evaluate(binding),
                forward: peaks.forward, backward: peaks.backward)
        } catch {
            throw SpecError([
                Problem(
                    field: "batch", message: "the memory of a training step at batch \(batch) does not fit in a 64-bit integer of bytes",
                    fix: "use a smaller batch")
            ])
        }
    }

    /// The step's work at `batch` and per image.
    /// - Throws: ``SpecError`` when a count does not fit in a 64-bit integer, or when one is not
    ///   proportional to the batch (which every count of these models is: each image is
    ///   computed on its own).
    public func work(batch: Int) throws(SpecError) -> TrainingWork {
        let backward = training.backward
        let counts = [training.forwardMacs, backward.inputGradientMacs, backward.weightGradientMacs, training.recomputeMacs]
        var perImage: [Int] = [], perBatch: [Int] = []
        for count in counts {
            guard let one = try? count.evaluate(binding(batch: 1)), let all = try? count.evaluate(binding(batch: batch)) else {
                throw SpecError([Problem(field: "batch", message: "MACs at batch \(batch) do not fit in a 64-bit integer")])
            }
            // Each image is computed on its own, so the count at `batch` is `batch` times one image's.
            let (product, overflow) = one.multipliedReportingOverflow(by: batch)
            guard !overflow, product == all else {
                throw SpecError([
                    Problem(
                        field: spec.name, message: "training MACs \(count) are not proportional to the batch B; this is a bug in vitscope")
                ])
            }
            perImage.append(one)
            perBatch.append(all)
        }
        return try TrainingWork(perImage: perImage, perBatch: perBatch, batch: batch)
    }

    /// The largest batch per device whose step fits in `capacity` bytes, found by evaluating
    /// the step's memory exactly at each batch tried; `nil` when batch 1 does not fit. The
    /// peak grows with the batch (every size is a product with B as a factor), so a bisection
    /// finds it; the batch above it is evaluated as well, to show that it does not fit.
    public func maxBatch(optimizer: OptimizerKind, capacity: Int) -> MaxBatch {
        func peak(_ batch: Int) -> Int? { try? memory(batch: batch, optimizer: optimizer).peakBytes }
        func fits(_ batch: Int) -> Bool { peak(batch).map { $0 <= capacity } ?? false }
        guard fits(1) else { return MaxBatch(capacity: capacity, batch: nil, peakBytes: peak(1), nextPeakBytes: nil) }
        var low = 1, high = 2  // fits(low); high is the first candidate not known to fit
        while high <= Limits.maxBatch && fits(high) {
            low = high
            high = high > Limits.maxBatch / 2 ? Limits.maxBatch + 1 : high * 2
        }
        high = min(high, Limits.maxBatch + 1)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if fits(middle) { low = middle } else { high = middle }
        }
        return MaxBatch(
            capacity: capacity, batch: low, peakBytes: peak(low), nextPeakBytes: low < Limits.maxBatch ? peak(low + 1) : nil)
    }
}

/// The largest batch that fits a memory capacity.
public struct MaxBatch: Hashable, Sendable {
    /// Bytes available to the step.
    public let capacity: Int
    /// The largest batch per device that fits, or `nil` when batch 1 does not.
    public let batch: Int?
    /// The step's peak at ``batch`` (at batch 1 when it does not fit; `nil` on overflow).
    public let peakBytes: Int?
    /// The peak at the next batch, which does not fit (`nil` at the batch limit or on overflow).
    public let nextPeakBytes: Int?

    /// Whether the search stopped at ``Limits/maxBatch`` rather than at the capacity.
    public var atLimit: Bool { batch == Limits.maxBatch }
}
