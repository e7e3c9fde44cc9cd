import Architectures
import CPUBackend
import Foundation
import Testing
import Verifying

@testable import Reports
@testable import VitScopeCLI

/// The faults a hostile but realistic user found, one test per class: each is an error with the
/// right exit code and an exact message, never a trap, a hang or a lost file.
@Suite struct OptionReaderTests {
    /// Every command reads whole-number and size options with one reader: out of range or
    /// malformed is a usage error (exit 2) with the same wording everywhere.
    @Test(arguments: [
        (["analyze", "pit_ti_224", "--batch", "0"], "--batch expects a whole number from 1 to 1048576, got 0"),
        (["sweep", "pit_ti_224", "--image-sizes", "224", "--batch", "0"], "--batch expects a whole number from 1 to 1048576, got 0"),
        (
            ["sweep", "pit_ti_224", "--image-sizes", "224", "--num-classes", "-1"],
            "--num-classes expects a whole number from 0 to 1000000, got -1"
        ),
        (["analyze", "pit_ti_224", "--num-classes", "-1"], "--num-classes expects a whole number from 0 to 1000000, got -1"),
        (["verify", "pit_ti_224", "--threads", "0"], "--threads expects a whole number from 1 to 1024, got 0"),
        (["bench", "pit_ti_224", "--threads", "1025"], "--threads expects a whole number from 1 to 1024, got 1025"),
        (["verify", "pit_ti_224", "--seed", "-1"], "--seed expects a whole number from 0 to 9223372036854775807, got -1"),
        (["analyze", "pit_ti_224", "--batch", "+2"], "--batch expects a whole number from 1 to 1048576, got '+2'"),
        (
            ["analyze", "pit_ti_224", "--batch", "99999999999999999999"],
            "--batch expects a whole number from 1 to 1048576, got 99999999999999999999"
        ),
        (["analyze", "pit_ti_224", "--image-size", "+224"], "--image-size expects N or HxW (e.g. 224 or 192x256), got '+224'"),
        (["analyze", "pit_ti_224", "--image-size", " 224"], "--image-size expects N or HxW (e.g. 224 or 192x256), got ' 224'"),
        (["analyze", "pit_ti_224", "--image-size", "70000"], "--image-size expects sides from 1 to 65536, got 70000"),
        (["analyze", "pit_ti_224", "--image-size", "0x224"], "--image-size expects sides from 1 to 65536, got 0x224"),
        (
            ["sweep", "pit_ti_224", "--image-sizes", "224:9223372036854775807:1"],
            "--image-sizes expects sides from 1 to 65536, got 9223372036854775807"
        ),
        (["sweep", "pit_ti_224", "--image-sizes", "224:256:+8"], "--image-sizes range '224:256:+8' needs a positive whole STEP"),
        (["formula", "pit_ti_224", "--batch", "2"], "--batch does not apply here: the closed forms hold for every batch B"),
        (["report", "--out", ""], "--out is given an empty value (DIR)"),
        (["specs", "--out", ""], "--out is given an empty value (DIR)"),
        (["verify", "pit_ti_224", "--weights", ""], "--weights is given an empty value (FILE)"),
    ])
    func badValuesAreUsageErrors(_ arguments: [String], _ message: String) {
        let result = VitScopeTestRun(arguments)
        #expect(result.code == .usage)
        #expect(result.firstErrorLine == "error: " + message)
        #expect(result.err.contains("\nusage: vitscope \(arguments[0]) "))
        #expect(result.out == "")
    }

    /// A range whose step would overflow stops at STOP.
    @Test func hugeStepStopsAtStop() {
        let result = vitscope("sweep", "pit_ti_224", "--image-sizes", "224:240:9223372036854775807", "--format", "csv")
        #expect(result.code == .success)
        #expect(result.out.split(separator: "\n").count == 2)
        #expect(result.out.split(separator: "\n")[1].hasPrefix("224,224,"))
    }

    @Test func helpVersionAndHelpOfACommand() {
        #expect(vitscope("help", "analyze") == (.success, AnalyzeCommand.entry.help, ""))
        #expect(vitscope("--version") == (.success, "vitscope \(VitScope.version)\n", ""))
        let unknown = vitscope("help", "analyse")
        #expect(unknown.code == .usage)
        #expect(unknown.err.hasPrefix("error: unknown command 'analyse'; did you mean 'analyze'?\n"))
    }
}

