import Architectures
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
    static let batchOption = OptionSpec(name: "batch", value: "N", help: "batch size (default 1)")
    static let numClassesOption = OptionSpec(name: "num-classes", value: "N", help: "classifier outputs; 0 removes the head")
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

    /// `224` → 224×224, `192x256` (or `192×256`) → 192×256.
    static func imageSize(_ text: String) throws(UsageError) -> ImageSize {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "x" || $0 == "X" || $0 == "×" })
        let numbers = parts.compactMap { Int($0) }
        guard numbers.count == parts.count, (1...2).contains(numbers.count) else {
            throw UsageError(message: "--image-size expects N or HxW (e.g. 224 or 192x256), got '\(text)'")
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

    static func report(_ error: SpecError, console: Console) {
        for problem in error.problems { console.err("error: \(problem)\n") }
    }
}
