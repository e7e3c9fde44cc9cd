import ArchGraph
import Architectures
import Reports

extension ModelOptions {
    /// `--train` of `sweep` and `compare`: show training steps instead of the inference analysis.
    static let trainOption = OptionSpec(
        name: "train", value: nil, help: "show the training step: saved activations, peak memory per GPU, training MACs")
}

/// The options of a training step, declared once for `train`, `sweep --train` and
/// `compare --train`: precision, attention, autocast lists, optimizer, checkpointing, and the
/// memory the step must fit.
enum TrainingOptions {
    static let precisionOption = OptionSpec(
        name: "precision", value: "fp32|bf16|fp16", help: "float32, or mixed precision under torch.autocast (default fp32)")
    static let attentionOption = OptionSpec(
        name: "attention", value: "fused|eager",
        help: "F.scaled_dot_product_attention or the explicit attention matrix (default: fused for timm's models, "
            + "eager for T2T-ViT, CvT and vit-pytorch)")
    static let autocastOption = OptionSpec(
        name: "autocast", value: "cuda|cpu", help: "whose autocast op lists decide the types (default cuda)")
    static let optimizerOption = OptionSpec(
        name: "optimizer", value: "adamw|sgd|sgd-momentum", help: "optimizer state per trainable parameter: 8, 0 or 4 B (default adamw)")
    static let checkpointOption = OptionSpec(
        name: "checkpoint", value: "none|blocks", help: "activation checkpointing per block (default none)")
    static let gpuOption = OptionSpec(
        name: "gpu", value: "NAME", help: "the GPU the step must fit: " + GPU.all.map(\.id).joined(separator: ", ") + " (any case)")
    static let memoryOption = OptionSpec(
        name: "memory", value: "SIZE", help: "instead of --gpu, the memory the step must fit: 40GiB, 40GB, 512MiB, 500MB")
    static let reserveOption = OptionSpec(
        name: "reserve", value: "SIZE",
        help: "memory kept back for the CUDA context and workspaces (default 1GiB; 0 for none)")

    /// The options that set up the step.
    static let setupOptions = [precisionOption, attentionOption, autocastOption, optimizerOption, checkpointOption]
    /// The options that name the memory.
    static let memoryOptions = [gpuOption, memoryOption, reserveOption]
    static let all = setupOptions + memoryOptions

    /// What the command line chose.
    struct Choice {
        var precision = Precision.fp32
        /// `nil`: each model's family decides (``Family/trainingAttention``).
        var attention: AttentionImplementation?
        var autocast = AutocastDevice.cuda
        var optimizer = OptimizerKind.adamw
        var checkpoint = CheckpointMode.none
        var target: MemoryTarget?
        var reserve = 1 << 30

        /// The setup for `spec` (its family decides the attention unless the command line does).
        /// Not inlined: Swift 6.3's optimiser crashes (an ownership verifier failure in
        /// CopyPropagation) when the switch over `spec.config` behind `family` is inlined into a
        /// caller that got `spec` from a `do`/`catch`.
        @inline(never)
        func setup(for spec: ModelSpec) -> TrainingSetup { setup(spec.family) }

        /// The setup for a model of `family`.
        func setup(_ family: Family) -> TrainingSetup {
            TrainingSetup(
                attention: attention ?? family.trainingAttention, precision: precision, device: autocast, checkpoint: checkpoint)
        }
    }

    /// The choice `args` makes; every value checked (usage errors, exit 2).
    static func choice(_ args: ParsedArguments) throws(UsageError) -> Choice {
        var choice = Choice()
        if let v = args.values["precision"] { choice.precision = try value(v, option: "precision", Precision.allCases) }
        if let v = args.values["attention"] { choice.attention = try value(v, option: "attention", AttentionImplementation.allCases) }
        if let v = args.values["autocast"] { choice.autocast = try value(v, option: "autocast", AutocastDevice.allCases) }
        if let v = args.values["optimizer"] { choice.optimizer = try value(v, option: "optimizer", OptimizerKind.allCases) }
        if let v = args.values["checkpoint"] { choice.checkpoint = try value(v, option: "checkpoint", CheckpointMode.allCases) }
        if let v = args.values["reserve"] { choice.reserve = try ByteSize.parse(v, option: "reserve") }
        switch (args.values["gpu"], args.values["memory"]) {
        case (_?, _?):
            throw UsageError(message: "--gpu and --memory both name the memory; give one")
        case (let name?, nil):
            guard let gpu = GPU.named(name) else { throw unknownGPU(name) }
            if choice.precision == .bf16, gpu.bf16 == nil {
                throw UsageError(
                    message: "--precision bf16 on the \(gpu.name): Volta has no bfloat16 arithmetic; use --precision fp16 or fp32")
            }
            choice.target = MemoryTarget(gpu: gpu)
        case (nil, let size?):
            let bytes = try ByteSize.parse(size, option: "memory")
            guard bytes > 0 else { throw UsageError(message: "--memory must be more than 0, got '\(size)'") }
            choice.target = MemoryTarget(name: ByteSize.name(size, bytes: bytes), memoryBytes: bytes)
        case (nil, nil):
            break
        }
        if let target = choice.target, target.available(reserve: choice.reserve) == nil {
            throw UsageError(
                message: "--reserve \(args.values["reserve"] ?? "1GiB") leaves nothing of the \(target.name)'s "
                    + "\(NumberFormat.bytes(target.memoryBytes)); give a smaller --reserve")
        }
        return choice
    }