/// `vitscope` run with the test console, and the first line of its errors.
struct VitScopeTestRun {
    let code: ExitCode
    let out: String
    let err: String

    init(_ arguments: [String]) {
        let captured = Captured()
        code = VitScope.run(arguments, console: captured.console)
        out = captured.out
        err = captured.err
    }

    var firstErrorLine: String? { err.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) }
}

@Suite struct OutputWriterTests {
    /// Standard output on a full disk: exit 1 and one message on standard error, no trap.
    @Test func fullDiskIsAnErrorWithExitOne() throws {
        let full = open("/dev/full", O_WRONLY)
        try #require(full >= 0)
        defer { close(full) }
        let errPath = try temporarySpec("", name: "stderr.txt")
        let errFile = open(errPath, O_WRONLY | O_TRUNC)
        try #require(errFile >= 0)
        let code = VitScope.main(
            ["list"], stdout: FileOutput(descriptor: full, name: "standard output"),
            stderr: FileOutput(descriptor: errFile, name: "standard error"))
        close(errFile)
        #expect(code == 1)
        #expect(try String(contentsOfFile: errPath, encoding: .utf8) == "error: cannot write to standard output: No space left on device\n")
    }

    @Test func writesEveryByteAndKeepsTheFirstFailure() throws {
        let path = try temporarySpec("", name: "out.txt")
        let descriptor = open(path, O_WRONLY | O_TRUNC)
        let output = FileOutput(descriptor: descriptor, name: path)
        let text = String(repeating: "0123456789", count: 100_000)
        output.write(text)
        close(descriptor)
        #expect(output.failure == nil)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        output.write("after close")
        #expect(output.failure == "Bad file descriptor")
    }
}

@Suite struct NonFiniteTests {
    @Test func nonFiniteFiguresPrintAsSuch() {
        #expect(VerificationReport.scientific(.infinity) == "inf")
        #expect(VerificationReport.scientific(.nan) == "nan")
        #expect(VerificationReport.scientific(Float(1e-4)) == "1.0e-4")
    }

    /// Reference logits of NaN: the check fails in every format, promptly.
    @Test(arguments: ["table", "json"])
    func nanLogitsFailTheCheck(_ format: String) throws {
        let (spec, _, file) = try VerifyTests.fixture("vit_p8_32")
        var tensors: [(name: String, tensor: Tensor)] = []
        for entry in file.entries where entry.dtype == "F32" {
            let tensor = try file.tensor(entry.name)
            if entry.name == "vitscope.logits" { tensor.data[0] = .nan }
            tensors.append((entry.name, tensor))
        }
        let weights = try VerifyTests.write(SafetensorsFile.encode(tensors, metadata: file.metadata))
        let result = vitscope("verify", spec, "--weights", weights, "--format", format, "--threads", "1")
        #expect(result.code == .failure)
        if format == "json" {
            #expect(result.out.contains("\"logits_relative_error\": \"inf\""))
            #expect(result.out.contains("\"match\": false"))
        } else {
            #expect(result.out.contains("rel. error inf"))
            #expect(result.out.contains("logits differ from the reference by inf (tolerance 1.0e-4)\n"))
        }
    }
}

@Suite struct MemoryCheckTests {
    static let spec = """
        {"name": "tiny", "family": "vit", "image_size": 16, "num_classes": 10,
         "config": {"patch_size": 8, "embed_dim": 16, "depth": 1, "num_heads": 2}}
        """

    /// The estimate made before running is what the run then measures, to the byte.
    @Test(arguments: [1, 3])
    func estimateEqualsWhatTheRunMeasures(_ batch: Int) throws {
        let analysis = try SpecDecoder.decode(Self.spec).analyze(Overrides(batch: batch))
        let estimate = try MemoryEstimate(graph: analysis.graph)
        let weights = try Weights.random(for: analysis.graph, seed: 0)
        let execution = try Interpreter(graph: analysis.graph, weights: weights)
            .run(Tensor.random([batch, 3, 16, 16], seed: 1), threads: 1)
        #expect(estimate.parameterBytes == 4 * weights.elements)
        #expect(estimate.peakActivationBytes == 4 * execution.peakActivationElements)
        #expect(estimate.parameterBytes == 4 * analysis.summary.totals.params)
    }

