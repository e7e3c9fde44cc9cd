import ArchGraph
import Foundation
import SizeAlgebra
import Testing

@testable import Architectures

/// The training memory plan: the timeline's peaks, the breakdown of a step small enough to
/// add up by hand, the largest batch, the GPU table and the run cost.
@Suite struct TrainingMemoryTests {
    /// A one-block ViT on a 32×32 image: 16-pixel patches give 2×2 = 4 tokens and a class
    /// token, 5 tokens of width 8; 2 heads, an MLP of 16, 3 classes.
    static let tinyViT = """
        {"name": "tiny_vit", "family": "vit", "image_size": 32, "num_classes": 3,
         "config": {"patch_size": 16, "embed_dim": 8, "depth": 1, "num_heads": 2, "mlp_ratio": 2.0}}
        """

    static func tiny(_ setup: TrainingSetup = TrainingSetup()) throws -> TrainingModel {
        try TrainingModel(spec: try SpecDecoder.decode(tinyViT), setup: setup)
    }

    @Test func timelinePeaksAddWhatIsAliveAtEachStep() throws {
        let timeline = MemoryTimeline(
            steps: 3,
            buffers: [
                .init(kind: .saved, bytes: 100, forward: 0...2, backward: 1...2),
                .init(kind: .output, bytes: 50, forward: 0...1),
                .init(kind: .gradient, bytes: 30, backward: 0...2),
                .init(kind: .gradient, bytes: 70, backward: 2...2),
                .init(kind: .recomputed, bytes: Expr(5) * .B, backward: 0...1),
            ])
        let peaks = try timeline.peaks(at: Binding(batch: 2, height: 1, width: 1))
        // Forward: steps 0 and 1 hold 100 + 50, step 2 holds 100; the first of the equal peaks.
        #expect(peaks.forward == MemoryTimeline.Peak(step: 0, bytes: 150, byKind: [100, 50, 0, 0]))
        // Backward, from step 2 down: 100 + 30 + 70 = 200; 100 + 30 + 10 = 140; 30 + 10 = 40.
        #expect(peaks.backward == MemoryTimeline.Peak(step: 2, bytes: 200, byKind: [100, 0, 100, 0]))
        let huge = MemoryTimeline(
            steps: 1, buffers: [.init(kind: .saved, bytes: Expr(Int.max), forward: 0...0), .init(kind: .output, bytes: 1, forward: 0...0)])
        #expect(throws: EvaluationError.overflow) { try huge.peaks(at: Binding(batch: 1, height: 1, width: 1)) }
    }

    /// Every byte of the tiny ViT's step at batch 2, float32, fused attention, added up from what
    /// each op keeps (ArchGraph's training facts; update these sums when those change):
    ///
    /// - norm1 keeps its input (the position-embedded tokens, 2·5·8·4 = 320 B) and a float32
    ///   mean and rstd per token (2·5·4 = 40 B each); qkv keeps its input, norm1's output (320);
    /// - fused attention keeps q, k and v — views of qkv's output, one storage of 2·5·24·4 = 960
    ///   — its output (320, which proj keeps too) and a log-sum-exp per head and query
    ///   (2·2·5·4 = 80); the residual adds keep nothing;
    /// - norm2: its input 320 + 40 + 40; fc1 its input 320; GELU its input, fc1's output
    ///   (2·5·16·4 = 640); fc2 its input, GELU's output (640);
    /// - the head's norm: 320 + 40 + 40; the classifier its input, a view of the norm's output (320).
    ///
    /// Stage 1 keeps 400 + 320 + 1360 + 400 + 320 + 640 + 640 = 4080, the head 720: 4800 in all.
    @Test func tinyViTStepAddsUpByHand() throws {
        let model = try Self.tiny()
        let plan = try model.memory(batch: 2, optimizer: .adamw)
        // Params: patch conv 3·16·16·8 + 8 = 6152, class token 8, positions 5·8 = 40, two block
        // norms 16 each, qkv 8·24 + 24 = 216, proj 72, fc1 144, fc2 136, head norm 16, classifier 27.
        #expect(plan.parameters == 6843)
        #expect(plan.parametersBytes == 27372)
        #expect(plan.gradientsBytes == 27372)
        #expect(plan.optimizerBytes == 54744)
        #expect(plan.savedActivationsBytes == 4800)
        #expect(try model.stages(batch: 2).map(\.savedBytes) == [0, 4080, 720])
        // Forward peak at the classifier (node 23): everything kept, plus the 2·3·4 = 24 B logits.
        #expect(plan.forward == MemoryTimeline.Peak(step: 23, bytes: 4824, byKind: [4800, 24, 0, 0]))
        // Backward peak at fc2 (node 19): the head's 720 B are freed; alive are the gradients of
        // the first residual (320, until norm2's backward), of fc2's output (320) and input (640).
        #expect(model.graph.nodes[19].path == "stage1/block0/mlp/fc2")
        #expect(plan.backward == MemoryTimeline.Peak(step: 19, bytes: 5360, byKind: [4080, 0, 1280, 0]))
        #expect(plan.peakPhase == .backward)
        #expect(plan.peakBytes == 27372 + 27372 + 54744 + 5360)
        #expect(try model.memory(batch: 2, optimizer: .sgd).peakBytes == 27372 + 27372 + 5360)
        #expect(try model.memory(batch: 2, optimizer: .sgdMomentum).optimizerBytes == 27372)
    }

