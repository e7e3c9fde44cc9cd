import Architectures
import Foundation
import Testing

@testable import Reports
@testable import VitScopeCLI

/// The key numbers the pages state are the analysis's, and those are the hand-derived counts.
@Suite("report pages")
struct ReportPageTests {
    static func analysis(_ name: String, side: Int = 224) throws -> Analysis {
        try #require(Zoo.preset(name)).analyze(Overrides(imageSize: ImageSize(side)))
    }

    /// q·kᵀ and attn·v each cost tokens² × width MACs per block: ViT-S/16 has 12 blocks of 197
    /// tokens at width 384; PiT-S has 2 blocks of 730 at 144, 6 of 197 at 288 and 4 of 50 at 576.
    @Test func attentionMacsAreTheTokenSquaredProducts() throws {
        let vit = try Self.analysis("vit_small_patch16_224"), pit = try Self.analysis("pit_s_224")
        #expect(vit.attentionMacs == 12 * 2 * 197 * 197 * 384)
        #expect(vit.attentionMacs == 357_663_744)
        #expect(pit.attentionMacs(stage: "stage1") == 2 * 2 * 730 * 730 * 144)
        #expect(pit.attentionMacs(stage: "stage2") == 6 * 2 * 197 * 197 * 288)
        #expect(pit.attentionMacs(stage: "stage3") == 4 * 2 * 50 * 50 * 576)
        #expect(pit.attentionMacs == 452_594_304)
        #expect(try Self.analysis("resnet50").attentionMacs == 0)
        // CvT-13's first block: 3136 queries against 784 keys (stride-2 key/value projection), width 64.
        #expect(try Self.analysis("cvt_13").depthSteps.first?.attentionMacs == 2 * 3136 * 784 * 64)
    }

