import ArchGraph
import Architectures
import Reports

extension TrainCommand {
    /// `train --max-batch`: the largest batch per GPU for the chosen target (then the report at
    /// that batch) or for every GPU of the table; when batch 1 fits none, which change would.
    static func maxBatch(
        _ spec: ModelSpec, _ overrides: Overrides, setup: TrainingSetup, choice: TrainingOptions.Choice, run: TrainingRun,
        format: SweepFormat, console: Console
    ) throws -> ExitCode {
        var one = overrides
        one.batch = 1
        let model: TrainingModel
        do { model = try TrainingModel(spec: try spec.analyze(one).spec, setup: setup) } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        let targets = choice.target.map { [$0] } ?? GPU.all.map { MemoryTarget(gpu: $0) }
        let rows = targets.map { target in
            let available = target.available(reserve: choice.reserve) ?? 0
            return MaxBatchRow(
                target: target, available: available, result: model.maxBatch(optimizer: choice.optimizer, capacity: available))
        }
        let fitting = rows.filter { $0.result.batch != nil }
        if fitting.isEmpty {
            // The chosen target, or the largest GPU of the table.
            let row = choice.target == nil ? rows.max { $0.target.memoryBytes < $1.target.memoryBytes }! : rows[0]
            let peak = row.result.peakBytes.map(NumberFormat.bytes) ?? "more bytes than a 64-bit integer holds"
            let place =
                choice.target == nil
                ? "fits no GPU of the table; on the largest, the \(row.target.name)," : "does not fit the \(row.target.name):"
            console.err(
                "error: batch 1 \(place) its peak is \(peak) and \(NumberFormat.bytes(row.available)) are available after the reserve; "
                    + suggestions(spec: model.spec, setup: setup, optimizer: choice.optimizer, row: row) + "\n")
            return .failure
        }
        let assumptions = TrainingReport.assumptions(setup: setup, optimizer: choice.optimizer, reserve: choice.reserve)
        guard let target = choice.target, let batch = rows[0].result.batch else {
            let setupLine = TrainingReport.setupLine(
                setup, optimizer: choice.optimizer, height: model.spec.imageSize.height, width: model.spec.imageSize.width)
            switch format {
            case .table: console.out(MaxBatchReport.text(model.spec.name, setup: setupLine, rows, assumptions: assumptions))
            case .markdown: console.out(MaxBatchReport.markdown(model.spec.name, setup: setupLine, rows, assumptions: assumptions))
            case .json: console.out(MaxBatchReport.json(model.spec.name, rows, assumptions: assumptions).rendered() + "\n")
            case .csv: console.out(MaxBatchReport.csv(rows))
            }
            return .success
        }
        var at = overrides
        at.batch = batch
        let estimate: TrainingEstimate
        do {
            estimate = try TrainingEstimate(
                spec: spec, overrides: at, setup: setup, optimizer: choice.optimizer, run: run, reserve: choice.reserve)
        } catch {
            ModelOptions.report(error, console: console)
            return .failure
        }
        let line = "largest batch per GPU that fits the \(target.name) (\(NumberFormat.bytes(rows[0].available)) available): "
        switch format {
        case .table, .markdown: console.out(line + MaxBatchReport.sentence(rows[0]) + "\n\n")
        case .json, .csv: break
        }
        print(estimate, target: target, format: format, console: console, maxBatch: MaxBatchReport.object(rows[0]))
        return .success
    }

    /// Which of checkpointing and mixed precision would let batch 1 fit `row`'s target, and up
    /// to which batch, each computed.
    static func suggestions(spec: ModelSpec, setup: TrainingSetup, optimizer: OptimizerKind, row: MaxBatchRow) -> String {
        let low: Precision = row.target.gpu.map { $0.bf16 == nil } ?? false ? .fp16 : .bf16
        var changes: [(String, TrainingSetup)] = []
        var checkpointed = setup
        checkpointed.checkpoint = .blocks
        var mixed = setup
        mixed.precision = low
        var both = checkpointed
        both.precision = low
        if setup.checkpoint == .none { changes.append(("--checkpoint blocks", checkpointed)) }
        if setup.precision == .fp32 { changes.append(("--precision \(low.rawValue)", mixed)) }
        if setup.checkpoint == .none && setup.precision == .fp32 {
            changes.append(("--checkpoint blocks with --precision \(low.rawValue)", both))
        }
        var working: [(option: String, batch: Int)] = []
        for (option, changed) in changes {
            guard let model = try? TrainingModel(spec: spec, setup: changed),
                let batch = model.maxBatch(optimizer: optimizer, capacity: row.available).batch
            else { continue }
            working.append((option, batch))
        }
        if optimizer != .sgd, let model = try? TrainingModel(spec: spec, setup: setup),
            let batch = model.maxBatch(optimizer: .sgd, capacity: row.available).batch
        {
            working.append(("--optimizer sgd, which keeps no state", batch))
        }
        // The single changes that work; the two together only when neither works alone.
        let singles = working.filter { !$0.option.contains(" with ") }
        let shown = (singles.isEmpty ? working : singles).map { "\($0.option) (up to batch \(NumberFormat.grouped($0.batch)))" }
        if !shown.isEmpty { return "it would fit with " + shown.joined(separator: " or ") }
        guard let widest = changes.last?.0 else { return "a GPU with more memory, a smaller image or a smaller model is needed" }
        return "not even \(widest) would make it fit"
    }
}