    /// Checkpointing the one block keeps only its input (320) besides the head's 720; while the
    /// block's backward runs, what it kept before is kept again — the same 4080 but the block
    /// input, 3760 — so one block gains nothing at its own backward.
    @Test func tinyViTCheckpointedKeepsTheBlockInputAndRecomputes() throws {
        let model = try Self.tiny(TrainingSetup(checkpoint: .blocks))
        let plan = try model.memory(batch: 2, optimizer: .adamw)
        #expect(plan.savedActivationsBytes == 1040)
        #expect(plan.backward == MemoryTimeline.Peak(step: 19, bytes: 5360, byKind: [320, 0, 1280, 3760]))
        // Forward peak at GELU (node 18): the block input, and the live outputs: residual1 (320),
        // fc1's (640) and GELU's (640).
        #expect(plan.forward == MemoryTimeline.Peak(step: 18, bytes: 1920, byKind: [320, 1600, 0, 0]))
        // The block's forward again: qkv 5·8·24 = 960, q·kᵀ and attn·v 2·5·5·4 = 200 each, proj
        // 320, fc1 640, fc2 640 per image; and the fused kernel's own q·kᵀ again in its backward.
        #expect(try model.work(batch: 2).perImage.recompute == 2960 + 200)
    }

    /// Per image: the patch conv 4·768·8 = 24576, the block 2960, the classifier 24. Backward:
    /// input gradients everywhere but the conv (the image needs none): qkv 960, q·kᵀ 400, attn·v
    /// 400, proj 320, fc1 640, fc2 640, classifier 24; weight gradients: conv 24576, qkv 960,
    /// proj 320, fc1 640, fc2 640, classifier 24. Recomputed: the fused kernel's q·kᵀ, 200.
    @Test func tinyViTWorkPerImageAndBatch() throws {
        let work = try Self.tiny().work(batch: 2)
        #expect(work.perImage.forward == 27560)
        #expect(work.perImage.backwardInput == 3384)
        #expect(work.perImage.backwardWeight == 27160)
        #expect(work.perImage.recompute == 200)
        #expect(work.perImage.total == 58304)
        #expect(work.perImage.flops == 116608)
        #expect(work.perBatch.total == 116608)
    }

    /// Every count is linear in B at every preset's size: `work(batch:)` checks it.
    @Test(arguments: Zoo.all.map(\.name))
    func trainingMacsAreProportionalToTheBatch(_ name: String) throws {
        let spec = try #require(Zoo.preset(name))
        for setup in [TrainingSetup(attention: spec.family.trainingAttention), TrainingSetup(checkpoint: .blocks)] {
            let model = try TrainingModel(spec: spec, setup: setup)
            let work = try model.work(batch: 7)
            #expect(work.perBatch.total == 7 * work.perImage.total)
        }
    }

