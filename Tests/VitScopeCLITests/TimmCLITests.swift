import Foundation
import Testing

@testable import VitScopeCLI

/// `--timm CALL` wherever MODEL is accepted.
@Suite("--timm")
struct TimmCLITests {
    /// The example: a training script's `create_model` call.
    static let avgViT = "timm.create_model(\"vit_base_patch16_224\", img_size=384, global_pool=\"avg\", class_token=False)"

    static func json(_ text: String) throws -> [String: Any] { try VitPytorchCLITests.json(text) }

    /// 576 patches at 384 px, no class token, mean pooling and `fc_norm` after it. The figures
    /// are timm 1.0.31's for this call (86,857,960 params; FlopCounterMode 55,378,163,712 MACs).
    @Test func analyzeReadsCreateModel() throws {
        let result = vitscope("analyze", "--timm", Self.avgViT, "--format", "json")
        #expect(result.code == .success && result.err == "")
        let object = try Self.json(result.out)
        #expect(
            object["model"] as? String == "timm.create_model('vit_base_patch16_224', img_size=384, global_pool='avg', class_token=False)")
        #expect(object["family"] as? String == "vit")
        #expect(
            object["reference"] as? String
                == "timm 1.0.31 create_model('vit_base_patch16_224'): timm.models.vision_transformer.VisionTransformer")
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["params"] as? Int == 86_857_960)
        #expect(totals["macs"] as? Int == 55_378_163_712)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["extra_tokens"] as? Int } == [0, 0, 0])
    }

    /// Classes written out, positional arguments bound in `__init__` order as Python does; the
    /// figures are timm's for resnet50 and swin_tiny_patch4_window7_224 (the reference fixture).
    @Test func classesWrittenOut() throws {
        let resnet = try Self.json(vitscope("analyze", "--timm", "ResNet(Bottleneck, [3, 4, 6, 3])", "--format", "json").out)
        #expect((resnet["totals"] as? [String: Any])?["params"] as? Int == 25_557_032)
        let swin = vitscope(
            "validate", "--timm", "timm.models.SwinTransformer(embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24))")
        #expect(
            swin.out
                == "valid: timm.models.SwinTransformer(embed_dim=96, depths=(2, 2, 6, 2), num_heads=(3, 6, 12, 24)) at 224×224, "
                + "28,288,354 params, 4,490,566,656 MACs\n")
    }

    /// Models are compared in the order given, presets, vit-pytorch and timm calls mixed.
    @Test func compareMixesCallsAndPresets() throws {
        let result = vitscope("compare", "pit_s_224", "--timm", "create_model('swin_tiny_patch4_window7_224')", "--format", "json")
        #expect(result.code == .success)
        let models = try #require(try Self.json(result.out)["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["pit_s_224", "create_model('swin_tiny_patch4_window7_224')"])
    }

    @Test(arguments: [
        (
            ["analyze", "--timm", "create_model('vit_base_patch16_224.augreg_in21k')"],
            "error: --timm model_name (line 1, column 14): 'vit_base_patch16_224.augreg_in21k' names pretrained weights "
                + "('augreg_in21k'), whose configuration can set other defaults; vitscope reads the plain model names; "
                + "write create_model('vit_base_patch16_224') and give num_classes or img_size as the weights need\n"
        ),
        (
            ["analyze", "--timm", "create_model('vit_bse_patch16_224')"],
            "error: --timm model_name (line 1, column 14): unknown model 'vit_bse_patch16_224': vitscope knows timm's 275 ViT, "
                + "DeiT, PiT, Swin and ResNet names; did you mean 'vit_base_patch16_224'?\n"
        ),
        (
            ["analyze", "--timm", "VisionTransformr(depth=2)"],
            "error: --timm (line 1, column 1): unknown class 'VisionTransformr'; vitscope reads timm's VisionTransformer, "
                + "VisionTransformerDistilled, PoolingVisionTransformer, SwinTransformer, ResNet, create_model; did you mean VisionTransformer?\n"
        ),
        (
            ["analyze", "--timm", "create_model('vit_base_patch16_siglip_224')"],
            "error: --timm global_pool (line 1, column 14): 'map' pooling has an attention module of its own (timm's "
                + "AttentionPoolLatent), which vitscope does not model yet (create_model('vit_base_patch16_siglip_224') passes "
                + "global_pool='map'); use 'token', 'avg', 'max', 'avgmax' or ''\n"
        ),
        (
            ["analyze", "--timm", "create_model('resnet18')"],
            "error: --timm block (line 1, column 14): vitscope models ResNets of Bottleneck blocks only, found BasicBlock (ResNet-18 "
                + "and -34 are not modelled) (create_model('resnet18') passes block=BasicBlock)\n"
        ),
        (
            ["analyze", "--timm", "VisionTransformer(act_layer=nn.SiLU, qkv_bias=1)"],
            "error: --timm act_layer (line 1, column 29): vitscope cannot represent act_layer=nn.SiLU; it models GELU, 'quick_gelu' and 'gelu_tanh' only\n"
                + "error: --timm qkv_bias (line 1, column 47): expected True or False, found 1\n"
        ),
        (
            ["analyze", "--timm", "SwinTransformer(global_pool='max')"],
            "error: --timm global_pool (line 1, column 29): global_pool='max' is not modelled for Swin; vitscope models its mean "
                + "pooling; use 'avg' (the default)\n"
        ),
        (
            ["analyze", "--timm", "create_model('swin_tiny_patch4_window7_224', img_size=256)"],
            "error: stage1: stage1's 64×64 token grid is not a whole number of 7×7 windows (timm pads it; vitscope does not model "
                + "the padding); the nearest square image sizes that work are 227 and 448\n"
        ),
    ])
    func inputErrors(_ arguments: [String], _ message: String) {
        let captured = Captured()
        #expect(VitScope.run(arguments, console: captured.console) == .failure)
        #expect(captured.err == message)
        #expect(captured.out == "")
    }

    /// What changes nothing countable is accepted and named.
    @Test func uncountedArgumentsAreNamed() throws {
        let call = "create_model('vit_small_patch16_224', pretrained=True, drop_path_rate=0.1, weight_init='jax', device='cuda')"
        let object = try Self.json(vitscope("analyze", "--timm", call, "--format", "json").out)
        #expect(
            object["notes"] as? [String] == [
                "pretrained=True changes nothing vitscope counts",
                "drop_path_rate=0.1: no parameters and no work at inference; not modelled in training (no masks or scales counted)",
                "weight_init='jax', device='cuda' change nothing vitscope counts",
            ])
        #expect((object["totals"] as? [String: Any])?["params"] as? Int == 22_050_664)
        // `train` says the rate is not modelled, beside its assumptions.
        let train = vitscope("train", "--timm", "create_model('vit_small_patch16_224', drop_path_rate=0.1)", "--batch", "2")
        #expect(train.code == .success)
        #expect(
            train.out.contains(
                "- note: drop_path_rate=0.1: no parameters and no work at inference; not modelled in training (no masks or scales counted)\n"
            ))
    }

    /// timm's own weights for a call, loaded under timm's names, reproduce timm's logits.
    @Test func verifyLoadsTimmWeightsForACall() {
        let call =
            "VisionTransformer(img_size=32, patch_size=8, embed_dim=24, depth=2, num_heads=2, mlp_ratio=2.0, num_classes=10, "
            + "reg_tokens=2, init_values=0.5, qk_norm=True, no_embed_class=True, global_pool='avg', proj_bias=False)"
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/numeric/vit_reg_ls_qknorm_avg_p8_32_b2.safetensors").path
        let result = vitscope("verify", "--timm", call, "--weights", file, "--batch", "2", "--format", "json")
        #expect(result.code == .success, "\(result.err)")
        #expect(result.out.contains("\"match\": true"))
        #expect(result.out.contains("\"params\": 15130"))
    }

    @Test func formulaSweepAndVerifyTakeCalls() {
        let call =
            "VisionTransformer(img_size=64, patch_size=8, embed_dim=64, depth=2, num_heads=4, reg_tokens=4, init_values=1e-5, qk_norm=True)"
        #expect(vitscope("formula", "--timm", call).code == .success)
        let sweep = vitscope("sweep", "--timm", call, "--image-sizes", "32,64", "--format", "csv")
        #expect(sweep.code == .success)
        let verify = vitscope("verify", "--timm", call, "--timm", "create_model('pit_ti_224', num_classes=10, img_size=160)")
        #expect(verify.code == .success)
    }
}
