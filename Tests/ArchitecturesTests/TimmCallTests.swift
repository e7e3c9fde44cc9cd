import ArchGraph
import Foundation
import SizeAlgebra
import Testing

@testable import Architectures

/// One timm call from the fixture: the counts timm gave, or the error it raised.
struct TimmCallReference: CustomStringConvertible, Sendable {
    let call: String
    let channels: Int, height: Int, width: Int
    let params: Int, trainable: Int, macs: Int, fvcore: Int
    let outputShape: [Int]
    /// What timm raised building or running the call; nil when it built.
    let error: String?

    var description: String { call }

    /// `Tests/Fixtures/timm-calls.json`, written by `scripts/timm_calls.py` with timm 1.0.31,
    /// FlopCounterMode and fvcore.
    static let all: [TimmCallReference] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/timm-calls.json")
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let calls = root["calls"] as? [[String: Any]]
        else { return [] }
        return calls.compactMap { record in
            guard let call = record["call"] as? String else { return nil }
            if let error = record["error"] as? String {
                return TimmCallReference(
                    call: call, channels: 0, height: 0, width: 0, params: 0, trainable: 0, macs: 0, fvcore: 0, outputShape: [],
                    error: error)
            }
            guard let shape = record["input_shape"] as? [Int], shape.count == 4, let params = record["params"] as? Int,
                let trainable = record["trainable_params"] as? Int, let macs = record["macs"] as? Int,
                let fvcore = record["fvcore"] as? Int, let output = record["output_shape"] as? [Int]
            else { return nil }
            return TimmCallReference(
                call: call, channels: shape[1], height: shape[2], width: shape[3], params: params, trainable: trainable,
                macs: macs, fvcore: fvcore, outputShape: output, error: nil)
        }
    }()

    /// Calls timm builds that vitscope cannot represent, with the error it gives.
    static let unrepresentable: [String: String] = [
        "SwinTransformer(img_size=(64, 96), patch_size=2, embed_dim=16, depths=[1, 2, 1], num_heads=[2, 2, 4], window_size=8, "
            + "mlp_ratio=2.0, qkv_bias=False)":
            "stage3: stage3's 8×12 token grid gives timm 8×8 windows shifted by 0×4 (a side not larger than the window 8 keeps its "
            + "whole length and no shift), which vitscope does not model: it models square windows with equal shifts",
        "create_model('vit_small_patch16_18x2_224', num_classes=0)": parallelBlocks,
        "create_model('vit_small_patch16_18x2_224', init_values=1e-06, reg_tokens=0)": parallelBlocks,
    ]
    static let parallelBlocks =
        "block_fn (line 1, column 14): vitscope cannot represent block_fn=ParallelThingsBlock; it models timm's pre-norm Block "
        + "only (create_model('vit_small_patch16_18x2_224') passes block_fn=ParallelThingsBlock)"

    static var built: [TimmCallReference] { all.filter { $0.error == nil && unrepresentable[$0.call] == nil } }
    static var rejected: [TimmCallReference] { all.filter { $0.error != nil } }
}

@Suite("timm calls")
struct TimmCallTests {
    @Test func fixtureHasEveryMeasuredCall() {
        #expect(TimmCallReference.all.count == 70)
        #expect(TimmCallReference.rejected.count == 17)
    }

    /// Every call timm built: the same input, params, MACs, fvcore total and output shape.
    @Test(arguments: TimmCallReference.built)
    func builtCalls(_ reference: TimmCallReference) throws {
        let spec = try Timm.spec(call: reference.call)
        #expect(spec.inChannels == reference.channels)
        #expect(spec.imageSize == ImageSize(height: reference.height, width: reference.width))
        let analysis = try spec.analyze()
        let totals = analysis.summary.totals
        #expect(totals.params == reference.params)
        #expect(totals.trainableParams == reference.trainable)
        #expect(totals.macs == reference.macs)
        #expect(try fvcoreAsReported(analysis.graph, spec: spec, binding: analysis.summary.binding) == reference.fvcore)
        #expect(try analysis.graph.nodes.last?.shape.map { try $0.evaluate(analysis.summary.binding) } == reference.outputShape)
    }

    @Test func unrepresentableCallsSaySo() throws {
        let calls = TimmCallReference.all.filter { TimmCallReference.unrepresentable[$0.call] != nil }
        #expect(calls.count == 3)
        for reference in calls {
            #expect(reference.error == nil)
            #expect(throws: (any Error).self) { _ = try Timm.spec(call: reference.call).analyze() }
            do {
                _ = try Timm.spec(call: reference.call).analyze()
            } catch {
                #expect("\(error)" == TimmCallReference.unrepresentable[reference.call])
            }
        }
    }

    /// Every registered name is read: 157 build, the other 118 stop at an error naming what
    /// vitscope cannot represent (a deep stem, ResNeXt, attention pooling, another activation …).
    @Test func everyRegisteredName() {
        #expect(Timm.modelNames.count == 275)
        var built = 0
        for name in Timm.modelNames {
            do {
                _ = try Timm.spec(call: "create_model('\(name)')").graph(batch: 1)
                built += 1
            } catch {
                #expect("\(error)".contains("cannot represent") || "\(error)".contains("not model"), "\(name): \(error)")
            }
        }
        #expect(built == 157)
    }

    /// Every call timm rejected is an error here too, with a message.
    @Test(arguments: TimmCallReference.rejected)
    func rejectedCalls(_ reference: TimmCallReference) {
        #expect {
            _ = try Timm.spec(call: reference.call).analyze()
        } throws: { error in
            "\(error)".isEmpty == false
        }
    }
}
