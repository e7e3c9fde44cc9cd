import ArchGraph
import Architectures
import CPUBackend
import Foundation
import Testing
import Verifying

/// The verification pipeline as a library: random and reference weights, the note when a file's
/// logits do not apply, and unusable weight files.
@Suite struct VerificationRunTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Fixtures/numeric").standardizedFileURL

    static let tiny = """
        {"name": "tiny", "family": "vit", "image_size": 16, "num_classes": 3,
         "config": {"patch_size": 8, "embed_dim": 8, "depth": 1, "num_heads": 2, "mlp_ratio": 2}}
        """

    /// The `vit_p8_32` fixture (timm's weights, an input and the logits) and its spec.
    static func fixture() throws -> (file: SafetensorsFile, spec: ModelSpec) {
        let file = try VerificationRun.readWeights(atPath: fixtures.appendingPathComponent("vit_p8_32.safetensors").path)
        return (file, try SpecDecoder.decode(try #require(file.metadata["spec"])))
    }

    @Test func randomWeightsMatchTheAnalysis() throws {
        let analysis = try SpecDecoder.decode(Self.tiny).analyze()
        let run = try VerificationRun(analysis, seed: 0)
        #expect(run.notes == [])
        #expect(run.inputShape == [1, 3, 16, 16])
        let outcome = try run.execute(threads: 1)
        #expect(outcome.model == "tiny")
        #expect(outcome.input == [1, 3, 16, 16])
        #expect(outcome.matches)
        #expect(outcome.verification.mismatches == [])
        #expect(outcome.verification.nodes == analysis.graph.nodes.count)
        #expect(outcome.verification.params == 2235)
        #expect(outcome.verification.macs == analysis.summary.totals.macs)
        #expect(outcome.logitsError == nil)
    }

    /// One head's attention operands are views where PyTorch's are, and copies where they are
    /// not: T2T-ViT's token transformers scale the queries first (the keys and values stay
    /// views of the qkv output), CvT's first stage scales the product (queries, keys and values
    /// all views), and fused Swin's math path makes both scaled operands anew. The training
    /// step keeps what the analysis says, node by node.
    @Test(arguments: [
        (
            #"{"name": "t2t", "family": "t2t_vit", "image_size": 32, "num_classes": 3, "config": {"tokens_type": "transformer", "#
                + #""embed_dim": 16, "depth": 1, "num_heads": 2, "mlp_ratio": 2}}"#, AttentionImplementation.eager
        ),
        (
            #"{"name": "cvt", "family": "cvt", "image_size": 32, "num_classes": 3, "config": {"stages": [{"patch_size": 7, "#
                + #""patch_stride": 4, "patch_padding": 2, "dim_embed": 8, "num_heads": 1, "depth": 1, "cls_token": true}]}}"#,
            .eager
        ),
        (
            #"{"name": "swin", "family": "swin", "image_size": 32, "num_classes": 3, "config": {"patch_size": 4, "embed_dim": 8, "#
                + #""depths": [2], "num_heads": [1], "window_size": 4, "mlp_ratio": 2}}"#, .fused
        ),
    ])
    func oneHeadKeepsWhatTheAnalysisKeeps(_ json: String, _ attention: AttentionImplementation) throws {
        let analysis = try SpecDecoder.decode(json).analyze()
        let outcome = try VerificationRun(analysis, seed: 0).executeTraining(threads: 1, attention: attention)
        let training = try #require(outcome.training)
        #expect(training.mismatches == [])
        #expect(training.savedBytes > 0)
    }

    @Test func referenceWeightsReproduceTheLogits() throws {
        let (file, spec) = try Self.fixture()
        let run = try VerificationRun(try spec.analyze(), weights: file)
        #expect(run.notes == [])
        let outcome = try run.execute(threads: 2)
        #expect(outcome.matches)
        #expect(try #require(outcome.logitsError) <= outcome.tolerance)
        #expect(outcome.tolerance == 1e-4)
    }

    @Test func anotherBatchSkipsTheLogitsWithANote() throws {
        let (file, spec) = try Self.fixture()
        let run = try VerificationRun(try spec.analyze(Overrides(batch: 2)), weights: file, seed: 3)
        #expect(
            run.notes == [
                "the file's reference input is 1×3×32×32 and this run's is 2×3×32×32, "
                    + "so its logits are not compared; the counts are still checked on a random input"
            ])
        let outcome = try run.execute(threads: 1)
        #expect(outcome.input == [2, 3, 32, 32])
        #expect(outcome.logitsError == nil)
        #expect(outcome.matches)
    }

    @Test func missingTensorsAreAllNamed() throws {
        let (file, _) = try Self.fixture()
        let other = try SpecDecoder.decode(Self.tiny)
        #expect(throws: WeightsErrors.self) { try VerificationRun(try other.analyze(), weights: file) }
    }

    @Test func unusableWeightFiles() throws {
        #expect(throws: WeightsFileError(path: "no/such.safetensors", reason: "no such file")) {
            try VerificationRun.readWeights(atPath: "no/such.safetensors")
        }
        #expect(WeightsFileError(path: "w.safetensors", reason: "no such file").description == "w.safetensors: no such file")
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("vitscope-empty-\(UUID().uuidString).safetensors")
        try Data().write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: WeightsFileError(path: empty.path, reason: "is empty, not a safetensors file")) {
            try VerificationRun.readWeights(atPath: empty.path)
        }
        let folder = FileManager.default.temporaryDirectory.path
        #expect(throws: WeightsFileError(path: folder, reason: "is a folder, not a safetensors file")) {
            try VerificationRun.readWeights(atPath: folder)
        }
    }
}
