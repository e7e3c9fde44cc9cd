import Foundation

/// A fuzzing session: the regression cases first, then generated inputs until the time or the
/// count is used up, stopping at the first failure.
public enum FuzzSession {
    public struct Report: Sendable {
        public let seed: UInt64
        public let regressions: Int
        public let generated: Int
        public let seconds: Double
        public let failure: FuzzFailure?

        public var summary: String {
            let counts =
                "seed \(seed): \(regressions) regression cases and \(generated) generated inputs in "
                + String(format: "%.1f", seconds) + " s"
            guard let failure else { return counts + ", no failure" }
            return counts + "; FAILED: \(failure)\n(the whole input is in fuzz-failure.jsonl; add it to "
                + "Tests/Fixtures/fuzz/regressions.jsonl once fixed)"
        }
    }

    /// The regression cases of `file`, one JSON object a line (`#` lines are comments).
    public static func regressions(_ file: URL) -> [FuzzCase] {
        let text = (FileManager.default.contents(atPath: file.path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let fixtures = file.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("numeric")
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            FuzzCase(jsonLine: String(line), fixtures: fixtures) ?? FuzzCase(arguments: ["unreadable regression line: \(line.prefix(80))"])
        }
    }

    public static func run(
        runner: FuzzRunner, regressions file: URL, generator: FuzzGenerator, seconds: Double, inputs: Int, only: Int? = nil,
        progress: (String) -> Void = { _ in }
    ) -> Report {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let cases = only == nil ? regressions(file) : []
        for input in cases {
            if let failure = runner.check(input) {
                return Report(seed: generator.seed, regressions: cases.count, generated: 0, seconds: elapsed(), failure: failure)
            }
        }
        var count = 0
        let indices = only.map { $0...$0 } ?? 0...Int.max
        for index in indices {
            guard count < inputs, elapsed() < seconds else { break }
            let input = generator.input(index)
            count += 1
            if let failure = runner.check(input) {
                progress("failed at --seed \(generator.seed) --index \(index)\n")
                return Report(seed: generator.seed, regressions: cases.count, generated: count, seconds: elapsed(), failure: failure)
            }
            if count % 10_000 == 0 { progress("\(count) inputs, \(String(format: "%.0f", elapsed())) s\n") }
        }
        return Report(seed: generator.seed, regressions: cases.count, generated: count, seconds: elapsed(), failure: nil)
    }
}