    @Test func spatialPageLeadsWithTheExactNumbers() throws {
        let page = try ReportFilesTests.page("spatial-dimensions.md")
        let vit = try Self.analysis("vit_small_patch16_224"), pit = try Self.analysis("pit_s_224")
        let summary = try #require(page.components(separatedBy: "![").first)
        #expect(
            summary.contains(
                "PiT-S needs **\(NumberFormat.grouped(pit.summary.totals.macs)) MACs** against ViT-S/16's **\(NumberFormat.grouped(vit.summary.totals.macs))** (37.6% fewer)"
            ))
        #expect(
            summary.contains(
                "PiT-S spends **452,594,304 MACs** on the attention products q·kᵀ and attn·v, 1.27× ViT-S/16's **357,663,744**"))
        #expect(summary.contains("would need 4,297,305,600 attention MACs instead of 145,643,904 (pooling saves 96.6%)"))
    }

    /// Unpooled, PiT-S's stage 2 and 3 blocks would attend over stage 1's 730 tokens.
    @Test func poolingStudyRebuildsEachStageOnTheFirstGrid() throws {
        let stages = try PoolingStudy.stages(try Self.analysis("pit_s_224"))
        #expect(stages.map(\.name) == ["stage1", "stage2", "stage3"])
        #expect(stages.map(\.tokens) == [730, 197, 50])
        #expect(stages.map(\.unpooledTokens) == [730, 730, 730])
        let unpooled: [Int] = [2 * 2 * 730 * 730 * 144, 6 * 2 * 730 * 730 * 288, 4 * 2 * 730 * 730 * 576]
        #expect(stages.map(\.unpooledAttentionMacs) == unpooled)
        #expect(stages[0].attentionMacs == stages[0].unpooledAttentionMacs && stages[0].macs == stages[0].unpooledMacs)
        let page = try ReportFilesTests.page("spatial-dimensions.md")
        #expect(page.contains("| stage2 | 14×14 | 197 | 288 | 6 | 134,123,904 | 27×27 | 1,841,702,400 | 1,310,601,600 | 6,201,239,040 |"))
        #expect(try PoolingStudy.stages(try Self.analysis("vit_small_patch16_224")).isEmpty)
    }

    /// Swin-T attends within 7×7 windows: tokens × 49 × width per product, against tokens² × width
    /// over the whole grid; stage 4's 7×7 grid is one window, so the two agree there.
    @Test func windowStudyRebuildsEachStageWithGlobalAttention() throws {
        let swin = try Self.analysis("swin_tiny_patch4_window7_224")
        let stages = try WindowStudy.stages(swin)
        #expect(stages.map(\.name) == ["stage1", "stage2", "stage3", "stage4"])
        #expect(stages.map(\.tokens) == [3136, 784, 196, 49])
        #expect(stages.map(\.window) == [7, 7, 7, 7])
        #expect(stages.map(\.windows) == [64, 16, 4, 1])
        #expect(stages.map(\.shiftedBlocks) == [1, 1, 3, 0])
        let windowed: [Int] = [2 * 2 * 3136 * 49 * 96, 2 * 2 * 784 * 49 * 192, 6 * 2 * 196 * 49 * 384, 2 * 2 * 49 * 49 * 768]
        let global: [Int] = [2 * 2 * 3136 * 3136 * 96, 2 * 2 * 784 * 784 * 192, 6 * 2 * 196 * 196 * 384, 2 * 2 * 49 * 49 * 768]
        #expect(stages.map(\.attentionMacs) == windowed)
        #expect(stages.map(\.globalAttentionMacs) == global)
        // timm's bmm count (FlopCounterMode) for swin_tiny_patch4_window7_224 at 224×224.
        #expect(swin.attentionMacs == 140_141_568 && windowed.reduce(0, +) == swin.attentionMacs)
        // Attention aside, global blocks cost what windowed ones do.
        #expect(stages.allSatisfy { $0.macs - $0.attentionMacs == $0.globalMacs - $0.globalAttentionMacs })
        #expect(try WindowStudy.stages(try Self.analysis("pit_s_224")).isEmpty)
        let page = try ReportFilesTests.page("spatial-dimensions.md")
        #expect(
            page.contains(
                "| stage1 | 56×56 | 3136 | 96 | 2 | 7×7 | 64 | 1 | 59,006,976 | 3,776,446,464 | 752,640,000 | 4,470,079,488 |"))
        #expect(
            page.contains(
                "its attention products cost **140,141,568 MACs**; the same blocks attending over their whole grid would need "
                    + "**4,432,899,072** (the windows save 96.8%)"))
        #expect(page.contains("| 12 | 14×14 · 1024 | 14×14 · 384 | 7×7 · 576 | 14×14 · 384 | 14×14 · 384 | 7×7 · 768 |"))
    }

    @Test func depthFollowsTheBlocks() throws {
        let resnet = try Self.analysis("resnet50").depthSteps, t2t = try Self.analysis("t2t_vit_14").depthSteps
        #expect(resnet.count == 16 && t2t.count == 16)
        let widths: [Int] = [256, 256, 256, 512, 512, 512, 512, 1024, 1024, 1024, 1024, 1024, 1024, 2048, 2048, 2048]
        #expect(resnet.map { $0.stage.channels ?? 0 } == widths)
        #expect(t2t.prefix(3).map(\.block) == ["t2t1/attention1", "t2t2/attention2", "stage1/block0"])
        #expect(t2t.prefix(3).map { $0.stage.grid ?? [] } == [[56, 56], [28, 28], [14, 14]])
        let pit = try Self.analysis("pit_s_224")
        // Blocks plus what lies outside them (embedding, pooling, head, flatten/concat nodes) make the total.
        let inBlocks = pit.depthSteps.reduce(0) { $0 + $1.macs }
        let outside = pit.summary.layers.filter { $0.path.split(separator: "/").count < 3 || !$0.path.hasPrefix("stage") }
        #expect(inBlocks + outside.reduce(0) { $0 + $1.cost.macs } == pit.summary.totals.macs)
        // Every MAC of a transformer stage is inside one of its blocks.
        #expect(
            inBlocks
                == ["stage1", "stage2", "stage3"].compactMap { name in pit.summary.stages.first { $0.name == name }?.cost.macs }.reduce(
                    0, +))
    }

    /// ViT-S/16 at 512×512: 32×32 + 1 = 1025 tokens.
    @Test func resolutionPageTabulatesTheSweep() throws {
        let page = try ReportFilesTests.page("resolution.md")
        #expect(try Self.analysis("vit_small_patch16_224", side: 512).attentionMacs == 12 * 2 * 1025 * 1025 * 384)
        #expect(page.contains("| 512×512 | 0 | 9,682,560,000 |"))
        #expect(page.contains("| ViT-S/16 | 160×160 | 512×512 | 14.00× | 10.15× | 102.99× | 4.1% → 30.5% |"))
        #expect(page.contains("`9/64·B·H²·W² + 72·B·H·W + 9216·B`"))
    }

    /// Swin-T's 7×7 windows tile only multiples of 224 among the sides tried; there its attention
    /// MACs are 2,793 per pixel at every size (timm's bmm count at 448×448 is 560,566,272).
    @Test func resolutionPageShowsWindowedAttentionLinearInArea() throws {
        let page = try ReportFilesTests.page("resolution.md")
        #expect(page.contains("that leaves 224×224, 448×448, 672×672, 896×896; vitscope rejects the other 24"))
        #expect(page.contains("| 448×448 | 200,704 | 560,566,272 | 4.00× | 2793.0 | 5,679,129,600 | 15.88× | 28296.0 |"))
        #expect(
            page.contains(
                "| 896×896 | 802,816 | 2,242,265,088 | 16.00× | 2793.0 | 90,692,527,104 | 253.57× | 112968.0 | 71,837,546,496 | 158,227,759,104 |"
            ))
        #expect(
            page.contains(
                "Swin-T's attention MACs are `2793·B·H·W` for H a multiple of 224, W a multiple of 224, against ViT-S/16's "
                    + "`9/64·B·H²·W² + 72·B·H·W + 9216·B`"))
        #expect(try Self.analysis("vit_small_patch16_224", side: 896).attentionMacs == 12 * 2 * 3137 * 3137 * 384)
        #expect(try Self.analysis("swin_tiny_patch4_window7_224", side: 896).attentionMacs == 16 * 140_141_568)
        #expect(throws: SpecError.self) { try Self.analysis("swin_tiny_patch4_window7_224", side: 256) }
    }

    @Test func zooPageExplainsExactlyTheSixDifferences() throws {
        let page = try ReportFilesTests.page("zoo.md")
        let headings = page.split(separator: "\n").filter { $0.hasPrefix("### ") }.map { String($0.dropFirst(4)) }
        #expect(headings == ["pit_ti_224", "pit_b_224", "t2t_vit_24", "cvt_13", "cvt_21", "cvt_w24"])
        #expect(
            page.contains(
                "| [pit_s_224](models/pit_s_224.md) | pit | 224×224 | 23,461,912 | 23,461,912 | 2,870,796,096 | 5,741,592,192 | 2,877,457,536 | 729+1 → 196+1 → 49+1 | 23.5 / 2.9 | 23.5 / 2.9 | yes |"
            ))
        #expect(page.contains("| 4.9 / 0.7 | 4.8 / 0.7 | [params differ](#pit_ti_224) |"))
    }

    @Test func modelPagesHaveAVerificationSectionToFill() throws {
        let page = try ReportFilesTests.page("models/pit_s_224.md")
        #expect(page.contains("## Verification by execution\n\n" + ReportBook.executionStart + "**Not yet verified by execution.**"))
        #expect(page.contains("    other          = 774387/16·B·H·W - 76032·B·H - 76032·B·W + 23786496·B\n"))
        let spec = try #require(Zoo.preset("vit_tiny_patch16_224"))
        let facts = ModelFacts(
            source: ReportSource(spec: spec, file: "specs/vit/vit_tiny_patch16_224.json"),
            analysis: try spec.analyze(), form: .failure(FormError(message: "skipped in this test")))
        let filled = ModelPage.markdown(facts, verification: "match: \(facts.analysis.summary.totals.macs) MACs\n")
        #expect(
            filled.contains(
                "## Verification by execution\n\n" + ReportBook.executionStart + "match: 1253683200 MACs\n"
                    + ReportBook.executionEnd + "\n## Every layer"))
        #expect(!filled.contains("Not yet verified"))
        #expect(IndexPage.markdown([facts], verified: 1).contains("1 of 1 models were run by the CPU backend"))
        #expect(IndexPage.markdown([facts], verified: 0).contains("Not yet verified by execution: no model here has been run"))
    }
}