    /// Activations grow by 5360 / 2 = 2680 B per image (every buffer is proportional to the
    /// batch), on 109,488 B of parameters, gradients and AdamW state: 1 MiB holds
    /// ⌊(1,048,576 − 109,488) / 2680⌋ = 350 images.
    @Test func largestBatchIsTheLastThatFits() throws {
        let model = try Self.tiny()
        let result = model.maxBatch(optimizer: .adamw, capacity: 1 << 20)
        #expect(result == MaxBatch(capacity: 1 << 20, batch: 350, peakBytes: 1_047_488, nextPeakBytes: 1_050_168))
        #expect(model.maxBatch(optimizer: .adamw, capacity: 109_488 + 2679).batch == nil)
        #expect(model.maxBatch(optimizer: .adamw, capacity: 109_488 + 2680).batch == 1)
        #expect(model.maxBatch(optimizer: .adamw, capacity: Int.max).batch == Limits.maxBatch)
    }

    @Test func largestBatchOfAPresetFitsAndTheNextDoesNot() throws {
        let model = try TrainingModel(spec: try #require(Zoo.preset("vit_base_patch16_224")), setup: TrainingSetup())
        let capacity = 39 << 30
        let batch = try #require(model.maxBatch(optimizer: .adamw, capacity: capacity).batch)
        #expect(try model.memory(batch: batch, optimizer: .adamw).peakBytes <= capacity)
        #expect(try model.memory(batch: batch + 1, optimizer: .adamw).peakBytes > capacity)
    }

    @Test func fusedAttentionMaterialisesNeitherScoresNorSoftmax() throws {
        let fused = try Self.tiny()
        // Node 11 is the scores, 12 the softmax and 13 the context of the one block.
        #expect(fused.training.fusedMembers == [11: 13, 12: 13])
        #expect(try Self.tiny(TrainingSetup(attention: .eager)).training.fusedMembers == [:])
    }

    @Test func gpuTableIsTheDatasheets() throws {
        #expect(GPU.all.map(\.id) == ["v100", "a100-40gb", "a100-80gb", "h100", "h200"])
        #expect(GPU.all.map(\.memoryBytes) == [32, 40, 80, 80, 141].map { $0 * 1_073_741_824 })
        #expect(GPU.all.map(\.fp32) == [15.7e12, 19.5e12, 19.5e12, 67e12, 67e12])
        #expect(GPU.all.map(\.bf16) == [nil, 312e12, 312e12, 989.4e12, 989.4e12])
        #expect(GPU.all.map(\.fp16) == [125e12, 312e12, 312e12, 989.4e12, 989.4e12])
        #expect(GPU.named("A100-40GB")?.id == "a100-40gb")
        #expect(GPU.named("H100")?.id == "h100")
        #expect(GPU.named("a100") == nil)
        #expect(GPU.largest.id == "h200")
    }

    /// 10¹² FLOPs per image, 1000 images, 2 epochs on 4 GPUs of 10¹⁵ FLOP/s at 0.5:
    /// 2·10¹⁵ FLOPs / (5·10¹⁴ FLOP/s) = 4 s = 1/900 GPU-hour, 1/3600 hour on 4 GPUs.
    @Test func runCostIsFlopsOverSustainedPeak() {
        let run = TrainingRun(epochs: 2, imagesPerEpoch: 1000, gpus: 4, utilization: 0.5)
        #expect(run.flops(perImage: 1_000_000_000_000) == 2e15)
        #expect(abs(run.gpuHours(flopsPerImage: 1_000_000_000_000, peak: 1e15) - 1.0 / 900) < 1e-15)
        #expect(abs(run.hours(flopsPerImage: 1_000_000_000_000, peak: 1e15) - 1.0 / 3600) < 1e-15)
        #expect(TrainingRun().imagesPerEpoch == 1_281_167)
    }

    /// DeiT-B, 300 epochs of RASampler's ⌊1,281,167 / 256⌋ × 256 = 5004 × 256 = 1,281,024 images
    /// in 53 hours on 8 V100s at 125 TFLOPS (FP16 tensor cores).
    @Test func deitCalibrationImpliesItsUtilisation() throws {
        let run = try #require(PublishedRun.all.first)
        #expect(run.model == "deit_base_patch16_224")
        #expect(run.imagesPerEpoch == 1_281_024)
        #expect((run.epochs, run.gpus, run.hours, run.precision) == (300, 8, 53, .fp16))
        let model = try TrainingModel(spec: try #require(Zoo.preset(run.model)), setup: run.setup)
        let flops = try model.work(batch: 1).perImage.flops
        let expected = Double(flops) * 300 * 1_281_024 / (8 * 125e12 * 53 * 3600)
        #expect(abs(run.utilization(flopsPerImage: flops) - expected) < 1e-12)
    }
}
