import ArchGraph
import SizeAlgebra
import Testing

@testable import Architectures

/// The graphs of vit-pytorch models: stages, scope paths, symbolic forms.
@Suite("vit-pytorch graphs")
struct VitPytorchGraphTests {
    /// The distinct measured calls.
    static let calls = Array(Set(VitPytorchReference.all.map(\.call))).sorted()

    /// `spec` at `size`, batch 1.
    static func summary(_ call: String, _ size: ImageSize? = nil) throws -> Summary {
        try VitPytorch.spec(call: call).analyze(Overrides(imageSize: size)).summary
    }

    @Test func measuredCallsAreDistinct() {
        #expect(Self.calls.count == 12)
    }

    /// Symbolic graphs evaluate to concrete ones node by node, and agree on which sizes are valid.
    @Test(arguments: calls)
    func symbolicEqualsConcrete(_ call: String) throws {
        let spec = try VitPytorch.spec(call: call)
        let symbolic = try spec.symbolicGraph()
        var valid = 0
        for (b, h, w) in SymbolicTests.sizes + [(1, spec.imageSize.height, spec.imageSize.width)]
        where try SymbolicTests.compare(spec, symbolic, batch: b, height: h, width: w) {
            valid += 1
        }
        #expect(valid >= 1)
    }

    @Test(arguments: calls)
    func stagesMatchTheModuleDefinitions(_ call: String) throws {
        let spec = try VitPytorch.spec(call: call)
        let summary = try spec.analyze().summary
        let actual = summary.stages.map { ExpectedStage(name: $0.name, grid: $0.grid, extra: $0.extraTokens, channels: $0.channels) }
        #expect(actual == expectedStages(spec, spec.imageSize.height, spec.imageSize.width))
        var sum = CostValues()
        for stage in summary.stages {
            sum.params += stage.cost.params
            sum.macs += stage.cost.macs
            sum.fvcore += stage.cost.fvcore
        }
        #expect([sum.params, sum.macs, sum.fvcore] == [summary.totals.params, summary.totals.macs, summary.totals.fvcore])
    }

    /// ViT README example by hand: patch embedding LayerNorm(3072), Linear(3072, 1024),
    /// LayerNorm(1024); class token; 65 positions; blocks of attention (norm, qkv without bias
    /// to 16 × 64, to_out) and MLP 1024 → 2048 → 1024, each with its LayerNorm; a final norm.
    @Test func vitParametersByHand() throws {
        let summary = try Self.summary("ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048)")
        let attention = 2 * 1024 + 1024 * 3072 + (1024 * 1024 + 1024)
        let feedForward = 2 * 1024 + (1024 * 2048 + 2048) + (2048 * 1024 + 1024)
        #expect(summary.stages.map(\.name) == ["embed", "stage1", "head"])
        #expect(
            summary.stages.map(\.cost.params) == [
                2 * 3072 + (3072 * 1024 + 1024) + 2 * 1024 + 1024 + 65 * 1024,
                6 * (attention + feedForward) + 2 * 1024,
                1024 * 1000 + 1000,
            ])
    }

    /// PiT's pooling layer: cls_ff Linear(256, 512), depthwise 3×3 conv 256 → 512 (groups 256)
    /// and a 1×1 conv 512 → 512, all with bias; the 31×31 grid pools to 16×16 and 8×8.
    @Test func pitPoolingByHand() throws {
        let summary = try Self.summary(
            "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)")
        let pool1 = try #require(summary.stages.first { $0.name == "pool1" })
        #expect(pool1.cost.params == (256 * 512 + 512) + (512 * 9 + 512) + (512 * 512 + 512))
        #expect(pool1.cost.macs == 256 * 512 + 512 * 16 * 16 * 9 + 512 * 16 * 16 * 512)
        #expect(summary.stages.compactMap(\.grid) == [[31, 31], [31, 31], [16, 16], [16, 16], [8, 8], [8, 8]])
        let embed = try #require(summary.stages.first)
        #expect(embed.cost.params == (588 * 256 + 256) + 256 + 962 * 256)
    }

    /// Paths follow vit-pytorch's module names, so a state dict maps onto the nodes.
    @Test func pathsFollowModuleNames() throws {
        func paths(_ call: String) throws -> [String: Int] {
            let layers = try VitPytorch.spec(call: call).analyze().summary.layers
            return Dictionary(layers.filter { $0.cost.params > 0 }.map { ($0.path, $0.cost.params) }, uniquingKeysWith: +)
        }
        let t2t = try paths("T2TViT(dim=512, image_size=224, depth=5, heads=8, mlp_dim=512, num_classes=1000)")
        // T2T layers: one head of width dim_head = 147, so attention has no to_out.
        #expect(t2t["t2t1/to_patch_embedding/3/layers/0/0/to_qkv"] == 147 * 441)
        #expect(t2t["t2t1/to_patch_embedding/3/layers/0/0/to_out/0"] == nil)
        #expect(t2t["t2t1/to_patch_embedding/3/norm"] == 2 * 147)
        #expect(t2t["t2t2/to_patch_embedding/7/layers/0/1/net/1"] == 1323 * 1323 + 1323)
        #expect(t2t["embed/to_patch_embedding/12"] == 11907 * 512 + 512)
        #expect(t2t["stage1/transformer/layers/4/0/to_out/0"] == 512 * 512 + 512)
        let cvt = try paths("CvT(num_classes=1000)")
        #expect(cvt["embed1/layers/0/0"] == 64 * 3 * 49 + 64)
        #expect(cvt["embed1/layers/0/1/norm"] == 2 * 64)
        #expect(cvt["stage3/layers/2/2/layers/9/0/to_kv/net/2"] == 384 * 768)
        #expect(cvt["stage2/layers/1/2/layers/1/1/net/4"] == 768 * 192 + 192)
        #expect(cvt["head/to_logits/2"] == 384 * 1000 + 1000)
    }

    /// `pool='mean'` drops the class token; `num_classes=0` drops ViT's head (it returns tokens).
    @Test func poolingAndHeads() throws {
        let mean = try Self.summary("ViT(image_size=64, patch_size=8, num_classes=10, dim=64, depth=1, heads=2, mlp_dim=128, pool='mean')")
        #expect(mean.stages.map(\.extraTokens) == [0, 0, 0])
        #expect(mean.layers.last?.path == "head/mlp_head")
        #expect(mean.layers.contains { $0.path == "head/mean" })
        let headless = try Self.summary("ViT(image_size=64, patch_size=8, num_classes=0, dim=64, depth=1, heads=2, mlp_dim=128)")
        #expect(headless.stages.map(\.name) == ["embed", "stage1"])
        #expect(headless.outputShape == [1, 65, 64])
    }

    /// CvT's input follows the image size given; ViT, PiT and T2TViT are rebuilt for it.
    @Test func overridesRebuildForTheSize() throws {
        let cvt = try Self.summary("CvT(num_classes=1000)", ImageSize(height: 192, width: 256))
        #expect(cvt.stages.compactMap(\.grid).first == [48, 64])
        #expect(cvt.totals.params == 19_936_296)
        let vit = try Self.summary(
            "ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048)",
            ImageSize(224))
        #expect(vit.totals.params == 54_630_376 - (65 - 50) * 1024)
    }
}
