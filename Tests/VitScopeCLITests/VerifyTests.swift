import Architectures
import CPUBackend
import Foundation
import Testing
import Verifying

@testable import Reports
@testable import VitScopeCLI

/// `vitscope verify`: exit codes, the summary line, and bad weight files named by tensor.
@Suite struct VerifyTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/numeric").standardizedFileURL

    /// The fixture's spec written to a temporary file, and the fixture's path.
    static func fixture(_ name: String) throws -> (spec: String, weights: String, file: SafetensorsFile) {
        let weights = fixtures.appendingPathComponent(name + ".safetensors").path
        let file = try SafetensorsFile(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: weights))))
        return (try temporarySpec(try #require(file.metadata["spec"])), weights, file)
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = try temporarySpec("", name: "weights.safetensors")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func referenceWeightsMatch() throws {
        let (spec, weights, _) = try Self.fixture("pit_p8s4_48")
        let result = vitscope("verify", spec, "--weights", weights, "--image-size", "48", "--num-classes", "10", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        #expect(result.out.contains("\"match\": true"))
        #expect(result.out.contains("\"params\": 20938"))
        #expect(result.out.contains("\"mismatches\": []"))
        #expect(result.out.contains("\"logits_relative_error\""))
    }

    /// timm's tiny Swin, its weights under timm's state_dict names.
    @Test func swinReferenceWeightsMatch() throws {
        let (spec, weights, _) = try Self.fixture("swin_p4w4_32_b2")
        let result = vitscope("verify", spec, "--weights", weights, "--batch", "2", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        #expect(result.err == "")
        #expect(result.out.contains("\"match\": true"))
        #expect(result.out.contains("\"input\": [2, 3, 32, 32]"))
        #expect(result.out.contains("\"params\": 10657"))
        #expect(result.out.contains("\"mismatches\": []"))
        #expect(result.out.contains("\"logits_relative_error\""))
    }

    /// At another size or batch the file's logits do not apply: they are skipped with a note,
    /// and the counts are still checked.
    @Test func otherInputSizeSkipsTheLogits() throws {
        let (spec, weights, _) = try Self.fixture("vit_p8_32")
        let result = vitscope("verify", spec, "--weights", weights, "--batch", "2", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        #expect(
            result.err == "note: \(weights): the file's reference input is 1×3×32×32 and this run's is 2×3×32×32, "
                + "so its logits are not compared; the counts are still checked on a random input\n")
        #expect(result.out.contains("\"match\": true"))
        #expect(result.out.contains("\"input\": [2, 3, 32, 32]"))
        #expect(!result.out.contains("logits_relative_error"))
    }

    @Test func differingLogitsFail() throws {
        let (spec, _, file) = try Self.fixture("vit_p8_32")
        var tensors: [(name: String, tensor: Tensor)] = []
        for entry in file.entries where entry.dtype == "F32" {
            let tensor = try file.tensor(entry.name)
            if entry.name == "vitscope.logits" { tensor.data[3] += 0.01 }
            tensors.append((entry.name, tensor))
        }
        let result = vitscope("verify", spec, "--weights", try Self.write(SafetensorsFile.encode(tensors)))
        #expect(result.code == .failure)
        #expect(result.out.contains("vit_p8_32: logits differ from the reference by "))
        #expect(result.out.contains("NO"))
    }

    @Test func badWeightFilesNameTheTensor() throws {
        let (spec, weights, file) = try Self.fixture("vit_p8_32")
        var tensors: [(name: String, tensor: Tensor)] = []
        for entry in file.entries where entry.dtype == "F32" && entry.name != "blocks.1.mlp.fc2.bias" {
            tensors.append((entry.name, try file.tensor(entry.name)))
        }
        let missing = vitscope("verify", spec, "--weights", try Self.write(SafetensorsFile.encode(tensors)))
        #expect(missing.code == .failure)
        #expect(missing.err.hasSuffix("tensor 'blocks.1.mlp.fc2.bias' is missing (node stage1/block1/mlp/fc2 needs bias of shape [48])\n"))
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: weights)))
        let truncated = vitscope("verify", spec, "--weights", try Self.write(Array(bytes.dropLast(100))))
        #expect(truncated.code == .failure)
        #expect(truncated.err.contains(": tensor 'vitscope.logits' needs bytes 550352..<550392 but the data section has 550372"))
        #expect(truncated.err.contains("the file is truncated"))
        let absent = vitscope("verify", spec, "--weights", "no/such.safetensors")
        #expect(absent.code == .failure)
        #expect(absent.err == "error: no/such.safetensors: no such file\n")
    }

    @Test(arguments: [
        (["verify"], "error: verify needs a MODEL or --all"),
        (["verify", "pit_s_224", "--all"], "error: give MODELs or --all, not both"),
        (["verify", "pit_s_224", "pit_ti_224", "--weights", "w.safetensors"], "error: --weights applies to exactly one MODEL"),
        (["verify", "pit_s_224", "--threads", "0"], "error: --threads expects a whole number from 1 to 1024, got 0"),
    ])
    func usageErrors(_ arguments: [String], _ firstLine: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == .usage)
        #expect(captured.err.split(separator: "\n").first.map(String.init) == firstLine)
    }
}

