import Architectures
import Foundation
import Testing

@testable import Fuzzing

/// The fuzzer's own checks: the regression cases pass, inputs are reproducible, and a short
/// seeded run finds nothing.
@Suite struct FuzzingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures")
        .standardizedFileURL
    static let seeds = FuzzSeeds(
        specsFolder: fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("specs"),
        fixturesFolder: fixtures.appendingPathComponent("numeric"))

    static func runner() throws -> FuzzRunner {
        try FuzzRunner(
            scratch: FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-fuzz-test-\(UUID().uuidString)"),
            timeLimit: 60)
    }

    @Test func seedsAreTheCommittedFiles() {
        #expect(Self.seeds.specs.count == 46)
        #expect(Self.seeds.calls.count == 7)
        // The thirteen whose metadata holds a spec (the vit-pytorch ones hold a call).
        #expect(Self.seeds.fixtures.count == 13)
        // Every timm seed is a valid call, so mutations start from something that builds.
        for call in Self.seeds.timmCalls { #expect(throws: Never.self) { try Timm.spec(call: call) } }
    }

    @Test func everyRegressionCasePasses() throws {
        let cases = FuzzSession.regressions(Self.fixtures.appendingPathComponent("fuzz/regressions.jsonl"))
        #expect(cases.count == 7)
        #expect(cases.allSatisfy { !$0.arguments[0].hasPrefix("unreadable") })
        let runner = try Self.runner()
        for input in cases { #expect(runner.check(input).map(\.description) == nil) }
    }

    @Test func inputsAreReproducible() {
        let a = FuzzGenerator(seeds: Self.seeds, seed: 7), b = FuzzGenerator(seeds: Self.seeds, seed: 7)
        #expect((0..<50).map(a.input) == (0..<50).map(b.input))
        #expect(a.input(3) != FuzzGenerator(seeds: Self.seeds, seed: 8).input(3))
    }

    /// An empty error message is caught.
    @Test func checksTheMessages() throws {
        let runner = try Self.runner()
        #expect(runner.check(FuzzCase(arguments: ["analyze", "pit_ti_224"])).map(\.description) == nil)
        let failure = runner.check(FuzzCase(arguments: ["analyze", "no_such_model"]))
        #expect(failure == nil)
    }
}
