import CPUBackend
import Reports

/// `vitscope bench --gemm N`: times the CPU backend's matrix product.
///
/// `bench MODEL` (a whole forward pass) shares the options `--threads`, `--runs` and `--format`;
/// until the backend runs graphs it is a usage error that says so.
enum BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Time the CPU backend: the float32 matrix product (--gemm N); whole models are not available yet."
    static let usage = "vitscope bench --gemm N|MxKxN [--packed] [--threads N] [--runs N] [--format table|json]"
    static let options = [
        OptionSpec(name: "gemm", value: "N|MxKxN", help: "time C = A·B with A (M, K) and B (K, N); N alone is a square N³ product"),
        OptionSpec(name: "packed", value: nil, help: "pack B once before timing, as a linear layer's weight is (default: pack every run)"),
        OptionSpec(name: "threads", value: "N", help: "most threads per product (default: all \(Parallel.processorCount) processors)"),
        OptionSpec(name: "runs", value: "N", help: "timed runs after one warm-up run (default 5)"),
        ModelOptions.format([.table, .json]),
    ]
    static let discussion = """
        Reports the median and fastest run; GFLOP/s = 2·M·N·K / median seconds.
        example: vitscope bench --gemm 2048 --threads 2 --runs 7
        example: vitscope bench --gemm 197x384x1152 --packed --threads 1
        """
    /// The most floats A, B and C may hold together: three 8192² matrices, 768 MiB.
    static let maxFloats = 3 * 8192 * 8192

    static func run(_ args: ParsedArguments, console: Console) throws -> ExitCode {
        let threads = try args.integer("threads") ?? Parallel.processorCount
        guard (1...1024).contains(threads) else { throw UsageError(message: "--threads expects 1 to 1024, got \(threads)") }
        let runs = try args.integer("runs") ?? 5
        guard (1...10_000).contains(runs) else { throw UsageError(message: "--runs expects 1 to 10000, got \(runs)") }
        let format = try ModelOptions.outputFormat(args, [.table, .json])
        if let text = args.values["gemm"] {
            guard args.positional.isEmpty else { throw UsageError(message: "bench takes MODEL or --gemm, not both") }
            let shape = try gemmShape(text)
            return benchGEMM(shape, packed: args.flags.contains("packed"), threads: threads, runs: runs, format: format, console: console)
        }
        guard args.positional.count == 1 else { throw UsageError(message: "bench takes one MODEL or --gemm N") }
        throw UsageError(message: "benchmarking a model ('\(args.positional[0])') is not available yet; --gemm N times the matrix product")
    }

    /// `N` → (N, N, N); `MxKxN` → (M, K, N): positive sides whose A, B and C fit in `maxFloats`.
    static func gemmShape(_ text: String) throws(UsageError) -> (m: Int, k: Int, n: Int) {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 1 || parts.count == 3, parts.allSatisfy({ $0 != nil }) else {
            throw UsageError(message: "--gemm expects N or MxKxN (e.g. 2048 or 197x384x1152), got '\(text)'")
        }
        let sides = parts.map { $0! }
        guard sides.allSatisfy({ (1...maxFloats).contains($0) }) else {
            throw UsageError(message: "--gemm sides must be positive, got '\(text)'")
        }
        let (m, k, n) = sides.count == 1 ? (sides[0], sides[0], sides[0]) : (sides[0], sides[1], sides[2])
        // Each side ≤ maxFloats < 2³¹, so the products cannot overflow.
        guard m * k + k * n + m * n <= maxFloats else {
            throw UsageError(message: "--gemm '\(text)' needs more than \(maxFloats) floats (768 MiB) for A, B and C")
        }
        return (m, k, n)
    }

    static func benchGEMM(_ shape: (m: Int, k: Int, n: Int), packed: Bool, threads: Int, runs: Int,
                          format: OutputFormat, console: Console) -> ExitCode {
        let result = GEMM.benchmark(m: shape.m, n: shape.n, k: shape.k, runs: runs, threads: threads, prepacked: packed)
        switch format {
        case .json:
            let object = JSONText.object([
                ("gemm", .object([("m", .int(shape.m)), ("k", .int(shape.k)), ("n", .int(shape.n))])),
                ("packed", .bool(packed)), ("threads", .int(threads)), ("runs", .int(runs)),
                ("median_seconds", .double(result.medianSeconds)), ("min_seconds", .double(result.minSeconds)),
                ("gflops", .double(result.gflops)),
            ])
            console.out(object.rendered() + "\n")
        case .table, .markdown:
            var table = TextTable(headers: ["product", "B", "threads", "runs", "median ms", "min ms", "GFLOP/s"],
                                  alignments: [.left, .left, .right, .right, .right, .right, .right])
            let medianNanoseconds = max(1, Int((result.medianSeconds * 1e9).rounded()))
            let minNanoseconds = max(1, Int((result.minSeconds * 1e9).rounded()))
            table.append(["(\(shape.m), \(shape.k)) · (\(shape.k), \(shape.n))", packed ? "packed once" : "packed per run",
                          String(threads), String(runs), NumberFormat.scaled(medianNanoseconds, 1_000_000, decimals: 3),
                          NumberFormat.scaled(minNanoseconds, 1_000_000, decimals: 3),
                          NumberFormat.scaled(2 * shape.m * shape.n * shape.k, medianNanoseconds, decimals: 1)])
            console.out(table.text() + "GFLOP/s = 2·M·N·K / median; float32; one untimed warm-up run.\n")
        }
        return .success
    }
}
