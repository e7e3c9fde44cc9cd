import ArchGraph
import Foundation
import SizeAlgebra
import Testing

@testable import Architectures

/// One measured vit-pytorch call from the fixture: the call, the input it was fed and the counts.
struct VitPytorchReference: CustomStringConvertible, Sendable {
    let call: String
    let batch: Int, channels: Int, height: Int, width: Int
    let params: Int, trainable: Int, macs: Int, fvcore: Int

    var description: String { "\(call) on \(batch)×\(channels)×\(height)×\(width)" }

    /// The `vit_pytorch` section of `Tests/Fixtures/reference-counts.json`, written by
    /// `scripts/vit_pytorch_counts.py` with vit-pytorch 1.26.11, FlopCounterMode and fvcore.
    static let all: [VitPytorchReference] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/reference-counts.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let section = root["vit_pytorch"] as? [String: Any],
            let models = section["models"] as? [String: [String: Any]]
        else { return [] }
        return models.keys.sorted().compactMap { key in
            let record = models[key] ?? [:]
            guard let call = record["call"] as? String, let shape = record["input_shape"] as? [Int], shape.count == 4,
                let params = record["params"] as? Int, let trainable = record["trainable_params"] as? Int,
                let macs = record["macs"] as? Int, let fvcore = record["fvcore"] as? Int
            else { return nil }
            return VitPytorchReference(
                call: call, batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                params: params, trainable: trainable, macs: macs, fvcore: fvcore)
        }
    }()
}

@Suite("vit-pytorch against the reference implementation")
struct VitPytorchReferenceTests {
    /// The four README examples, with the figures measured from vit-pytorch 1.26.11.
    @Test(arguments: [
        (
            "ViT(image_size=256, patch_size=32, num_classes=1000, dim=1024, depth=6, heads=16, mlp_dim=2048, dropout=0.1, emb_dropout=0.1)",
            54_630_376, 3_525_824_512, 3_531_461_632
        ),
        (
            "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)",
            47_499_752, 17_321_982_976, 17_334_488_184
        ),
        (
            "T2TViT(dim=512, image_size=224, depth=5, heads=8, mlp_dim=512, num_classes=1000, t2t_layers=((7, 4), (3, 2), (3, 2)))",
            23_465_986, 14_661_216_784, 14_689_237_664
        ),
        ("CvT(num_classes=1000)", 19_936_296, 4_543_682_816, 4_546_897_536),
    ])
    func readmeExamples(_ call: String, _ params: Int, _ macs: Int, _ fvcore: Int) throws {
        let spec = try VitPytorch.spec(call: call)
        let analysis = try spec.analyze()
        let totals = analysis.summary.totals
        #expect(spec.name == call)
        #expect(totals.params == params)
        #expect(totals.trainableParams == params)
        #expect(totals.macs == macs)
        #expect(totals.flops == 2 * macs)
        #expect(try fvcoreAsReported(analysis.graph, spec: spec, binding: analysis.summary.binding) == fvcore)
    }

    /// fvcore's own total rounds einsum products (PiT's and CvT's attention); vitscope's
    /// `fvcore` is the exact count: MACs, nn.LayerNorm 5 per element, BatchNorm 2, pooling 1,
    /// and nothing for CvT's channel LayerNorm.
    @Test func exactFvcoreWhereFvcoreRounds() throws {
        let pit = try VitPytorch.spec(
            call: "PiT(image_size=224, patch_size=14, dim=256, num_classes=1000, depth=(3, 3, 3), heads=16, mlp_dim=2048)")
        #expect(try pit.analyze().summary.totals.fvcore == 17_321_982_976 + 13_337_600)
        let cvt = try VitPytorch.spec(call: "CvT(num_classes=1000)")
        #expect(try cvt.analyze().summary.totals.fvcore == 4_543_682_816 + 3_136_000 + 75_264)
    }

    @Test func fixtureHasEveryMeasuredCall() {
        #expect(VitPytorchReference.all.count == 15)
    }

    /// Every measured call at its measured input (sizes, batches, channels, pooling, head widths).
    @Test(arguments: VitPytorchReference.all)
    func measuredCalls(_ reference: VitPytorchReference) throws {
        let spec = try VitPytorch.spec(call: reference.call)
        #expect(spec.inChannels == reference.channels)
        let size = ImageSize(height: reference.height, width: reference.width)
        let analysis = try spec.analyze(Overrides(imageSize: size, batch: reference.batch))
        let totals = analysis.summary.totals
        #expect(totals.params == reference.params)
        #expect(totals.trainableParams == reference.trainable)
        #expect(totals.macs == reference.macs)
        #expect(try fvcoreAsReported(analysis.graph, spec: spec, binding: analysis.summary.binding) == reference.fvcore)
    }
}