/// The text `verify` and the report pages print, exactly.
@Suite struct VerificationTextTests {
    static let spec = """
        {"name": "tiny", "family": "vit", "image_size": 16, "num_classes": 3,
         "config": {"patch_size": 8, "embed_dim": 8, "depth": 1, "num_heads": 2, "mlp_ratio": 2}}
        """

    @Test func tableAndPageSection() throws {
        let analysis = try ModelOptions.resolve(.named(try temporarySpec(Self.spec))).analyze()
        let outcome = try VerificationRun(analysis, seed: 0).execute(threads: 1)
        #expect(outcome.matches)
        #expect(outcome.verification.params == 2235)
        #expect(outcome.verification.params == analysis.summary.totals.params)
        #expect(outcome.verification.macs == analysis.summary.totals.macs)
        #expect(outcome.verification.elementwise == analysis.summary.totals.elementwise)
        #expect(
            VerificationReport.pageSection(outcome, command: "vitscope verify tiny") == """
                Run on the CPU by `vitscope verify tiny`: batch 1, input 3×16×16, random weights (seed 0). \
                **All \(outcome.verification.nodes) nodes match**: every node's output shape, parameter elements, MACs and \
                elementwise count, as the kernels counted them while running, equal the analytic figures above.

                Executed: 2,235 parameters, \(NumberFormat.grouped(analysis.summary.totals.macs)) MACs, \
                \(NumberFormat.grouped(analysis.summary.totals.elementwise)) elementwise operations.

                """)
        let row = VerificationReport.table([outcome]).rows[0]
        #expect(
            Array(row.prefix(7)) == [
                "tiny", "1×3×16×16", String(analysis.graph.nodes.count), "2,235",
                NumberFormat.grouped(analysis.summary.totals.macs), "-", "yes",
            ])
    }

    @Test func mismatchDetailsAndScientificNotation() throws {
        let analysis = try ModelOptions.resolve(.named(try temporarySpec(Self.spec))).analyze()
        let good = try VerificationRun(analysis, seed: 0).execute(threads: 1)
        let bad = VerificationOutcome(
            model: "tiny", input: [1, 3, 16, 16], verification: good.verification, seconds: 0,
            logitsError: 0.00123, tolerance: 1e-4)
        #expect(!bad.matches)
        #expect(VerificationReport.details([bad]) == "tiny: logits differ from the reference by 1.2e-3 (tolerance 1.0e-4)\n")
        #expect(VerificationReport.scientific(0) == "0")
        #expect(VerificationReport.scientific(42) == "4.2e1")
    }
}
