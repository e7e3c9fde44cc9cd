import Foundation
import Testing

@testable import VitScopeCLI

@Suite("bench")
struct BenchCommandTests {
    @Test func gemmJSONReportsTheShapeAndConsistentRates() throws {
        let result = vitscope("bench", "--gemm", "48", "--runs", "3", "--threads", "1", "--format", "json")
        #expect(result.code == .success)
        #expect(result.err == "")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["gemm"] as? [String: Int] == ["m": 48, "k": 48, "n": 48])
        #expect(object["packed"] as? Bool == false)
        #expect(object["threads"] as? Int == 1)
        #expect(object["runs"] as? Int == 3)
        let median = try #require(object["median_seconds"] as? Double)
        let fastest = try #require(object["min_seconds"] as? Double)
        let gflops = try #require(object["gflops"] as? Double)
        #expect(fastest <= median)
        // GFLOP/s is 2·m·n·k over the median.
        #expect(abs(gflops * median * 1e9 - 2 * 48 * 48 * 48) <= 1e-6 * 2 * 48 * 48 * 48)
        // The fraction of the FMA peak measured after the runs.
        let peak = try #require(object["peak_gflops"] as? Double)
        #expect(peak > 0)
        #expect(abs(try #require(object["fraction_of_peak"] as? Double) - gflops / peak) <= 1e-12)
    }