    @Test func shortfallNamesBothFigures() throws {
        let estimate = try MemoryEstimate(graph: try SpecDecoder.decode(Self.spec).analyze().graph)
        #expect(estimate.shortfall(available: estimate.totalBytes) == nil)
        #expect(
            estimate.shortfall(available: 1000)
                == "needs \(MemoryEstimate.describe(estimate.totalBytes)): \(MemoryEstimate.grouped(estimate.parameterBytes)) "
                + "of parameters and \(MemoryEstimate.grouped(estimate.peakActivationBytes)) of activations alive at once; "
                + "1,000 bytes (1.0 KiB) available")
        #expect(MemoryEstimate.describe(9_332_513_561_248) == "9,332,513,561,248 bytes (8691.6 GiB)")
    }

    /// A run that cannot fit is refused before anything is allocated, for verify and bench.
    /// With fused attention reading q, k and v in place, and GELU in fc1's store, the largest
    /// set alive is in PiT-Ti's first stage (730 tokens of 64 channels) at an MLP's first layer:
    /// the residual stream, the LayerNorm's output it reads and its 256-wide output,
    /// 4 × 730 × (64 + 64 + 256) = 1,121,280 bytes per image (1,308,160 while the slices were copied).
    @Test(arguments: ["verify", "bench"])
    func oversizedRunIsRefused(_ command: String) {
        let result = vitscope(command, "pit_ti_224", "--batch", "1048576")
        #expect(result.code == .failure)
        let perImage: Int = 4 * 730 * (64 + 64 + 256)
        #expect(1_048_576 * perImage == 1_175_747_297_280)
        let prefix =
            "error: pit_ti_224: at batch 1048576 and 224×224 the forward pass needs 1,175,766,686,368 bytes (1095.0 GiB): "
            + "19,389,088 of parameters and 1,175,747,297,280 of activations alive at once; "
        #expect(result.err.hasPrefix(prefix))
        #expect(result.err.hasSuffix(" available; use a smaller batch or image size, or --no-memory-check to run anyway\n"))
        #expect(result.out == "")
    }
}

@Suite struct SpecMessageTests {
    /// Thousands of unknown keys: ten named, then how many more.
    @Test func unknownKeysAreCapped() throws {
        let keys = (0..<25).map { "\"extra\($0)\": 1" }.joined(separator: ", ")
        let text = """
            {"name": "x", "family": "vit", "image_size": 16,
             "config": {"patch_size": 8, "embed_dim": 16, "depth": 1, "num_heads": 2, \(keys)}}
            """
        let problems = try #require(throws: SpecError.self) { try SpecDecoder.decode(text) }.problems
        #expect(problems.count == 11)
        #expect(problems.prefix(10).allSatisfy { $0.message == "unknown key" })
        #expect(problems[10].field == "config")
        #expect(problems[10].message == "15 more unknown keys")
    }

    /// An overflow blames the widths, and the batch only when it is above 1.
    @Test func overflowBlamesWhatIsLarge() throws {
        let text = """
            {"name": "wide", "family": "vit", "image_size": 1024,
             "config": {"patch_size": 16, "embed_dim": 65536, "depth": 1000, "num_heads": 65536, "mlp_ratio": 1024.0}}
            """
        let error = try #require(throws: SpecError.self) { try SpecDecoder.decode(text).analyze() }
        #expect(
            error.problems.map(\.description) == [
                "stage1: counts at batch 1 and 1024×1024 do not fit in a 64-bit integer; use smaller widths in the config or a smaller image size"
            ])
    }
}

@Suite struct SafetensorsOverflowTests {
    /// A header whose shape times the dtype size overflows: an error, not a trap.
    @Test func hugeShapeIsAnError() {
        let header = #"{"t":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}"#
        var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian, Array.init)
        bytes += Array(header.utf8)
        #expect(throws: WeightsError(tensor: "t", "has shape [4611686018427387904] of F32, more bytes than a 64-bit integer holds")) {
            try SafetensorsFile(bytes: bytes)
        }
    }
}
