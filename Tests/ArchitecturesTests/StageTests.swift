import ArchGraph
import Testing

@testable import Architectures

/// `⌊(x + 2p − k)/s⌋ + 1` for sizes where the numerator is non-negative.
private func out(_ x: Int, _ k: Int, _ s: Int, _ p: Int) -> Int { (x + 2 * p - k) / s + 1 }

/// One expected stage: name, grid, extra (class and distillation) tokens, channels.
struct ExpectedStage: Equatable, CustomStringConvertible {
    let name: String, grid: [Int]?, extra: Int, channels: Int?
    var description: String { "\(name) \(grid ?? []) +\(extra) ch \(channels ?? 0)" }
}

/// The stages each family should have at `h × w`, from the references' layer definitions,
/// written here independently of the graph builders.
func expectedStages(_ spec: ModelSpec, _ h: Int, _ w: Int) -> [ExpectedStage] {
    switch spec.config {
    case .vit(let c):
        let grid = [h / c.patchSize, w / c.patchSize], extra = c.distilled ? 2 : 1
        return [
            ExpectedStage(name: "embed", grid: grid, extra: extra, channels: c.embedDim),
            ExpectedStage(name: "stage1", grid: grid, extra: extra, channels: c.embedDim),
            ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.embedDim),
        ]
    case .pit(let c):
        var g = [out(h, c.patchSize, c.stride, 0), out(w, c.patchSize, c.stride, 0)]
        let extra = c.distilled ? 2 : 1
        let widths = zip(c.baseDims, c.heads).map { $0 * $1 }
        var stages = [ExpectedStage(name: "embed", grid: g, extra: extra, channels: widths[0])]
        for i in widths.indices {
            if i > 0 {
                g = g.map { out($0, 3, 2, 1) }
                stages.append(ExpectedStage(name: "pool\(i)", grid: g, extra: extra, channels: widths[i]))
            }
            stages.append(ExpectedStage(name: "stage\(i + 1)", grid: g, extra: extra, channels: widths[i]))
        }
        return stages + [ExpectedStage(name: "head", grid: nil, extra: 0, channels: widths.last)]
    case .t2tViT(let c):
        let g0 = out(h, 7, 4, 2), g1 = out(g0, 3, 2, 1), g2 = out(g1, 3, 2, 1)
        return [
            ExpectedStage(name: "t2t1", grid: [g0, g0], extra: 0, channels: c.tokenDim),
            ExpectedStage(name: "t2t2", grid: [g1, g1], extra: 0, channels: c.tokenDim),
            ExpectedStage(name: "embed", grid: [g2, g2], extra: 1, channels: c.embedDim),
            ExpectedStage(name: "stage1", grid: [g2, g2], extra: 1, channels: c.embedDim),
            ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.embedDim),
        ]
    case .cvt(let c):
        var g = [h, w]
        var stages: [ExpectedStage] = []
        for (i, s) in c.stages.enumerated() {
            g = g.map { out($0, s.patchSize, s.patchStride, s.patchPadding) }
            stages.append(ExpectedStage(name: "embed\(i + 1)", grid: g, extra: 0, channels: s.dimEmbed))
            stages.append(ExpectedStage(name: "stage\(i + 1)", grid: g, extra: s.clsToken ? 1 : 0, channels: s.dimEmbed))
        }
        return stages + [ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.stages.last?.dimEmbed)]
    case .resnet(let c):
        var g = [h, w].map { out(out($0, 7, 2, 3), 3, 2, 1) }
        var stages = [ExpectedStage(name: "stem", grid: g, extra: 0, channels: ResNetConfig.stemWidth)]
        for (i, _) in c.layers.enumerated() {
            if i > 0 { g = g.map { out($0, 3, 2, 1) } }
            stages.append(ExpectedStage(name: "layer\(i + 1)", grid: g, extra: 0, channels: c.channels[i] * 4))
        }
        return stages + [ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.channels[c.layers.count - 1] * 4)]
    case .swin(let c):
        // timm: PatchEmbed grid h/p, then each stage after the first halves it (PatchMerging).
        var g = [h / c.patchSize, w / c.patchSize]
        var stages = [ExpectedStage(name: "embed", grid: g, extra: 0, channels: c.embedDim)]
        for i in c.depths.indices {
            if i > 0 {
                g = g.map { $0 / 2 }
                stages.append(ExpectedStage(name: "merge\(i)", grid: g, extra: 0, channels: c.embedDim << i))
            }
            stages.append(ExpectedStage(name: "stage\(i + 1)", grid: g, extra: 0, channels: c.embedDim << i))
        }
        return stages + [ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.embedDim << (c.depths.count - 1))]
    case .vitPytorch(let c):
        return expectedVitPytorchStages(c, spec, h, w)
    }
}

