import Architectures
import CPUBackend
import Foundation

/// The output formats of the analysis commands.
enum OutputFormat: String, CaseIterable {
    case table, markdown, json
}

/// Options shared by every command that takes MODEL, declared once here: the MODEL operand and
/// `--vit-pytorch` (see ModelReference.swift), `--image-size`, `--batch`, `--num-classes` and
/// `--format`.
enum ModelOptions {
    static let imageSizeOption = OptionSpec(
        name: "image-size", value: "N|HxW",
        help: "input size in pixels, square (224) or height×width (192x256); position embeddings are built for it")
    static let batchOption = OptionSpec(name: "batch", value: "N", help: "batch size (default 1)", range: 1...Limits.maxBatch)
    static let numClassesOption = OptionSpec(
        name: "num-classes", value: "N", help: "classifier outputs; 0 removes the head", range: 0...Limits.maxClasses)
    /// `--threads N` of the commands that run models, with the same range everywhere.
    static func threadsOption(help: String) -> OptionSpec { OptionSpec(name: "threads", value: "N", help: help, range: 1...1024) }
    static let sizeOptions = [imageSizeOption, batchOption, numClassesOption]

    /// `MODEL|--vit-pytorch CALL|--timm CALL`: what stands for MODEL in a usage line.
    static let operands: [Operand] = [.positional("MODEL")] + callOptions.map { .option($0.name) }

    /// The usage of a command that takes one MODEL (or several, with `repeated`).
    static func usage(repeated: Bool = false, required: [String] = []) -> UsageForm {
        UsageForm(operands: operands, repeated: repeated, required: required)
    }

    /// `--format` offering `formats`, the first being the default.
    static func format(_ formats: [OutputFormat] = OutputFormat.allCases) -> OptionSpec { formatOption(formats) }

    /// `--format` offering `formats` of any kind (sweep's include CSV), the first being the default.
    static func formatOption<Format: RawRepresentable<String>>(_ formats: [Format]) -> OptionSpec {
        OptionSpec(
            name: "format", value: formats.map(\.rawValue).joined(separator: "|"),
            help: "output format (default \(formats[0].rawValue))")
    }

    /// The overrides given on the command line.
    static func overrides(_ args: ParsedArguments) throws(UsageError) -> Overrides {
        var overrides = Overrides()
        if let text = args.values["image-size"] { overrides.imageSize = try imageSize(text) }
        if let batch = try args.integer("batch") { overrides.batch = batch }
        overrides.numClasses = try args.integer("num-classes")
        return overrides
    }

    /// `224` → 224×224, `192x256` (or `192×256`) → 192×256; each side ASCII digits from 1 to
    /// ``Limits/maxImageSide``.
    static func imageSize(_ text: String, option: String = "image-size") throws(UsageError) -> ImageSize {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
        let numbers = parts.compactMap { part -> Int? in
            part.utf8.isEmpty || !part.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) ? nil : Int(part)
        }
        guard numbers.count == parts.count, (1...2).contains(numbers.count) else {
            throw UsageError(message: "--\(option) expects N or HxW (e.g. 224 or 192x256), got '\(text)'")
        }
        guard numbers.allSatisfy({ (1...Limits.maxImageSide).contains($0) }) else {
            throw UsageError(message: "--\(option) expects sides from 1 to \(Limits.maxImageSide), got \(text)")
        }
        return numbers.count == 1 ? ImageSize(numbers[0]) : ImageSize(height: numbers[0], width: numbers[1])
    }

    /// The `--format` given, one of `formats`, or the first of them when none is.
    static func outputFormat(_ args: ParsedArguments, _ formats: [OutputFormat] = OutputFormat.allCases) throws(UsageError) -> OutputFormat
    {
        try chosenFormat(args, formats)
    }

    /// The `--format` given, one of `formats` of any kind, or the first of them when none is.
    static func chosenFormat<Format: RawRepresentable<String>>(_ args: ParsedArguments, _ formats: [Format]) throws(UsageError) -> Format {
        guard let text = args.values["format"] else { return formats[0] }
        guard let format = Format(rawValue: text), formats.contains(where: { $0.rawValue == text }) else {
            throw UsageError(message: "--format expects one of \(formats.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return format
    }

    /// The spec a MODEL argument names: a preset, or a spec file when it ends in `.json` or
    /// contains a `/`.
    static func resolve(_ model: String) throws(SpecError) -> ModelSpec {
        if model.hasSuffix(".json") || model.contains("/") {
            guard let data = FileManager.default.contents(atPath: model) else {
                let exists = FileManager.default.fileExists(atPath: model)
                throw SpecError([
                    Problem(
                        field: model, message: exists ? "cannot read the file" : "no such file",
                        fix: exists ? nil : "give a preset name (vitscope list) or the path of a spec file")
                ])
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw SpecError([Problem(field: model, message: "the file is not UTF-8 text")])
            }
            do {
                return try SpecDecoder.decode(text)
            } catch {
                throw SpecError(
                    error.problems.map {
                        var p = $0; p.field = "\(model): \(p.field)"; return p
                    })
            }
        }
        if let spec = Zoo.preset(model) { return spec }
        let fix =
            Suggestion.nearest(to: model, among: Zoo.names).map { "did you mean '\($0)'? (vitscope list shows all presets)" }
            ?? "vitscope list shows all presets; a spec file path must end in .json"
        throw SpecError([Problem(field: "MODEL", message: "unknown model '\(model)'", fix: fix)])
    }

    /// Resolves and analyses `model`, writing problems to stderr on failure.
    static func analyze(_ model: String, _ overrides: Overrides, console: Console) -> Analysis? {
        do {
            return try resolve(model).analyze(overrides)
        } catch {
            report(error, console: console)
            return nil
        }
    }

    /// How many problems are printed one by one; the rest are counted.
    static let shownProblems = 100

    static func report(_ error: SpecError, console: Console) {
        for problem in error.problems.prefix(shownProblems) { console.err("error: \(problem)\n") }
        if error.problems.count > shownProblems {
            console.err("error: … and \(error.problems.count - shownProblems) more problems\n")
        }
    }

    /// `--no-memory-check` of the commands that run models.
    static let noMemoryCheckOption = OptionSpec(
        name: "no-memory-check", value: nil,
        help: "run even when the parameters and live activations need more memory than is available")

    /// Why running `analysis` on the CPU would not fit in the memory available, with what to do
    /// about it, or `nil` when it fits (or `args` has `--no-memory-check`).
    static func memoryProblem(_ analysis: Analysis, _ args: ParsedArguments) -> String? {
        guard !args.flags.contains(noMemoryCheckOption.name) else { return nil }
        let estimate: MemoryEstimate
        do { estimate = try MemoryEstimate(graph: analysis.graph) } catch { return "\(error)" }
        guard let shortfall = estimate.shortfall(available: MemoryEstimate.availableBytes()) else { return nil }
        return "at batch \(analysis.batch) and \(analysis.spec.imageSize.height)×\(analysis.spec.imageSize.width) the forward pass "
            + shortfall + "; use a smaller batch or image size, or --no-memory-check to run anyway"
    }
}
