import Architectures
import Foundation
import Testing

@testable import VitScopeCLI

@Suite("formula")
struct FormulaTests {
    /// ViT-S/16 by hand, with N = ⌊H/16⌋·⌊W/16⌋ patches and D = 384:
    /// params = 384·(N + 1) for the position table + 21,975,016 for the rest (22,050,664 at N = 196);
    /// attention = 12 blocks × 2 products × (N + 1)²·D = 9216·(N + 1)²;
    /// other = 12·(N + 1)·12·D² (qkv, proj, MLP) + N·D·768 (patches) + 384·1000 (head).
    @Test func vitSmallByHand() {
        let result = vitscope("formula", "vit_small_patch16_224")
        #expect(result.code == .success)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(lines.contains("  params           = 384·⌊H/16⌋·⌊W/16⌋ + 21975400"))
        #expect(lines.contains("    attention      = 9216·B·⌊H/16⌋²·⌊W/16⌋² + 18432·B·⌊H/16⌋·⌊W/16⌋ + 9216·B"))
        #expect(lines.contains("    other          = 21528576·B·⌊H/16⌋·⌊W/16⌋ + 21617664·B"))
        #expect(lines.contains("without floors, exact for H a multiple of 16 and W a multiple of 16 (the lattice containing 224×224):"))
        #expect(lines.contains("  params           = 3/2·H·W + 21975400"))
        #expect(lines.contains("    attention      = 9/64·B·H²·W² + 72·B·H·W + 9216·B"))
        #expect(lines.contains("    other          = 84096·B·H·W + 21617664·B"))
        #expect(lines.last?.hasSuffix(": all equal") == true)
    }

    /// ResNet-50 on multiples of 32: 81456·H·W + 2,048,000 MACs, 4,089,184,256 at 224² as timm counts.
    @Test func resnetHasNoAttentionAndALinearCost() throws {
        let form = try ClosedForm(#require(Zoo.preset("resnet50")))
        #expect(form.latticeOtherMacs?.description == "81456·B·H·W + 2048000·B")
        #expect(form.latticeOtherMacs?.evaluate(.init(batch: 1, height: 224, width: 224)) == 4_089_184_256)
        #expect(form.attentionMacs.description == "0")
    }

    /// Every preset's forms agree with concrete builds at every size checked.
    @Test(arguments: Zoo.all)
    func formsMatchConcreteBuilds(_ spec: ModelSpec) throws {
        let form = try ClosedForm(spec)
        #expect(form.mismatches == [])
        #expect(form.latticeParams != nil)
        // T2T-ViT takes no 192×256; Swin's windows tile neither 160 nor 192×256, nor the non-square
        // lattice size, whose last grid is larger than the window one way and not the other.
        let (exact, lattice) = spec.family == .swin ? (1, 2) : spec.family == .t2tViT ? (2, 2) : (3, 3)
        #expect(form.exactChecks.count == exact)
        #expect(form.latticeChecks.count == lattice)
    }

    /// The forms hold under the conditions the graph was built under: Swin-B/12's last stage is
    /// one 12×12 window at 384, but at 192 its 6×6 grid shrinks the window and its relative
    /// position table (87,877,472 params there, not the form's 87,903,584), so the form says so.
    @Test func formsStateTheirConditions() throws {
        let form = try ClosedForm(#require(Zoo.preset("swin_base_patch4_window12_384")))
        #expect(form.params.description == "87903584")
        #expect(form.conditions.contains("⌊H/32⌋ = 12 (stage4 grid height (its window is the whole grid))"))
        #expect(form.conditions.count == 22)
        let at192 = try #require(Zoo.preset("swin_base_patch4_window12_384")).analyze(Overrides(imageSize: ImageSize(192)))
        #expect(at192.summary.totals.params == 87_877_472)
        #expect(try ClosedForm(#require(Zoo.preset("vit_small_patch16_224"))).conditions == [])
        let text = vitscope("formula", "swin_base_patch4_window12_384").out
        #expect(text.contains("exact for every size where these hold (the graph was built under them):\n  ⌊H/4⌋ ≥ 13 "))
    }

    /// ViT-S/16's training step by hand, from the forward forms above (N + 1 tokens): every
    /// weight gets a gradient, one MAC per forward MAC, so the weight-gradient MACs equal the
    /// forward's other MACs; the input gradients are the same but the patch projection's
    /// (768·384·N: the image needs none) plus both attention products twice (2 × 9216·(N + 1)²);
    /// fused attention computes q·kᵀ again, half the attention MACs (4608·(N + 1)²).
    @Test func vitSmallTrainingByHand() {
        let result = vitscope("formula", "vit_small_patch16_224")
        #expect(result.code == .success)
        let lines = result.out.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "training step: float32, fused attention (F.scaled_dot_product_attention), no activation checkpointing; "
                    + "exact for every size:"))
        #expect(lines.contains("    weight grads   = 21528576·B·⌊H/16⌋·⌊W/16⌋ + 21617664·B"))
        // 21528576 − 294912 + 36864, 21617664 + 18432, 2 × 9216.
        #expect(lines.contains("    input grads    = 18432·B·⌊H/16⌋²·⌊W/16⌋² + 21270528·B·⌊H/16⌋·⌊W/16⌋ + 21636096·B"))
        #expect(lines.contains("  recomputed MACs  = 4608·B·⌊H/16⌋²·⌊W/16⌋² + 9216·B·⌊H/16⌋·⌊W/16⌋ + 4608·B"))
        #expect(lines.contains("    recomputed     = 9/128·B·H²·W² + 36·B·H·W + 4608·B"))
        #expect(lines.contains { $0.hasPrefix("check: training forms = the training analysis of concrete builds at 224×224") })
    }

    /// The setup options change the training forms: eager attention computes nothing again, and
    /// checkpointing runs every block's forward again; bad values are usage errors.
    @Test func trainingSetupOptions() throws {
        let eager = vitscope("formula", "vit_small_patch16_224", "--attention", "eager", "--format", "json")
        #expect(eager.code == .success)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eager.out.utf8)) as? [String: Any])
        let training = try #require(object["training"] as? [String: Any])
        let exact = try #require(training["exact"] as? [String: Any])
        #expect(exact["recompute_macs"] as? String == "0")
        #expect((training["setup"] as? [String: Any])?["attention"] as? String == "eager")
        #expect(object["match"] as? Bool == true)
        let checkpointed = vitscope("formula", "vit_small_patch16_224", "--checkpoint", "blocks")
        #expect(checkpointed.code == .success)
        #expect(checkpointed.out.contains("activation checkpointing per block; exact for every size:"))
        #expect(vitscope("formula", "vit_small_patch16_224", "--attention", "flash").code == .usage)
        #expect(vitscope("formula", "vit_small_patch16_224", "--precision", "fp8").code == .usage)
    }

    @Test func jsonAndOtherLattices() throws {
        let result = vitscope("formula", "pit_s_224", "--image-size", "208", "--format", "json")
        #expect(result.code == .success)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(object["match"] as? Bool == true)
        let lattice = try #require(object["lattice"] as? [String: Any])
        let conditions = try #require(lattice["conditions"] as? [[String: Any]])
        #expect(conditions.map { $0["residue"] as? Int } == [16, 16])
        #expect(conditions.map { $0["modulus"] as? Int } == [32, 32])
    }
}