/// vit-pytorch's stages at `h × w`, from its module definitions.
func expectedVitPytorchStages(_ config: VitPytorchConfig, _ spec: ModelSpec, _ h: Int, _ w: Int) -> [ExpectedStage] {
    let head = spec.numClasses > 0
    switch config {
    case .vit(let c):
        let grid = [h / c.patchHeight, w / c.patchWidth], extra = c.pool == .cls ? 1 : 0
        return [
            ExpectedStage(name: "embed", grid: grid, extra: extra, channels: c.dim),
            ExpectedStage(name: "stage1", grid: grid, extra: extra, channels: c.dim),
        ]
            + (head ? [ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.dim)] : [])
    case .pit(let c):
        var g = out(h, c.patchSize, c.patchSize / 2, 0), dim = c.dim
        var stages = [ExpectedStage(name: "embed", grid: [g, g], extra: 1, channels: dim)]
        for i in c.depth.indices {
            if i > 0 {
                g = out(g, 3, 2, 1)
                dim *= 2
                stages.append(ExpectedStage(name: "pool\(i)", grid: [g, g], extra: 1, channels: dim))
            }
            stages.append(ExpectedStage(name: "stage\(i + 1)", grid: [g, g], extra: 1, channels: dim))
        }
        return stages + [ExpectedStage(name: "head", grid: nil, extra: 0, channels: dim)]
    case .t2tViT(let c):
        var g = h, width = spec.inChannels
        var stages: [ExpectedStage] = []
        for (i, layer) in c.t2tLayers.enumerated() {
            g = out(g, layer.kernel, layer.stride, layer.stride / 2)
            width *= layer.kernel * layer.kernel
            stages.append(
                i == c.t2tLayers.count - 1
                    ? ExpectedStage(name: "embed", grid: [g, g], extra: 1, channels: c.dim)
                    : ExpectedStage(name: "t2t\(i + 1)", grid: [g, g], extra: 0, channels: width))
        }
        return stages + [
            ExpectedStage(name: "stage1", grid: [g, g], extra: 1, channels: c.dim),
            ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.dim),
        ]
    case .cvt(let c):
        var g = [h, w]
        var stages: [ExpectedStage] = []
        for (i, s) in c.stages.enumerated() {
            g = g.map { out($0, s.embKernel, s.embStride, s.embKernel / 2) }
            stages.append(ExpectedStage(name: "embed\(i + 1)", grid: g, extra: 0, channels: s.embDim))
            stages.append(ExpectedStage(name: "stage\(i + 1)", grid: g, extra: 0, channels: s.embDim))
        }
        return stages + [ExpectedStage(name: "head", grid: nil, extra: 0, channels: c.stages.last?.embDim)]
    }
}

@Suite("Stages")
struct StageTests {
    @Test(arguments: Zoo.all)
    func gridsTokensAndChannels(_ spec: ModelSpec) throws {
        let own = (spec.imageSize.height, spec.imageSize.width)
        // Swin needs grids of whole windows at every stage: twice and three times its own size.
        let sizes =
            spec.family == .swin
            ? [own, (2 * own.0, 2 * own.1), (2 * own.0, 3 * own.1)]
            : [own, (160, 160)] + (spec.family == .t2tViT ? [] : [(192, 256)])
        for (h, w) in sizes {
            let summary = try spec.analyze(Overrides(imageSize: ImageSize(height: h, width: w))).summary
            let actual = summary.stages.map { ExpectedStage(name: $0.name, grid: $0.grid, extra: $0.extraTokens, channels: $0.channels) }
            #expect(actual == expectedStages(spec, h, w), "\(spec.name) \(h)×\(w)")
            for stage in summary.stages {
                #expect(stage.spatialTokens == stage.grid.map { $0.reduce(1, *) })
            }
        }
    }

    /// The PiT paper's spatial-dimension story, literally.
    @Test func pitSmallPoolsTheGridAndWidensChannels() throws {
        let stages = try Zoo.preset("pit_s_224")!.analyze().summary.stages.filter { $0.kind == .transformer }
        #expect(stages.map(\.grid) == [[27, 27], [14, 14], [7, 7]])
        #expect(stages.map(\.spatialTokens) == [729, 196, 49])
        #expect(stages.map(\.channels) == [144, 288, 576])
        #expect(stages.map(\.heads) == [3, 6, 12])
        #expect(stages.map(\.depth) == [2, 6, 4])
        let vit = try Zoo.preset("vit_small_patch16_224")!.analyze().summary.stages.filter { $0.kind == .transformer }
        #expect(vit.map(\.grid) == [[14, 14]])
        #expect(vit.map(\.channels) == [384])
    }

    /// PiT-S per stage by hand. A block of width D has 12·D² + 13·D parameters (qkv 3D² + 3D,
    /// proj D² + D, MLP 8D² + 5D, two LayerNorms 4D).
    @Test func pitSmallStageParametersByHand() throws {
        func blocks(_ n: Int, _ d: Int) -> Int { n * (12 * d * d + 13 * d) }
        let expected = [
            ("embed", 144 * 3 * 16 * 16 + 144 + 144 * 27 * 27 + 144),  // conv, position table, class token
            ("stage1", blocks(2, 144)),
            ("pool1", 288 * 9 + 288 + 144 * 288 + 288),  // depthwise conv ×2, class-token fc
            ("stage2", blocks(6, 288)),
            ("pool2", 576 * 9 + 576 + 288 * 576 + 576),
            ("stage3", blocks(4, 576)),
            ("head", 2 * 576 + 576 * 1000 + 1000),  // final LayerNorm, classifier
        ]
        let summary = try Zoo.preset("pit_s_224")!.analyze().summary
        let stages = summary.stages
        #expect(stages.map(\.name) == expected.map(\.0))
        #expect(stages.map(\.cost.params) == expected.map(\.1))
        // The stages cover the whole model: their params add up to the analysis's total, timm's count.
        #expect(stages.map(\.cost.params).reduce(0, +) == summary.totals.params)
        #expect(summary.totals.params == 23_461_912)
    }

    @Test func t2tTokensShrinkThroughTheSoftSplits() throws {
        let stages = try Zoo.preset("t2t_vit_14")!.analyze().summary.stages
        #expect(stages.map(\.name) == ["t2t1", "t2t2", "embed", "stage1", "head"])
        #expect(stages.map(\.spatialTokens) == [3136, 784, 196, 196, nil])
    }
}