    /// `--peak` reports the FMA chains' rate on the threads asked for; it takes no MODEL or --gemm.
    @Test func peakReportsTheChainsRate() throws {
        let result = vitscope("bench", "--peak", "--threads", "2", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let peak = try #require(object["peak_gflops"] as? Double)
        #expect(peak > 0)
        #expect(object["threads"] as? Int == 2)
        #expect(abs(try #require(object["per_thread_gflops"] as? Double) - peak / 2) <= 1e-9 * peak)
        #expect(object["lanes_per_chain"] as? Int == 16)
        let table = vitscope("bench", "--peak", "--threads", "1")
        #expect(table.out.hasPrefix("threads  GFLOP/s  per thread\n"))
        #expect(table.out.contains("independent 16-lane chains per thread"))
        let both = vitscope("bench", "--peak", "--gemm", "48")
        #expect(both.code == .usage)
        #expect(both.err.hasPrefix("error: bench takes MODEL, --gemm or --peak, one of them\n"))
    }

    @Test func gemmShapesMayBeLongAndThin() throws {
        #expect(try BenchCommand.gemmShape("12544x147x64") == (12544, 147, 64))
        #expect(try BenchCommand.gemmShape("8192") == (8192, 8192, 8192))
        #expect(try BenchCommand.gemmShape("1x100000000x1") == (1, 100_000_000, 1))
    }

    @Test func gemmTableNamesTheProduct() {
        let result = vitscope("bench", "--gemm", "3x5x7", "--packed", "--runs", "1", "--threads", "2")
        #expect(result.code == .success)
        #expect(result.out.contains("(3, 5) · (5, 7)"))
        #expect(result.out.contains("packed once"))
        #expect(result.out.contains("GFLOP/s = 2·M·N·K / median"))
    }

    @Test(arguments: [
        (["bench"], "bench takes one MODEL or --gemm N"),
        (["bench", "--gemm", "0"], "--gemm sides must be positive, got '0'"),
        (["bench", "--gemm", "5x-1x5"], "--gemm sides must be positive, got '5x-1x5'"),
        (["bench", "--gemm", "8193"], "--gemm '8193' needs more than 201326592 floats (768 MiB) for A, B and C"),
        (["bench", "--gemm", "2x3"], "--gemm expects N or MxKxN (e.g. 2048 or 197x384x1152), got '2x3'"),
        (["bench", "--gemm", "64", "--threads", "0"], "--threads expects a whole number from 1 to 1024, got 0"),
        (["bench", "--gemm", "64", "--runs", "-1"], "--runs expects a whole number from 1 to 10000, got -1"),
        (["bench", "--gemm", "64", "--format", "csv"], "--format expects one of table, json, got 'csv'"),
        (["bench", "pit_s_224", "--gemm", "64"], "bench takes MODEL or --gemm, not both"),
        (["bench", "pit_s_224", "pit_ti_224"], "bench takes one MODEL or --gemm N"),
    ])
    func badCommandLinesAreUsageErrors(arguments: [String], message: String) {
        let captured = Captured()
        let code = VitScope.run(arguments, console: captured.console)
        #expect(code == .usage)
        #expect(captured.err.hasPrefix("error: \(message)\nusage: vitscope bench"))
        #expect(captured.out == "")
    }

    @Test func helpDescribesTheOptions() {
        let result = vitscope("bench", "--help")
        #expect(result.code == .success)
        #expect(result.out.contains("usage: vitscope bench MODEL|--vit-pytorch CALL|--timm CALL [--batch N]"))
        #expect(result.out.contains("       vitscope bench --gemm N|MxKxN"))
        for option in ["--gemm N|MxKxN", "--packed", "--threads N", "--runs N", "--format table|json"] {
            #expect(result.out.contains(option))
        }
    }

    @Test func timesAModelsForwardPass() throws {
        let spec = try temporarySpec(
            """
            {"name": "tiny", "family": "vit", "image_size": 32, "num_classes": 10,
             "config": {"patch_size": 8, "embed_dim": 16, "depth": 1, "num_heads": 2}}
            """)
        let result = vitscope("bench", spec, "--batch", "2", "--runs", "3", "--threads", "1", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        let analysis = vitscope("analyze", spec, "--batch", "2", "--format", "json")
        // The executed MACs are the analytic ones.
        let macs = try #require(analysis.out.split(separator: "\n").first { $0.contains("\"macs\"") })
        #expect(result.out.contains(macs.trimmingCharacters(in: .whitespaces)))
        for key in [
            "\"model\": \"tiny\"", "\"batch\": 2", "\"threads\": 1", "\"runs\": 3", "\"median_seconds\"",
            "\"min_seconds\"", "\"gflops\"", "\"parameter_bytes\": 27432",
            // The largest live set is at the patch embedding: the 2×3×32×32 image and its
            // 2×16×4×4 output, 6144 + 512 floats.
            "\"peak_activation_bytes\": 26624",
        ] {
            #expect(result.out.contains(key))
        }
    }

    /// A training step's executed work, counted by the kernels' loops, is what `train`'s
    /// analysis says for the same step; the memory figures are the parameters', gradients',
    /// AdamW's two moments and the kept tensors'.
    @Test func timesATrainingStep() throws {
        let spec = try temporarySpec(
            """
            {"name": "tiny", "family": "vit", "image_size": 32, "num_classes": 10,
             "config": {"patch_size": 8, "embed_dim": 16, "depth": 1, "num_heads": 2}}
            """)
        let result = vitscope("bench", spec, "--train", "--batch", "2", "--runs", "2", "--threads", "1", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        let bench = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let train = vitscope("train", spec, "--batch", "2", "--format", "json")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(train.out.utf8)) as? [String: Any])
        let training = try #require(plan["training"] as? [String: Any]), memory = try #require(plan["memory"] as? [String: Any])
        for (executed, analysed) in [
            ("forward_macs", training["forward_macs"]), ("backward_macs", training["backward_macs"]),
            ("recompute_macs", training["recompute_macs"]), ("saved_activations_bytes", memory["saved_activations_bytes"]),
            ("parameter_bytes", memory["parameters_bytes"]), ("gradient_bytes", memory["gradients_bytes"]),
            ("optimizer_bytes", memory["optimizer_bytes"]),
        ] {
            let value = try #require(bench[executed] as? Int, "\(executed)")
            #expect(value == analysed as? Int, "\(executed)")
            #expect(value > 0 || executed == "recompute_macs")
        }
        #expect(bench["parameter_bytes"] as? Int == 27432)
        #expect(bench["optimizer_bytes"] as? Int == 2 * 27432)
        #expect(bench["attention"] as? String == "fused" && bench["optimizer"] as? String == "adamw")
        #expect(bench["runs"] as? Int == 2)
        let loss = try #require(bench["loss"] as? Double)
        #expect(loss.isFinite && loss > 0)
        for key in ["median_seconds", "forward_median_seconds", "backward_median_seconds", "optimizer_median_seconds"] {
            #expect((bench[key] as? Double ?? 0) > 0, "\(key)")
        }
    }

    /// The CPU backend trains in float32: bench takes no --precision.
    @Test func trainingOptionsNeedTrain() throws {
        let result = vitscope("bench", "pit_ti_224", "--optimizer", "sgd")
        #expect(result.code == .usage)
        #expect(result.err.hasPrefix("error: --optimizer applies to --train\n"))
        #expect(vitscope("bench", "pit_ti_224", "--train", "--precision", "bf16").code == .usage)
        #expect(vitscope("bench", "pit_ti_224", "--train", "--optimizer", "lion").code == .usage)
        let spec = try temporarySpec(
            """
            {"name": "tiny", "family": "vit", "image_size": 32, "num_classes": 10,
             "config": {"patch_size": 8, "embed_dim": 16, "depth": 1, "num_heads": 2}}
            """)
        let table = vitscope("bench", spec, "--train", "--optimizer", "sgd-momentum", "--runs", "1", "--profile")
        #expect(table.code == .success, "\(table.err)")
        #expect(table.out.contains("sgd-momentum update; fused attention"))
        #expect(table.out.contains("op  ") && table.out.contains("backward ms"))
    }
}