    /// The error for a `--gpu` name that is not in the table: which GPUs it could mean, or the
    /// nearest name, and every name.
    static func unknownGPU(_ name: String) -> UsageError {
        let key = name.lowercased()
        let ids = GPU.all.map(\.id)
        let prefixed = ids.filter { $0.hasPrefix(key) }
        let hint: String
        if prefixed.count > 1 {
            hint = "; it could be " + prefixed.map { "'\($0)'" }.joined(separator: " or ")
        } else {
            hint = Suggestion.nearest(to: key, among: ids + GPU.all.flatMap(\.aliases)).map { "; did you mean '\($0)'?" } ?? ""
        }
        return UsageError(message: "--gpu '\(name)' is not a GPU of the table (\(ids.joined(separator: ", ")))\(hint)")
    }

    /// `text` as one of `cases`, or a usage error listing them.
    static func value<T: RawRepresentable<String>>(_ text: String, option: String, _ cases: [T]) throws(UsageError) -> T {
        guard let value = T(rawValue: text), cases.contains(where: { $0.rawValue == text }) else {
            throw UsageError(message: "--\(option) expects one of \(cases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return value
    }

    /// Training options given without `--train`, for the commands where they need it.
    static func givenWithoutTrain(_ args: ParsedArguments) -> String? {
        guard !args.flags.contains("train") else { return nil }
        return all.map(\.name).first { args.values[$0] != nil }
    }
}

/// Memory sizes on the command line: a number with a unit, `40GiB`, `40GB`, `1.5GiB`, `512MiB`.
enum ByteSize {
    /// Units, case-insensitive: binary (KiB, MiB, GiB, TiB) and decimal (KB, MB, GB, TB), and B.
    static let units: [(name: String, bytes: Int)] = [
        ("tib", 1 << 40), ("gib", 1 << 30), ("mib", 1 << 20), ("kib", 1 << 10),
        ("tb", 1_000_000_000_000), ("gb", 1_000_000_000), ("mb", 1_000_000), ("kb", 1000), ("b", 1),
    ]

    /// The bytes `text` names, rounded down to a whole byte; `0` needs no unit.
    static func parse(_ text: String, option: String) throws(UsageError) -> Int {
        let malformed = UsageError(message: "--\(option) expects a size such as 40GiB, 40GB, 512MiB or 0, got '\(text)'")
        if text == "0" { return 0 }
        let lower = text.lowercased()
        guard let unit = units.first(where: { lower.hasSuffix($0.name) }) else { throw malformed }
        let number = lower.dropLast(unit.name.count)
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { !$0.isEmpty && $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
        guard (1...2).contains(parts.count), parts.allSatisfy(isDigits), parts.count == 1 || parts[1].count <= 9,
            let whole = Int(parts[0])
        else { throw malformed }
        // whole × unit + fraction × unit / 10^digits, each step overflow-checked.
        let tooLarge = UsageError(message: "--\(option) '\(text)' is more bytes than a 64-bit integer holds")
        let (integer, o1) = whole.multipliedReportingOverflow(by: unit.bytes)
        if o1 { throw tooLarge }
        var fraction = 0
        if parts.count == 2, let digits = Int(parts[1]) {
            var scale = 1
            for _ in 0..<parts[1].count { scale *= 10 }
            let (product, o2) = digits.multipliedReportingOverflow(by: unit.bytes)
            if o2 { throw tooLarge }
            fraction = product / scale
        }
        let (total, o3) = integer.addingReportingOverflow(fraction)
        if o3 { throw tooLarge }
        return total
    }

    /// A size's name in tables: `40 GiB of memory`, `1,048,576 B of memory`.
    static func name(_ text: String, bytes: Int) -> String { NumberFormat.bytes(bytes).replacing(".00 GiB", with: " GiB") + " of memory" }
}
