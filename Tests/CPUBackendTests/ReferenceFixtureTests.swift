import Architectures
import CPUBackend
import Foundation
import Testing

/// Forward passes with the reference implementations' own weights must reproduce their logits.
/// The fixtures (Tests/Fixtures/numeric, written by scripts/numeric_fixtures.py) hold each
/// tiny model's `state_dict`, an input and the logits PyTorch computed in float64.
@Suite struct ReferenceFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/numeric").standardizedFileURL

    /// Agreement required of the float32 forward pass: max |Δ| ≤ 1e-4 · max |reference logit|.
    static let tolerance: Float = 1e-4

    static let officialFixtures = [
        "vit_p8_32", "vit_p8_32x48_noqkvbias_b2", "deit_distilled_p8_32_b2", "pit_p8s4_48", "pit_distilled_p8s4_40_b2",
        "resnet_bottleneck_c4_40_b2", "t2t_vit_performer_64", "t2t_vit_transformer_48_b2", "cvt_3stage_48x40_b2",
        "swin_p4w4_32_b2", "vit_reg_ls_qknorm_avg_p8_32_b2", "vit_prenorm_avgmax_p8_32x40", "vit_max_nopos_p8_24",
    ]

    static func load(_ name: String) throws -> SafetensorsFile {
        let data = try Data(contentsOf: directory.appendingPathComponent(name + ".safetensors"))
        return try SafetensorsFile(bytes: Array(data))
    }

    static let vitPytorchFixtures = [
        "vit_pytorch_vit_32", "vit_pytorch_vit_mean_32x48", "vit_pytorch_pit_32_b2", "vit_pytorch_t2t_32", "vit_pytorch_cvt_40_b2",
    ]

    /// The fixture's model: its spec, or its vit-pytorch call at the input's size.
    static func spec(_ file: SafetensorsFile, input: Tensor) throws -> ModelSpec {
        if let call = file.metadata["vit_pytorch_call"] {
            return try VitPytorch.spec(call: call)
                .applying(Overrides(imageSize: ImageSize(height: input.shape[2], width: input.shape[3])))
        }
        return try SpecDecoder.decode(try #require(file.metadata["spec"]))
    }

    @Test(arguments: officialFixtures + vitPytorchFixtures)
    func reproducesReferenceLogits(_ name: String) throws {
        let file = try Self.load(name)
        let input = try file.tensor("vitscope.input")
        let spec = try Self.spec(file, input: input)
        let graph = try spec.graph(batch: .init(input.shape[0]), height: .init(input.shape[2]), width: .init(input.shape[3]))
        let weights = try Weights.load(file, graph: graph)
        let interpreter = Interpreter(graph: graph, weights: weights)
        let reference = try file.tensor("vitscope.logits")
        for (kernels, threads) in [(KernelChoice.optimized, 2), (.naive, 1)] {
            let execution = try interpreter.run(input, kernels: kernels, threads: threads)
            #expect(execution.output.shape == reference.shape)
            let error = Numerics.relativeError(execution.output, reference)
            #expect(error <= Self.tolerance, "\(name) with \(kernels) kernels: relative error \(error)")
            #expect(Verification(graph: graph, execution: execution).mismatches == [])
        }
    }

    /// The tiny Swin under timm's names: 4×4 windows on stages 1 and 2 (one shifted block, with
    /// its mask, on stage 1; stage 2's grid is one window, so no shift), the window shrunk to the
    /// 2×2 grid on stage 3; logits within 1e-4 of timm's, absolutely as well as relatively.
    @Test func swinFollowsTimmsWindowRules() throws {
        let file = try Self.load("swin_p4w4_32_b2")
        let input = try file.tensor("vitscope.input")
        #expect(input.shape == [2, 3, 32, 32])
        let graph = try Self.spec(file, input: input).graph(batch: 2, height: 32, width: 32)
        var windows: [Int] = [], masks: [String] = []
        for node in graph.nodes {
            if case .relativePositionBias(_, let window) = node.op { windows.append(window) }
            if case .windowMask(_, _, let window, let shift) = node.op { masks.append("\(node.path) \(window) \(shift)") }
        }
        #expect(windows == [4, 4, 4, 4, 2])
        #expect(masks == ["stage1/block1/attn/mask 4 2"])
        let tables = graph.nodes.flatMap(\.referenceParameters).map(\.name).filter { $0.hasSuffix("relative_position_bias_table") }
        #expect(tables.count == 5 && tables.last == "layers.2.blocks.0.attn.relative_position_bias_table")
        let weights = try Weights.load(file, graph: graph)
        let reference = try file.tensor("vitscope.logits")
        let execution = try Interpreter(graph: graph, weights: weights).run(input, kernels: .optimized, threads: 2)
        #expect(execution.output.shape == [2, 10])
        let difference = (0..<reference.count).map { abs(execution.output.data[$0] - reference.data[$0]) }.max() ?? .infinity
        #expect(difference <= 1e-4, "max |logits - timm's| = \(difference)")
    }

    @Test func everyFixtureIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
        #expect(files == (Self.officialFixtures + Self.vitPytorchFixtures).sorted())
    }
}
