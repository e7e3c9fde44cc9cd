import Foundation
import Testing

@testable import VitScopeCLI

/// `vitscope train`, `sweep --train` and `compare --train`: every option, every error, the JSON
/// keys, and a step small enough to add up by hand.
@Suite("train")
struct TrainCommandTests {
    /// A one-block ViT on a 32×32 image: 5 tokens of width 8, 2 heads, an MLP of 16, 3 classes
    /// (the step ArchitecturesTests' TrainingMemoryTests adds up node by node).
    static let tinyViT = """
        {"name": "tiny_vit", "family": "vit", "image_size": 32, "num_classes": 3,
         "config": {"patch_size": 16, "embed_dim": 8, "depth": 1, "num_heads": 2, "mlp_ratio": 2.0}}
        """

    static func json(_ arguments: [String]) throws -> (code: ExitCode, object: [String: Any]) {
        let captured = Captured()
        let code = VitScope.run(arguments, console: captured.console)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(captured.out.utf8)) as? [String: Any], "\(captured.err)")
        return (code, object)
    }

    static func run(_ arguments: [String]) -> (code: ExitCode, out: String, err: String) {
        let captured = Captured()
        let code = VitScope.run(arguments, console: captured.console)
        return (code, captured.out, captured.err)
    }

    /// Batch 2, float32, fused attention, AdamW: 6,843 parameters (patch conv 6,152, class token 8,
    /// positions 40, norms 3 × 16, qkv 216, proj 72, fc1 144, fc2 136, classifier 27) are 27,372 B
    /// of weights, as many of gradients and twice as many of AdamW state; 4,800 B are saved
    /// (4,080 in stage 1, 720 in the head) and the backward peaks at fc2 with 4,080 B still kept
    /// and 1,280 B of gradients: 27,372 + 27,372 + 54,744 + 5,360 = 114,848 B.
    @Test func jsonCarriesTheBreakdown() throws {
        let spec = try temporarySpec(Self.tinyViT)
        let (code, object) = try Self.json(["train", spec, "--batch", "2", "--memory", "1MiB", "--reserve", "0", "--format", "json"])
        #expect(code == .success)
        let memory = try #require(object["memory"] as? [String: Any])
        #expect(memory["parameters_bytes"] as? Int == 27372)
        #expect(memory["gradients_bytes"] as? Int == 27372)
        #expect(memory["optimizer_bytes"] as? Int == 54744)
        #expect(memory["saved_activations_bytes"] as? Int == 4800)
        #expect(memory["peak_activations_bytes"] as? Int == 5360)
        #expect(memory["peak_bytes"] as? Int == 114_848)
        #expect(memory["peak_phase"] as? String == "backward")
        #expect(memory["peak_node"] as? String == "stage1/block0/mlp/fc2")
        #expect(memory["reserve_bytes"] as? Int == 0)
        // At batch 2: the patch conv 2 · 4 · 768 · 8, the block 2 · 2960, the classifier 2 · 24.
        let training = try #require(object["training"] as? [String: Any])
        #expect(training["forward_macs"] as? Int == 55120)
        #expect(training["backward_macs"] as? Int == 61088)
        #expect(training["backward_input_gradient_macs"] as? Int == 6768)
        #expect(training["backward_weight_gradient_macs"] as? Int == 54320)
        // Fused attention recomputes q·kᵀ in its backward: 2 · 5 · 5 · 8 at batch 2.
        #expect(training["recompute_macs"] as? Int == 400)
        #expect((training["per_image"] as? [String: Any])?["flops"] as? Int == 2 * (55120 + 61088 + 400) / 2)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["name"] as? String } == ["embed", "stage1", "head"])
        #expect(stages.map { $0["saved_activations_bytes"] as? Int } == [0, 4080, 720])
        let target = try #require(object["target"] as? [String: Any])
        #expect(target["available_bytes"] as? Int == 1_048_576)
        #expect(target["fits"] as? Bool == true)
        #expect(target["margin_bytes"] as? Int == 1_048_576 - 114_848)
        let setup = try #require(object["setup"] as? [String: Any])
        #expect(setup["attention"] as? String == "fused")
        #expect(setup["precision"] as? String == "fp32")
        #expect(setup["optimizer"] as? String == "adamw")
        #expect((object["fits"] as? [[String: Any]])?.count == 5)
        #expect((object["assumptions"] as? [String])?.isEmpty == false)
    }

    @Test func csvIsOneRowPerStageAndATotal() throws {
        let spec = try temporarySpec(Self.tinyViT)
        let result = Self.run(["train", spec, "--batch", "2", "--format", "csv"])
        #expect(result.code == .success)
        #expect(
            result.out == """
                stage,kind,grid,tokens,forward_macs,backward_input_gradient_macs,backward_weight_gradient_macs,recompute_macs,saved_activations_bytes
                embed,embed,2x2,5,49152,0,49152,0,0
                stage1,transformer,2x2,5,5920,6720,5120,400,4080
                head,head,,,48,48,48,0,720
                total,,,,55120,6768,54320,400,4800

                """)
    }

    /// The activations grow 2,680 B per image on 109,488 B of persistent state: 1 MiB holds
    /// ⌊(1,048,576 − 109,488) / 2,680⌋ = 350 images, and 351 need 1,050,168 B.
    @Test func maxBatchIsTheBoundary() throws {
        let spec = try temporarySpec(Self.tinyViT)
        let (code, object) = try Self.json(["train", spec, "--max-batch", "--memory", "1MiB", "--reserve", "0", "--format", "json"])
        #expect(code == .success)
        let max = try #require(object["max_batch"] as? [String: Any])
        #expect(max["max_batch"] as? Int == 350)
        #expect(max["peak_bytes"] as? Int == 1_047_488)
        #expect(max["next_peak_bytes"] as? Int == 1_050_168)
        #expect((object["input"] as? [String: Any])?["batch"] as? Int == 350)
        let text = Self.run(["train", spec, "--max-batch", "--memory", "1MiB", "--reserve", "0"])
        #expect(
            text.out.hasPrefix(
                "largest batch per GPU that fits the 1,048,576 B of memory (1,048,576 B available): batch 350 (peak 1,047,488 B; "
                    + "batch 351 would need 1,050,168 B)\n"))
    }

    /// 100,000 B hold less than the 109,488 B of weights, gradients and AdamW state; without
    /// AdamW's 54,744 B, ⌊(100,000 − 54,744) / 2,680⌋ = 16 images fit. Checkpointing and bf16
    /// keep the float32 state, so they are not offered.
    @Test func maxBatchWhenOneDoesNotFitSaysWhatWould() throws {
        let spec = try temporarySpec(Self.tinyViT)
        let result = Self.run(["train", spec, "--max-batch", "--memory", "100KB", "--reserve", "0"])
        #expect(result.code == .failure)
        #expect(result.out == "")
        #expect(
            result.err == "error: batch 1 does not fit the 100,000 B of memory: its peak is 112,168 B and 100,000 B are available "
                + "after the reserve; it would fit with --optimizer sgd, which keeps no state (up to batch 16)\n")
    }

    @Test func maxBatchOnEveryGPU() throws {
        let (code, object) = try Self.json(["train", "pit_ti_224", "--max-batch", "--format", "json"])
        #expect(code == .success)
        let rows = try #require(object["max_batch"] as? [[String: Any]])
        #expect(rows.map { $0["gpu"] as? String } == ["v100", "a100-40gb", "a100-80gb", "h100", "h200"])
        #expect(rows.map { $0["available_bytes"] as? Int } == [31, 39, 79, 79, 140].map { $0 << 30 })
        for row in rows {
            let available = try #require(row["available_bytes"] as? Int)
            #expect(try #require(row["peak_bytes"] as? Int) <= available)
            #expect(try #require(row["next_peak_bytes"] as? Int) > available)
        }
    }

    /// The request of the design brief: ViT-B/16 at 384×384, batch 64, bf16, on an A100 40GB.
    @Test func vitBase384OnA100() throws {
        let arguments = [
            "train", "vit_base_patch16_224", "--image-size", "384", "--batch", "64", "--precision", "bf16", "--gpu", "a100-40gb",
        ]
        let result = Self.run(arguments)
        #expect(result.code == .success)
        #expect(result.err == "")
        let lines = result.out.split(separator: "\n").map(String.init)
        // timm's ViT-B/16 at 384: 86,859,496 parameters; float32 weights and gradients, AdamW's two moments.
        #expect(lines.contains { $0.hasPrefix("parameters            347,437,984   0.32  86,859,496 params × 4 B") })
        #expect(lines.contains { $0.hasPrefix("gradients             347,437,984   0.32") })
        #expect(lines.contains { $0.hasPrefix("optimizer state       694,875,968   0.65  AdamW") })
        #expect(lines.contains { $0.hasPrefix("saved activations") })
        let verdict = try #require(
            lines.first { $0.hasPrefix("A100 40GB: 40.00 GiB − 1 GiB reserve = 39.00 GiB available for a peak of ") })
        #expect(verdict.contains(": fits, "))
        let (_, object) = try Self.json(arguments + ["--format", "json"])
        let memory = try #require(object["memory"] as? [String: Any])
        let parts = ["parameters_bytes", "gradients_bytes", "optimizer_bytes", "peak_activations_bytes"].compactMap { memory[$0] as? Int }
        #expect(parts.count == 4)
        #expect(memory["peak_bytes"] as? Int == parts.reduce(0, +))
        let target = try #require(object["target"] as? [String: Any])
        #expect(target["available_bytes"] as? Int == 39 << 30)
        #expect(target["margin_bytes"] as? Int == (39 << 30) - parts.reduce(0, +))
        #expect((object["input"] as? [String: Any])?["height"] as? Int == 384)
    }

    @Test func attentionDefaultsFollowTheReference() throws {
        for (model, attention) in [
            ("vit_small_patch16_224", "fused"), ("pit_ti_224", "fused"), ("swin_tiny_patch4_window7_224", "fused"),
            ("t2t_vit_7", "eager"), ("cvt_13", "eager"),
        ] {
            let (_, object) = try Self.json(["train", model, "--format", "json"])
            #expect((object["setup"] as? [String: Any])?["attention"] as? String == attention, "\(model)")
        }
        let call = "ViT(image_size=32, patch_size=16, num_classes=3, dim=8, depth=1, heads=2, mlp_dim=16)"
        let (_, object) = try Self.json(["train", "--vit-pytorch", call, "--format", "json"])
        #expect((object["setup"] as? [String: Any])?["attention"] as? String == "eager")
        let (_, timm) = try Self.json(["train", "--timm", "create_model('vit_tiny_patch16_224')", "--format", "json"])
        #expect((timm["setup"] as? [String: Any])?["attention"] as? String == "fused")
    }

    @Test func optionsReachTheStep() throws {
        let spec = try temporarySpec(Self.tinyViT)
        let (_, object) = try Self.json([
            "train", spec, "--batch", "2", "--precision", "fp16", "--attention", "eager", "--autocast", "cpu", "--optimizer",
            "sgd-momentum",
            "--checkpoint", "blocks", "--epochs", "3", "--images", "1000", "--gpus", "4", "--utilization", "0.5", "--gpu", "h100",
            "--format", "json",
        ])
        let setup = try #require(object["setup"] as? [String: Any])
        #expect(setup["precision"] as? String == "fp16")
        #expect(setup["attention"] as? String == "eager")
        #expect(setup["autocast"] as? String == "cpu")
        #expect(setup["optimizer"] as? String == "sgd-momentum")
        #expect(setup["checkpoint"] as? String == "blocks")
        #expect((object["memory"] as? [String: Any])?["optimizer_bytes"] as? Int == 27372)
        let run = try #require(object["run"] as? [String: Any])
        #expect(run["epochs"] as? Int == 3)
        #expect(run["images_per_epoch"] as? Int == 1000)
        #expect(run["gpus"] as? Int == 4)
        #expect(run["utilization"] as? Double == 0.5)
        // The block's forward again is 2 · 2960 MACs at batch 2.
        #expect((object["training"] as? [String: Any])?["recompute_macs"] as? Int == 5920)
        let cost = try #require((object["cost"] as? [[String: Any]])?.first)
        #expect(cost["gpu"] as? String == "h100")
        #expect(cost["peak_flops"] as? Double == 989.4e12)
        // FLOPs per image × 3 × 1000 over 989.4 TFLOP/s at 0.5, in hours, on 4 GPUs.
        let flops = try #require(((object["training"] as? [String: Any])?["per_image"] as? [String: Any])?["flops"] as? Int)
        let gpuHours = Double(flops) * 3000 / (989.4e12 * 0.5) / 3600
        #expect(abs(try #require(cost["gpu_hours"] as? Double) - gpuHours) <= 1e-12 * gpuHours)
        #expect(abs(try #require(cost["hours"] as? Double) - gpuHours / 4) <= 1e-12 * gpuHours)
        #expect((object["target"] as? [String: Any])?["gpu"] as? String == "h100")
    }

    @Test func memorySizesTakeTheirUnits() throws {
        #expect(try ByteSize.parse("40GiB", option: "memory") == 40 << 30)
        #expect(try ByteSize.parse("40gb", option: "memory") == 40_000_000_000)
        #expect(try ByteSize.parse("512MiB", option: "memory") == 512 << 20)
        #expect(try ByteSize.parse("500MB", option: "memory") == 500_000_000)
        #expect(try ByteSize.parse("1.5GiB", option: "memory") == 3 << 29)
        #expect(try ByteSize.parse("0", option: "reserve") == 0)
        #expect(try ByteSize.parse("0GiB", option: "reserve") == 0)
        #expect(try ByteSize.parse("1024B", option: "memory") == 1024)
    }

    @Test func doesNotFitIsExitOneWithTheReportPrinted() throws {
        let result = Self.run(["train", "vit_base_patch16_224", "--batch", "1024", "--gpu", "v100"])
        #expect(result.code == .failure)
        #expect(result.out.contains("V100 32GB: 32.00 GiB − 1 GiB reserve = 31.00 GiB available for a peak of "))
        #expect(result.err.hasPrefix("error: batch 1024 does not fit the V100 32GB: peak "))
        #expect(result.err.hasSuffix(" GiB, 31.00 GiB available after the reserve\n"))
    }

    @Test func fitsNoGPUSaysByHowMuchItMissesTheLargest() throws {
        let result = Self.run(["train", "vit_base_patch16_224", "--batch", "16384", "--format", "json"])
        #expect(result.code == .failure)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let peak = try #require((object["memory"] as? [String: Any])?["peak_bytes"] as? Int)
        let short = peak - 140 << 30
        #expect(
            result.err == "error: batch 16384 fits no GPU of the table: its peak of \(gib(peak)) misses the largest, the H200 "
                + "(141.00 GiB − 1 GiB reserve), by \(gib(short))\n")
    }

    func gib(_ bytes: Int) -> String { String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }

    @Test(arguments: [
        (["train"], "error: train needs a MODEL"),
        (["train", "pit_s_224", "vit_small_patch16_224"], "error: train takes one MODEL; use compare --train for several"),
        (["train", "pit_s_224", "--precision", "fp8"], "error: --precision expects one of fp32, bf16, fp16, got 'fp8'"),
        (["train", "pit_s_224", "--attention", "flash"], "error: --attention expects one of fused, eager, got 'flash'"),
        (["train", "pit_s_224", "--autocast", "mps"], "error: --autocast expects one of cuda, cpu, got 'mps'"),
        (["train", "pit_s_224", "--optimizer", "adam"], "error: --optimizer expects one of adamw, sgd, sgd-momentum, got 'adam'"),
        (["train", "pit_s_224", "--checkpoint", "all"], "error: --checkpoint expects one of none, blocks, got 'all'"),
        (
            ["train", "pit_s_224", "--gpu", "a100"],
            "error: --gpu 'a100' is not a GPU of the table (v100, a100-40gb, a100-80gb, h100, h200); it could be 'a100-40gb' or 'a100-80gb'"
        ),
        (
            ["train", "pit_s_224", "--gpu", "h2000"],
            "error: --gpu 'h2000' is not a GPU of the table (v100, a100-40gb, a100-80gb, h100, h200); did you mean 'h200'?"
        ),
        (
            ["train", "pit_s_224", "--precision", "bf16", "--gpu", "V100"],
            "error: --precision bf16 on the V100 32GB: Volta has no bfloat16 arithmetic; use --precision fp16 or fp32"
        ),
        (["train", "pit_s_224", "--gpu", "h100", "--memory", "40GiB"], "error: --gpu and --memory both name the memory; give one"),
        (["train", "pit_s_224", "--memory", "40"], "error: --memory expects a size such as 40GiB, 40GB, 512MiB or 0, got '40'"),
        (["train", "pit_s_224", "--memory", "4.0.0GB"], "error: --memory expects a size such as 40GiB, 40GB, 512MiB or 0, got '4.0.0GB'"),
        (["train", "pit_s_224", "--memory", "-4GB"], "error: --memory expects a size such as 40GiB, 40GB, 512MiB or 0, got '-4GB'"),
        (["train", "pit_s_224", "--memory", "0GB"], "error: --memory must be more than 0, got '0GB'"),
        (
            ["train", "pit_s_224", "--memory", "99999999999TiB"],
            "error: --memory '99999999999TiB' is more bytes than a 64-bit integer holds"
        ),
        (["train", "pit_s_224", "--reserve", "lots"], "error: --reserve expects a size such as 40GiB, 40GB, 512MiB or 0, got 'lots'"),
        (
            ["train", "pit_s_224", "--reserve", "40GiB", "--gpu", "a100-40gb"],
            "error: --reserve 40GiB leaves nothing of the A100 40GB's 40.00 GiB; give a smaller --reserve"
        ),
        (["train", "pit_s_224", "--batch", "0"], "error: --batch expects a whole number from 1 to 1048576, got 0"),
        (["train", "pit_s_224", "--epochs", "0"], "error: --epochs expects a whole number from 1 to 1000000, got 0"),
        (["train", "pit_s_224", "--images", "0"], "error: --images expects a whole number from 1 to 1000000000000, got 0"),
        (["train", "pit_s_224", "--gpus", "0"], "error: --gpus expects a whole number from 1 to 1000000, got 0"),
        (["train", "pit_s_224", "--utilization", "0"], "error: --utilization expects a number above 0 and at most 1 (e.g. 0.4), got '0'"),
        (
            ["train", "pit_s_224", "--utilization", "1.5"],
            "error: --utilization expects a number above 0 and at most 1 (e.g. 0.4), got '1.5'"
        ),
        (
            ["train", "pit_s_224", "--utilization", "40%"],
            "error: --utilization expects a number above 0 and at most 1 (e.g. 0.4), got '40%'"
        ),
        (
            ["train", "pit_s_224", "--utilization", "nan"],
            "error: --utilization expects a number above 0 and at most 1 (e.g. 0.4), got 'nan'"
        ),
        (["train", "pit_s_224", "--max-batch", "--batch", "8"], "error: --max-batch searches for the batch; give no --batch"),
        (["train", "pit_s_224", "--calibration"], "error: --calibration takes no MODEL"),
        (["train", "pit_s_224", "--format", "xml"], "error: --format expects one of table, markdown, json, csv, got 'xml'"),
        (["sweep", "pit_s_224", "--image-sizes", "224", "--precision", "bf16"], "error: --precision applies with --train"),
        (["compare", "pit_s_224", "pit_ti_224", "--gpu", "h100"], "error: --gpu applies with --train"),
    ])
    func usageErrors(_ arguments: [String], _ firstLine: String) {
        let result = Self.run(arguments)
        #expect(result.code == .usage)
        #expect(result.err.split(separator: "\n").first.map(String.init) == firstLine)
    }

    @Test func invalidModelsAreExitOne() {
        let unknown = Self.run(["train", "vit_nano"])
        #expect(unknown.code == .failure)
        #expect(unknown.err.hasPrefix("error: MODEL: unknown model 'vit_nano'"))
        let size = Self.run(["train", "swin_tiny_patch4_window7_224", "--image-size", "256"])
        #expect(size.code == .failure)
        #expect(size.err.hasPrefix("error: stage1: stage1's 64×64 token grid is not a whole number of 7×7 windows"))
    }

    @Test func calibrationShowsTheDeiTRuns() throws {
        let (code, object) = try Self.json(["train", "--calibration", "--format", "json"])
        #expect(code == .success)
        let runs = try #require(object["runs"] as? [[String: Any]])
        #expect(runs.map { $0["model"] as? String } == ["deit_base_patch16_224", "deit_base_patch16_224", "deit_base_patch16_384"])
        #expect(runs.map { $0["hours"] as? Double } == [53, 37, 20])
        #expect(runs.map { $0["gpus"] as? Int } == [8, 16, 8])
        for run in runs {
            let flops = try #require(run["training_flops_per_image"] as? Int)
            let (epochs, images, gpus, hours) = (
                try #require(run["epochs"] as? Int), try #require(run["images_per_epoch"] as? Int), try #require(run["gpus"] as? Int),
                try #require(run["hours"] as? Double)
            )
            let expected = Double(flops) * Double(epochs) * Double(images) / (Double(gpus) * 125e12 * hours * 3600)
            #expect(abs(try #require(run["utilization"] as? Double) - expected) < 1e-12)
        }
        let text = Self.run(["train", "--calibration"])
        #expect(text.out.contains("DeiT-B, 300 epochs, one node"))
        #expect(text.out.contains("Touvron et al. 2021"))
    }

    /// At 48×48 the tiny ViT has 3×3 + 1 = 10 tokens, twice 32×32's 5: every saved byte doubles
    /// (4,800 → 9,600), and so does the backward's peak (5,360 → 10,720); the position table
    /// grows by 5 · 8 = 40 parameters (6,883 × 16 B of weights, gradients and AdamW state). The
    /// training MACs per image include fused attention's recomputed q·kᵀ, `N² · 8`: 200 and 800.
    @Test func sweepTrainDoublesWithTheTokens() throws {
        let spec = try temporarySpec(Self.tinyViT)
        let result = Self.run(["sweep", spec, "--image-sizes", "32,48,8", "--train", "--batch", "2", "--format", "csv"])
        #expect(result.code == .success)
        let lines = result.out.split(separator: "\n").map(String.init)
        try #require(lines.count == 4)
        #expect(
            lines[0] == "height,width,embed_saved_bytes,stage1_saved_bytes,head_saved_bytes,saved_activations_bytes,peak_bytes,"
                + "training_macs_per_image,fits,skipped")
        #expect(lines[1] == "32,32,0,4080,720,4800,114848,\(58104 + 200),,")
        #expect(lines[2] == "48,48,0,8160,1440,9600,\(6883 * 16 + 10720),\(130824 + 800),,")
        #expect(lines[3].hasPrefix("8,8,,,,,,,,"))
        let table = Self.run(["sweep", spec, "--image-sizes", "32", "--train", "--batch", "2", "--memory", "1MiB", "--reserve", "0"])
        #expect(table.code == .success)
        let header = try #require(table.out.split(separator: "\n").first)
        #expect(header.hasPrefix("input  embed saved (MiB)  stage1 saved (MiB)  head saved (MiB)  saved (MiB)  peak (GiB)"))
        #expect(table.out.contains("fits, 933,728 B to spare"))
    }

    @Test func compareTrainSetsModelsSideBySide() throws {
        let (code, object) = try Self.json([
            "compare", "vit_small_patch16_224", "pit_s_224", "swin_tiny_patch4_window7_224", "--train", "--batch", "8", "--format", "json",
        ])
        #expect(code == .success)
        let models = try #require(object["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["vit_small_patch16_224", "pit_s_224", "swin_tiny_patch4_window7_224"])
        #expect(models.map { ($0["input"] as? [String: Any])?["batch"] as? Int } == [8, 8, 8])
        let saved = models.compactMap { ($0["memory"] as? [String: Any])?["saved_activations_bytes"] as? Int }
        let ratios = try #require(object["ratios_to_first"] as? [[String: Any]])
        #expect(ratios.map { $0["saved_activations_bytes"] as? Double } == saved.map { Double($0) / Double(saved[0]) })
        let text = Self.run(["compare", "vit_small_patch16_224", "pit_s_224", "--train", "--gpu", "h100"])
        #expect(text.code == .success)
        #expect(text.out.contains("on H100 SXM"))
    }
}
