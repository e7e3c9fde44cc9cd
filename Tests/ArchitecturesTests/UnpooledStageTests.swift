import ArchGraph
import Architectures
import Testing

/// PiT's stages rebuilt without pooling: one-stage PiTs on the patch embedding's grid.
@Suite("unpooled PiT stages")
struct UnpooledStageTests {
    @Test func pitSHasOneCounterpartPerStage() throws {
        let spec = try #require(Zoo.preset("pit_s_224"))
        let stages = try #require(spec.unpooledStages)
        #expect(stages.map(\.name) == ["pit_s_224_stage1_unpooled", "pit_s_224_stage2_unpooled", "pit_s_224_stage3_unpooled"])
        #expect(
            stages.map(\.config) == [
                .pit(PiTConfig(patchSize: 16, stride: 8, baseDims: [48], depth: [2], heads: [3], mlpRatio: 4)),
                .pit(PiTConfig(patchSize: 16, stride: 8, baseDims: [48], depth: [6], heads: [6], mlpRatio: 4)),
                .pit(PiTConfig(patchSize: 16, stride: 8, baseDims: [48], depth: [4], heads: [12], mlpRatio: 4)),
            ])
        #expect(stages.allSatisfy { $0.imageSize == spec.imageSize && $0.numClasses == spec.numClasses })
        // Each works on the 27×27 grid of the patch embedding, with the stage's width.
        let summaries = try stages.map { try $0.analyze().summary.stages.first { $0.kind == .transformer } }
        #expect(summaries.map { $0?.grid } == [[27, 27], [27, 27], [27, 27]])
        #expect(summaries.map { $0?.channels } == [144, 288, 576])
    }

    @Test func otherFamiliesHaveNone() throws {
        for name in ["vit_small_patch16_224", "resnet50", "t2t_vit_14", "cvt_13"] {
            #expect(try #require(Zoo.preset(name)).unpooledStages == nil)
        }
    }
}
