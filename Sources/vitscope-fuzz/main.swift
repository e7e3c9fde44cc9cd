import Foundation
import Fuzzing
import VitScopeCLI

// vitscope-fuzz [--seed N] [--seconds S] [--inputs N] [--time-limit S] [--index I]
// Runs the regression cases of Tests/Fixtures/fuzz/regressions.jsonl, then seeded random inputs
// until the time or the count is used up; exit 1 on the first failure, with the input as one JSON
// line to add to the regression file.
if let problem = InstructionSets.problem {
    FileHandle.standardError.write(Data(problem.utf8))
    exit(1)
}
var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else {
        FileHandle.standardError.write(
            Data("usage: vitscope-fuzz [--seed N] [--seconds S] [--inputs N] [--time-limit S] [--index I]\n".utf8))
        exit(2)
    }
    options[String(name.dropFirst(2))] = value
}
let seed = UInt64(options["seed"] ?? "1") ?? 1
let seconds = Double(options["seconds"] ?? "60") ?? 60
let limit = Int(options["inputs"] ?? "") ?? Int.max
let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
let fixtures = root.appendingPathComponent("Tests/Fixtures")
CrashNote.install()
let runner = try FuzzRunner(
    scratch: FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-fuzz-\(getpid())"),
    timeLimit: Double(options["time-limit"] ?? "20") ?? 20)
let report = FuzzSession.run(
    runner: runner,
    regressions: fixtures.appendingPathComponent("fuzz/regressions.jsonl"),
    generator: FuzzGenerator(
        seeds: FuzzSeeds(specsFolder: root.appendingPathComponent("specs"), fixturesFolder: fixtures.appendingPathComponent("numeric")),
        seed: seed),
    seconds: seconds, inputs: limit, only: options["index"].flatMap { Int($0) },
    progress: { FileHandle.standardError.write(Data($0.utf8)) })
if let failure = report.failure {
    // The failing input, to add to the regression cases; it is also in the summary below.
    if !FileManager.default.createFile(atPath: "fuzz-failure.jsonl", contents: Data((failure.input.jsonLine + "\n").utf8)) {
        FileHandle.standardError.write(Data("vitscope-fuzz: could not write fuzz-failure.jsonl\n".utf8))
    }
}
print(report.summary)
exit(report.failure == nil ? 0 : 1)
