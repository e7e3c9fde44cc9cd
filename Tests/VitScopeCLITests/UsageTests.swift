import Testing

@testable import VitScopeCLI

/// Usage lines and help are generated from each command's declared options, so they name every
/// option the command parses and nothing else.
@Suite struct UsageTests {
    static let names = VitScope.commands.map(\.name)

    static func command(_ name: String) throws -> CommandEntry {
        try #require(VitScope.commands.first { $0.name == name })
    }

    /// The `--name` words of `text`.
    static func optionNames(_ text: Substring) -> Set<String> {
        Set(
            text.split(whereSeparator: { " []|\n".contains($0) }).filter { $0.hasPrefix("--") }
                .map { String($0.dropFirst(2).prefix { $0.isLetter || $0 == "-" }) })
    }

    @Test(arguments: names)
    func usageNamesExactlyTheParsedOptions(_ name: String) throws {
        let command = try Self.command(name)
        let declared = Set(command.options.map(\.name))
        #expect(declared.count == command.options.count, "\(name) declares an option twice")
        #expect(Self.optionNames(Substring(command.usage)) == declared)
        for line in command.usage.split(separator: "\n") {
            #expect(line.trimmingPrefix(while: \.isWhitespace).hasPrefix("vitscope \(name)"))
        }
        for option in command.options {
            #expect(command.usage.contains(option.synopsis), "\(name): usage lacks \(option.synopsis)")
        }
    }

    @Test(arguments: names)
    func helpListsExactlyTheParsedOptions(_ name: String) throws {
        let command = try Self.command(name)
        let help = vitscope(name, "--help")
        #expect(help.code == .success)
        #expect(help.out == command.help)
        #expect(help.out.contains("usage: \(command.usage)\n"))
        let listed = help.out.split(separator: "\n").filter { $0.hasPrefix("  --") }
        #expect(
            Set(listed.flatMap { Self.optionNames($0.dropFirst(2).prefix { $0 != " " }) })
                == Set(command.options.map(\.name) + ["help"]))
        for option in command.options {
            #expect(listed.contains { $0.hasPrefix("  \(option.synopsis) ") }, "\(name): help lacks \(option.synopsis)")
        }
    }

    /// Every option the usage line shows is accepted by the parser the command runs with.
    @Test(arguments: names)
    func everyOptionInTheUsageIsParsed(_ name: String) throws {
        let command = try Self.command(name)
        for option in command.options {
            let arguments = ["--" + option.name] + (option.value == nil ? [] : ["1"])
            let parsed = try ParsedArguments(arguments, options: command.options)
            if option.value == nil {
                #expect(parsed.flags == [option.name])
            } else if option.repeatable {
                #expect(parsed.ordered.map(\.option) == [option.name])
            } else {
                #expect(parsed.values == [option.name: "1"])
            }
        }
        #expect(throws: UsageError.self) { try ParsedArguments(["--no-such-option"], options: command.options) }
    }

    /// A usage error prints the generated usage.
    @Test(arguments: names)
    func usageErrorsShowTheUsage(_ name: String) throws {
        let result = vitscope(name, "--no-such-option")
        #expect(result.code == .usage)
        #expect(result.err.contains("\nusage: \(try Self.command(name).usage)\n'vitscope \(name) --help' for more.\n"))
    }

    /// `--train` and the options of a training step, as `sweep` and `compare` show them.
    static let trainingOptions =
        " [--train] [--precision fp32|bf16|fp16] [--attention fused|eager] [--autocast cuda|cpu] "
        + "[--optimizer adamw|sgd|sgd-momentum] [--checkpoint none|blocks] [--gpu NAME] [--memory SIZE] [--reserve SIZE]"

    @Test func usageLines() throws {
        #expect(
            try Self.command("analyze").usage == "vitscope analyze MODEL|--vit-pytorch CALL|--timm CALL [--image-size N|HxW] [--batch N] "
                + "[--num-classes N] [--layers] [--format table|markdown|json]")
        #expect(
            try Self.command("compare").usage == "vitscope compare MODEL...|--vit-pytorch CALL...|--timm CALL... [--image-size N|HxW] "
                + "[--batch N] [--num-classes N]" + Self.trainingOptions + " [--format table|markdown|json]")
        #expect(
            try Self.command("validate").usage == "vitscope validate SPEC.json|MODEL|--vit-pytorch CALL|--timm CALL [--image-size N|HxW] "
                + "[--batch N] [--num-classes N] [--format table|json]")
        #expect(
            try Self.command("sweep").usage == "vitscope sweep MODEL|--vit-pytorch CALL|--timm CALL --image-sizes LIST [--batch N] "
                + "[--num-classes N]" + Self.trainingOptions + " [--format table|markdown|json|csv]")
        #expect(
            try Self.command("train").usage == "vitscope train MODEL|--vit-pytorch CALL|--timm CALL [--image-size N|HxW] [--batch N] "
                + "[--num-classes N]" + Self.trainingOptions.dropFirst(" [--train]".count) + " [--max-batch] [--epochs N] [--images N] "
                + "[--gpus N] [--utilization F] [--format table|markdown|json|csv]\n"
                + "       vitscope train --calibration [--format table|markdown|json|csv]")
        #expect(
            try Self.command("verify").usage == "vitscope verify MODEL...|--vit-pytorch CALL...|--timm CALL...|--all "
                + "[--train] [--attention fused|eager] [--weights FILE] "
                + "[--threads N] [--seed N] [--no-memory-check] [--image-size N|HxW] [--batch N] [--num-classes N] "
                + "[--format table|markdown|json]")
        #expect(
            try Self.command("bench").usage == "vitscope bench MODEL|--vit-pytorch CALL|--timm CALL [--batch N] [--image-size N|HxW] "
                + "[--num-classes N] [--profile] [--train] [--attention fused|eager] [--optimizer adamw|sgd|sgd-momentum] "
                + "[--checkpoint none|blocks] [--threads N] [--runs N] [--no-memory-check] [--format table|json]\n"
                + "       vitscope bench --gemm N|MxKxN [--packed] [--threads N] [--runs N] [--format table|json]\n"
                + "       vitscope bench --peak [--threads N] [--format table|json]")
        #expect(try Self.command("list").usage == "vitscope list [--format table|markdown|json]")
        #expect(try Self.command("specs").usage == "vitscope specs [--out DIR] [--force]")
    }

    /// The options every MODEL command shares are the same declarations everywhere.
    @Test func sharedModelOptionsAreDeclaredOnce() throws {
        for command in VitScope.commands where command.options.contains(where: { $0.name == "vit-pytorch" }) {
            for shared in ModelOptions.sizeOptions + ModelOptions.callOptions {
                guard let option = command.options.first(where: { $0.name == shared.name }) else { continue }
                #expect(option.value == shared.value, "\(command.name) --\(shared.name)")
                #expect(option.repeatable == shared.repeatable)
                if command.name != "formula" { #expect(option.help == shared.help, "\(command.name) --\(shared.name)") }
            }
        }
    }
}
