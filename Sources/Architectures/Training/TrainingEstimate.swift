import ArchGraph
import SizeAlgebra

/// One stage's share of a training step at a batch.
public struct StageTraining: Hashable, Sendable {
    public let forwardMacs: Int
    public let backwardInputMacs: Int
    public let backwardWeightMacs: Int
    public let recomputeMacs: Int
    /// Bytes of the kept storages first kept in the stage.
    public let savedBytes: Int
}

/// Whether a step fits a memory target, and by how much.
public struct Verdict: Hashable, Sendable {
    public let target: MemoryTarget
    /// The target's memory less the reserve; `nil` when the reserve is at least the memory.
    public let available: Int?
    public let peakBytes: Int

    public var fits: Bool { available.map { peakBytes <= $0 } ?? false }
    /// Available minus peak: the room to spare, or (negative) the shortfall.
    public var margin: Int? { available.map { $0 - peakBytes } }
}

/// Everything `vitscope train` reports for one model: the analysis at the batch, the step's
/// work and memory, per stage, and the run's cost.
public struct TrainingEstimate: Sendable {
    /// The inference analysis at the batch (stages, grids, parameters).
    public let analysis: Analysis
    public let model: TrainingModel
    public let optimizer: OptimizerKind
    public let memory: MemoryPlan
    public let work: TrainingWork
    /// Per stage, in the order of ``Summary/stages``.
    public let stages: [StageTraining]
    public let run: TrainingRun
    /// Bytes of the target's memory kept back for the CUDA context, workspaces and what CUDA
    /// does not make available.
    public let reserve: Int

    /// - Parameters:
    ///   - spec: the model, overrides not yet applied.
    ///   - overrides: image size, batch (per device) and classes.
    /// - Throws: ``SpecError`` for a model that does not build at the size, and for counts
    ///   that do not fit in 64 bits.
    public init(
        spec: ModelSpec, overrides: Overrides, setup: TrainingSetup, optimizer: OptimizerKind, run: TrainingRun = TrainingRun(),
        reserve: Int = 1 << 30
    ) throws(SpecError) {
        let analysis = try spec.analyze(overrides)
        try self.init(
            analysis: analysis, model: try TrainingModel(spec: analysis.spec, setup: setup), optimizer: optimizer, run: run,
            reserve: reserve)
    }

    /// The estimate of `model`'s step at `analysis`'s batch.
    /// - Parameters:
    ///   - analysis: the model analysed at the size and batch of the step.
    ///   - model: the same model (``Analysis/spec``) set up for training.
    public init(
        analysis: Analysis, model: TrainingModel, optimizer: OptimizerKind, run: TrainingRun = TrainingRun(), reserve: Int = 1 << 30
    ) throws(SpecError) {
        self.analysis = analysis
        self.model = model
        self.optimizer = optimizer
        memory = try model.memory(batch: analysis.batch, optimizer: optimizer)
        work = try model.work(batch: analysis.batch)
        stages = try model.stages(batch: analysis.batch)
        self.run = run
        self.reserve = reserve
    }

    public var batch: Int { memory.batch }

    /// Whether the step fits `target` after the reserve.
    public func verdict(_ target: MemoryTarget) -> Verdict {
        Verdict(target: target, available: target.available(reserve: reserve), peakBytes: memory.peakBytes)
    }
}

extension TrainingModel {
    /// Each stage's forward, backward and recompute MACs and saved bytes at `batch`.
    /// - Throws: ``SpecError`` when a count does not fit in a 64-bit integer.
    public func stages(batch: Int) throws(SpecError) -> [StageTraining] {
        let binding = binding(batch: batch)
        let forward = graph.stageCosts, backward = training.stageBackward
        let recompute = training.stageRecomputeMacs, saved = training.stageSavedBytes
        var stages: [StageTraining] = []
        for index in graph.stages.indices {
            do {
                stages.append(
                    StageTraining(
                        forwardMacs: try forward[index].macs.evaluate(binding),
                        backwardInputMacs: try backward[index].inputGradientMacs.evaluate(binding),
                        backwardWeightMacs: try backward[index].weightGradientMacs.evaluate(binding),
                        recomputeMacs: try recompute[index].evaluate(binding), savedBytes: try saved[index].evaluate(binding)))
            } catch {
                throw SpecError([
                    Problem(field: graph.stages[index].name, message: "training counts at batch \(batch) do not fit in a 64-bit integer")
                ])
            }
        }
        return stages
    }
}
