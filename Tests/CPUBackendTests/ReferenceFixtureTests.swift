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

    @Test func everyFixtureIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
        #expect(files == (Self.officialFixtures + Self.vitPytorchFixtures).sorted())
    }
}
